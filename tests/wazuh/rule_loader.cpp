#include "wazuh/rule_loader.h"

#include <array>

#include "wazuh/os_regex.h"
#include "wazuh/xml_tree.h"

namespace wazuh {
namespace {

/// OS_ApplyVariables on one text, once the file defines at least one <var>.
std::string apply_variables(const std::string& text,
                            const std::vector<std::pair<std::string, std::string>>& vars,
                            std::string_view source) {
  if (text.size() <= 2) return text;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t j = i + 1;
    while (j < text.size() && std::string_view("$.|, ").find(text[j]) == std::string_view::npos) {
      ++j;
    }
    const std::string name = text.substr(i + 1, j - i - 1);
    if (name.empty()) {
      out.push_back('$');
      i = j;
      continue;
    }
    const std::string* value = nullptr;
    for (const auto& [var, val] : vars) {
      if (iequals(var, name)) value = &val;
    }
    if (value == nullptr) {
      throw LoadError(std::string(source) + ": XML_ERR: Unknown variable: " + name);
    }
    out += *value;
    i = j;
  }
  return out;
}

void apply_variables_tree(XmlNode& node,
                          const std::vector<std::pair<std::string, std::string>>& vars,
                          std::string_view source) {
  if (iequals(node.name, "var")) return;
  node.text = apply_variables(node.text, vars, source);
  for (auto& [key, value] : node.attributes) value = apply_variables(value, vars, source);
  for (XmlNode& child : node.children) apply_variables_tree(child, vars, source);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

/// Names <field> may not use (rules.c w_check_attr_field_name).
constexpr std::array<std::string_view, 17> kStaticFieldNames{
    "srcip",      "dstip",   "srcgeoip", "dstgeoip",    "srcport", "dstport",
    "user",       "srcuser", "dstuser",  "url",         "id",      "data",
    "extra_data", "status",  "protocol", "system_name", "action"};

/// Decoders the evaluator models (decoded_as must name one; Wazuh: "Invalid decoder name").
constexpr std::array<std::string_view, 2> kKnownDecoders{"json", "json-msgraph"};

constexpr std::array<std::string_view, 7> kKnownOptions{
    "alert_by_email", "no_email_alert",    "no_log", "no_full_log", "no_counter",
    "no_ar",          "no_previous_output"};

class RuleBuilder {
 public:
  RuleBuilder(std::string_view source, const std::string& group_name)
      : source_(source), group_(group_name) {}

  Rule build(const XmlNode& node) {
    rule_.source = std::string(source_);
    rule_.group = group_;
    read_attributes(node);
    for (const XmlNode& opt : node.children) read_option(opt);
    if (!has_description_) fail("has no <description>");
    return std::move(rule_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw LoadError(std::string(source_) + ": rule " + std::to_string(rule_.id) + ": " + what);
  }

  void read_attributes(const XmlNode& node) {
    bool has_id = false;
    bool has_level = false;
    for (const auto& [key, value] : node.attributes) {
      if (iequals(key, "id")) {
        if (!all_digits(value) || value.size() > 6) {
          throw LoadError(std::string(source_) + ": rules_op: Invalid rule id: " + value +
                          ". Must be integer (max 6 digits)");
        }
        rule_.id = std::stoi(value);
        has_id = true;
      } else if (iequals(key, "level")) {
        if (!all_digits(value) || value.size() > 2 || std::stoi(value) > 16) {
          fail("rules_op: Invalid level: " + value + ". Must be an integer between 0 and 16.");
        }
        rule_.level = std::stoi(value);
        has_level = true;
      } else if (iequals(key, "noalert")) {
        rule_.noalert = value == "1";
      } else if (iequals(key, "maxsize") || iequals(key, "frequency") ||
                 iequals(key, "timeframe") || iequals(key, "ignore") || iequals(key, "accuracy") ||
                 iequals(key, "overwrite")) {
        fail("attribute '" + key + "' is not modelled by the evaluator");
      } else {
        fail("rules_op: Invalid attribute \"" + key + "\"");
      }
    }
    if (!has_id) fail("rule without id");
    if (!has_level) fail("rule without level");
  }

  static bool negate_of(const XmlNode& n) {
    const std::string* v = n.attribute("negate");
    return v != nullptr && iequals(*v, "yes");
  }

  static ExpressionType type_of(const XmlNode& n, ExpressionType fallback) {
    const std::string* v = n.attribute("type");
    if (v == nullptr) return fallback;
    if (iequals(*v, "osregex")) return ExpressionType::kOsRegex;
    if (iequals(*v, "osmatch")) return ExpressionType::kOsMatch;
    if (iequals(*v, "pcre2")) return ExpressionType::kPcre2;
    return fallback;  // Wazuh warns and keeps the default
  }

  Expression compile(const XmlNode& n, ExpressionType fallback, const std::string& pattern) {
    std::string error;
    auto e = Expression::compile(type_of(n, fallback), pattern, negate_of(n), &error);
    if (!e) fail("<" + n.name + "> '" + pattern + "': " + error);
    return std::move(*e);
  }

  void read_field(const XmlNode& opt) {
    const std::string* name = opt.attribute("name");
    if (name == nullptr) fail("Failure to read rule. No such attribute 'name' for field.");
    for (const std::string_view s : kStaticFieldNames) {
      if (iequals(*name, s)) {
        fail("Failure to read rule " + std::to_string(rule_.id) + ". Field '" + *name +
             "' is static.");
      }
    }
    rule_.fields.push_back({*name, compile(opt, ExpressionType::kOsRegex, opt.text)});
  }

  void read_if_sid(const XmlNode& opt) {
    std::string digits;
    auto flush = [&] {
      if (!digits.empty()) rule_.if_sid.push_back(std::stoi(digits));
      digits.clear();
    };
    for (const char c : opt.text) {
      if (c >= '0' && c <= '9') {
        digits.push_back(c);
      } else if (c == ',' || c == ' ') {
        flush();
      } else {
        fail("rules_list: Signature ID must be an integer ('" + opt.text + "')");
      }
    }
    flush();
    if (rule_.if_sid.empty()) fail("empty <if_sid>");
  }

  void read_options(const XmlNode& opt) {
    std::string word;
    auto flush = [&] {
      if (word.empty()) return;
      bool known = false;
      for (const std::string_view k : kKnownOptions) known = known || word == k;
      if (!known) fail("Invalid option '" + word + "'");
      rule_.options.push_back(word);
      word.clear();
    };
    for (const char c : opt.text) {
      if (c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r') {
        flush();
      } else {
        word.push_back(c);
      }
    }
    flush();
  }

  void read_option(const XmlNode& opt) {
    const std::string name = ascii_lower(opt.name);
    if (name == "description") {
      rule_.description += opt.text;
      has_description_ = true;
    } else if (name == "decoded_as") {
      bool known = false;
      for (const std::string_view d : kKnownDecoders) known = known || opt.text == d;
      if (!known) fail("Invalid decoder name: '" + opt.text + "' (or not modelled)");
      rule_.decoded_as = opt.text;
    } else if (name == "match") {
      match_text_ += opt.text;
      rule_.match = compile(opt, ExpressionType::kOsMatch, match_text_);
    } else if (name == "field") {
      read_field(opt);
    } else if (name == "if_sid") {
      read_if_sid(opt);
    } else if (name == "if_group") {
      rule_.if_group = opt.text;
    } else if (name == "group") {
      rule_.group += opt.text;
    } else if (name == "options") {
      read_options(opt);
    } else if (name == "mitre" || name == "info") {
      // Metadata only: no effect on matching.
    } else {
      fail("<" + opt.name + "> is not modelled by the evaluator");
    }
  }

  std::string_view source_;
  std::string group_;
  Rule rule_{};
  std::string match_text_{};
  bool has_description_ = false;
};

}  // namespace

std::vector<Rule> parse_rules_xml(std::string_view xml, std::string_view source) {
  XmlNode file = parse_xml_file(xml, source);
  std::vector<std::pair<std::string, std::string>> vars;
  for (const XmlNode& top : file.children) {
    if (!iequals(top.name, "var")) continue;
    const std::string* name = top.attribute("name");
    if (name == nullptr || top.text.empty()) {
      throw LoadError(std::string(source) + ": XML_ERR: Bad formed variable. No value set");
    }
    vars.emplace_back(*name, top.text);
  }
  if (!vars.empty()) apply_variables_tree(file, vars, source);

  std::vector<Rule> rules;
  for (const XmlNode& top : file.children) {
    if (iequals(top.name, "var")) continue;
    if (!iequals(top.name, "group")) {
      throw LoadError(std::string(source) + ":" + std::to_string(top.line) +
                      ": invalid root element <" + top.name + "> (only <group> and <var>)");
    }
    const std::string* group_name = top.attribute("name");
    if (group_name == nullptr) {
      throw LoadError(std::string(source) + ": <group> without a name attribute");
    }
    for (const XmlNode& r : top.children) {
      if (!iequals(r.name, "rule")) {
        throw LoadError(std::string(source) + ":" + std::to_string(r.line) + ": <" + r.name +
                        "> inside <group> (only <rule>)");
      }
      rules.push_back(RuleBuilder(source, *group_name).build(r));
    }
  }
  return rules;
}

}  // namespace wazuh
