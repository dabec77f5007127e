#include "wazuh/xml_tree.h"

#include <expat.h>

#include <memory>

#include "wazuh/load_error.h"
#include "wazuh/os_regex.h"

namespace wazuh {
namespace {

struct TreeBuilder {
  XML_Parser parser = nullptr;
  XmlNode root{};
  std::vector<XmlNode*> stack{};  // open elements; a parent's vector only grows while it is open
};

void on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* b = static_cast<TreeBuilder*>(data);
  XmlNode node;
  node.name = name;
  node.line = static_cast<long>(XML_GetCurrentLineNumber(b->parser));
  for (std::size_t i = 0; attributes[i] != nullptr; i += 2) {
    node.attributes.emplace_back(attributes[i], attributes[i + 1]);
  }
  XmlNode* parent = b->stack.empty() ? &b->root : b->stack.back();
  parent->children.push_back(std::move(node));
  b->stack.push_back(&parent->children.back());
}

void on_end(void* data, const XML_Char* /*name*/) {
  static_cast<TreeBuilder*>(data)->stack.pop_back();
}

void on_text(void* data, const XML_Char* s, int len) {
  auto* b = static_cast<TreeBuilder*>(data);
  if (!b->stack.empty()) b->stack.back()->text.append(s, static_cast<std::size_t>(len));
}

}  // namespace

const std::string* XmlNode::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (iequals(k, key)) return &v;
  }
  return nullptr;
}

XmlNode parse_xml_file(std::string_view xml, std::string_view source) {
  std::string_view body = xml;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  if (body.starts_with("<?xml")) {
    const std::size_t end = body.find("?>");
    if (end != std::string_view::npos) body.remove_prefix(end + 2);
  }
  const std::string wrapped = "<wazuh_rules_file>" + std::string(body) + "</wazuh_rules_file>";
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                      &XML_ParserFree);
  if (!parser) throw LoadError("expat: cannot create a parser");
  TreeBuilder b;
  b.parser = parser.get();
  XML_SetUserData(parser.get(), &b);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  if (XML_Parse(parser.get(), wrapped.data(), static_cast<int>(wrapped.size()), 1) ==
      XML_STATUS_ERROR) {
    throw LoadError(std::string(source) + ":" +
                    std::to_string(XML_GetCurrentLineNumber(parser.get())) +
                    ": XML error: " + XML_ErrorString(XML_GetErrorCode(parser.get())));
  }
  if (b.root.children.size() != 1) throw LoadError(std::string(source) + ": empty XML");
  return std::move(b.root.children.front());
}

}  // namespace wazuh
