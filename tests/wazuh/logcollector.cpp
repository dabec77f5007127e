#include "wazuh/logcollector.h"

#include "wazuh/cjson.h"

namespace wazuh {

CollectedLine collect_json_line(std::string_view raw_line) {
  CollectedLine out;
  if (raw_line.size() > kMaxJsonLineBytes) {
    out.reason = "line longer than 65279 bytes";
    return out;
  }
  if (raw_line.find('\0') != std::string_view::npos) {
    out.reason = "line contains a NUL byte";
    return out;
  }
  const auto parsed = cjson::parse(raw_line);
  if (!parsed || parsed->item.type != cjson::Type::kObject) {
    out.reason = "line is not a JSON object";
    return out;
  }
  out.forwarded = true;
  out.line = cjson::print(parsed->item, false);
  return out;
}

}  // namespace wazuh
