#pragma once

/// \file
/// A rules file as an element tree, read with expat. Wazuh's own XML reader (os_xml) accepts
/// several top-level elements (<var>, <group>...), so the text is parsed inside a synthetic root.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wazuh {

/// One element: name, attributes in document order, its text (all character data directly
/// inside it, entities decoded), children.
struct XmlNode {
  std::string name{};
  std::vector<std::pair<std::string, std::string>> attributes{};
  std::string text{};
  std::vector<XmlNode> children{};
  long line = 0;  ///< line of the start tag

  /// The value of attribute `key` (ASCII case-insensitive), or nullptr.
  [[nodiscard]] const std::string* attribute(std::string_view key) const;
};

/// Parses `xml` (an optional UTF-8 BOM and <?xml?> declaration are skipped) into a node whose
/// children are the file's top-level elements. Throws LoadError("<source>:<line>: XML error...").
[[nodiscard]] XmlNode parse_xml_file(std::string_view xml, std::string_view source);

}  // namespace wazuh
