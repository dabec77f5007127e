#include "wazuh/json_decoder.h"

#include <array>
#include <cstdio>

#include "wazuh/cjson.h"
#include "wazuh/os_regex.h"

namespace wazuh {
namespace {

/// Top-level keys that fill a static slot, and the slot's alert-JSON spelling.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kStaticKeys{{
    {"srcip", "srcip"},
    {"dstip", "dstip"},
    {"srcport", "srcport"},
    {"dstport", "dstport"},
    {"protocol", "protocol"},
    {"action", "action"},
    {"srcuser", "srcuser"},
    {"dstuser", "dstuser"},
    {"id", "id"},
    {"status", "status"},
    {"url", "url"},
    {"data", "data"},
    {"extra_data", "extra_data"},
    {"systemname", "system_name"},
}};

const OsRegex& json_prematch() {
  static const OsRegex re = *OsRegex::compile("^{\\s*\"", nullptr);
  return re;
}

const OsRegex& msgraph_prematch() {
  static const OsRegex re = *OsRegex::compile("\"integration\":\"ms-graph\"", nullptr);
  return re;
}

class FieldSink {
 public:
  FieldSink(DecodedEvent& ev, const DecoderOptions& options, bool discard_null)
      : ev_(ev), options_(options), discard_null_(discard_null) {}

  /// readJSON: walks the members of one object; `parent` is the dotted prefix ("" at the top).
  void walk(const cjson::Item& object, const std::string* parent) {
    for (const cjson::Item& member : object.children) {
      const std::string key = parent ? *parent + "." + member.key : member.key;
      const bool top = parent == nullptr;
      switch (member.type) {
        case cjson::Type::kObject:
          walk(member, &key);
          break;
        case cjson::Type::kNull:
          if (!discard_null_) fill(key, "null", top);
          break;
        default:
          fill(key, text_of(member), top);
      }
    }
  }

 private:
  static std::string text_of(const cjson::Item& item) {
    switch (item.type) {
      case cjson::Type::kString:
        return item.text;
      case cjson::Type::kTrue:
        return "true";
      case cjson::Type::kFalse:
        return "false";
      case cjson::Type::kNumber: {
        char buffer[64];
        if (static_cast<double>(item.number_int) == item.number) {
          std::snprintf(buffer, sizeof(buffer), "%i", item.number_int);
        } else {
          std::snprintf(buffer, sizeof(buffer), "%f", item.number);
        }
        return buffer;
      }
      case cjson::Type::kArray:
        return cjson::print(item, true);
      default:
        return "null";
    }
  }

  void fill(const std::string& key, std::string value, bool top) {
    if (top) {
      for (const auto& [json_key, slot] : kStaticKeys) {
        if (key == json_key) {
          set_static(key, std::string(slot), std::move(value));
          return;
        }
      }
      if (key == "user" && ev_.static_slot("dstuser") == nullptr) {
        set_static(key, "dstuser", std::move(value));
        return;
      }
    }
    if (ev_.fields.size() >= options_.decoder_order_size) {
      ++ev_.dropped_fields;
      return;
    }
    ev_.fields.emplace_back(key, std::move(value));
  }

  void set_static(const std::string& key, std::string slot, std::string value) {
    ev_.static_list.push_back({key, std::move(slot), std::move(value)});
  }

  DecodedEvent& ev_;
  const DecoderOptions& options_;
  bool discard_null_;
};

}  // namespace

const std::string* DecodedEvent::find_field(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

const std::string* DecodedEvent::static_slot(std::string_view slot) const {
  const std::string* found = nullptr;
  for (const StaticAssignment& a : static_list) {
    if (a.slot == slot) found = &a.value;
  }
  return found;
}

std::vector<std::pair<std::string, std::string>> DecodedEvent::statics() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const StaticAssignment& a : static_list) {
    bool seen = false;
    for (auto& [slot, value] : out) {
      if (slot == a.slot) {
        value = a.value;
        seen = true;
      }
    }
    if (!seen) out.emplace_back(a.slot, a.value);
  }
  return out;
}

DecodedEvent decode(std::string_view line, const DecoderOptions& options) {
  DecodedEvent ev;
  const std::size_t nul = line.find('\0');
  ev.log = std::string(nul == std::string_view::npos ? line : line.substr(0, nul));
  bool discard_null = false;
  if (msgraph_prematch().matches(ev.log)) {
    ev.decoder = "json-msgraph";
    discard_null = true;
  } else if (json_prematch().matches(ev.log)) {
    ev.decoder = "json";
  } else {
    return ev;
  }
  const auto parsed = cjson::parse(ev.log);
  if (!parsed) return ev;  // Wazuh: "Malformed JSON string" at debug level only
  ev.json_parsed = true;
  if (parsed->item.type == cjson::Type::kObject) {
    FieldSink(ev, options, discard_null).walk(parsed->item, nullptr);
  }
  return ev;
}

}  // namespace wazuh
