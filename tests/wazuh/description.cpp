#include "wazuh/description.h"

#include <array>

namespace wazuh {
namespace {

constexpr std::array<std::string_view, 14> kStaticSlots{
    "dstuser", "srcuser", "srcip", "dstip", "srcport", "dstport",    "protocol",
    "action",  "id",      "url",   "data",  "status",  "extra_data", "system_name"};

/// The value `$(name)` stands for, or nullptr.
const std::string* lookup(std::string_view name, const DecodedEvent& event) {
  for (const std::string_view slot : kStaticSlots) {
    if (name == slot) return event.static_slot(slot);
  }
  if (name == "program_name" || name == "hostname") return nullptr;  // no syslog header in JSON
  return event.find_field(name);
}

}  // namespace

std::string expand_description(std::string_view description, const DecodedEvent& event) {
  // The template itself is first copied into a buffer of OS_COMMENT_MAX bytes (strncpy).
  const std::string original(description.substr(0, kCommentMax));
  std::string_view rest = original;
  std::string out;
  for (std::size_t tok = rest.find("$("); tok != std::string_view::npos; tok = rest.find("$(")) {
    const std::string_view before = rest.substr(0, tok);
    if (out.size() + before.size() >= kCommentMax) return std::string(description);
    out += before;
    const std::string_view var = rest.substr(tok + 2);
    const std::size_t close = var.find(')');
    if (close == std::string_view::npos) {
      rest = rest.substr(tok);
      break;
    }
    if (const std::string* value = lookup(var.substr(0, close), event)) {
      if (out.size() + value->size() >= kCommentMax) return std::string(description);
      out += *value;
    }
    rest = var.substr(close + 1);
  }
  if (out.size() + rest.size() >= kCommentMax) return std::string(description);
  out += rest;
  return out;
}

}  // namespace wazuh
