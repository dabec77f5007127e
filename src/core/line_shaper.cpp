#include "csbridge/line_shaper.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "csbridge/page_scanner.h"

namespace csbridge {
namespace {

using Json = nlohmann::ordered_json;
constexpr std::size_t kKeepAtLeast = 64;    // bytes kept of a truncated value
constexpr std::size_t kKeptTextMax = 1024;  // a kept field's string up to this is never cut

// Keep in step with rules/crowdstrike.xml (tests/wazuh/line_shaping_test.cpp checks that every
// field the rules match or show is listed) and with the daemons' crash-recovery readers.
constexpr std::array<std::string_view, 25> kKeptFields{{
    // the marker contract
    "integration",
    "cs_kind",
    "cs_row",
    // alerts (cs-detections): rule fields, then what alert_keys() reads back
    "severity",
    "description",
    "severity_name",
    "device.platform_id",
    "device.device_id",
    "composite_id",
    "created_timestamp",
    "timestamp",
    "updated_timestamp",
    // incidents and cases (cs-incidents): rule fields, then what row_keys() reads back
    "crowdstrike.fine_score",
    "crowdstrike.severity",
    "crowdstrike.name",
    "crowdstrike.reference_id",
    "crowdstrike.device_id",
    "crowdstrike.incident_id",
    "crowdstrike.modified_timestamp",
    "crowdstrike.id",
    "crowdstrike.version",
    "crowdstrike.event_action",
    "crowdstrike.status",
    "crowdstrike.state",
    // what the bridge adds
    "cs_bridge.truncated",
}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lx = static_cast<unsigned char>(x >= 'A' && x <= 'Z' ? x + 32 : x);
           const auto ly = static_cast<unsigned char>(y >= 'A' && y <= 'Z' ? y + 32 : y);
           return lx == ly;
         });
}

bool is_kept(std::string_view dotted) {
  return std::any_of(kKeptFields.begin(), kKeptFields.end(),
                     [&](std::string_view k) { return iequals(k, dotted); });
}

/// A kept field lies inside the object at `dotted`.
bool holds_kept(std::string_view dotted) {
  return std::any_of(kKeptFields.begin(), kKeptFields.end(), [&](std::string_view k) {
    return k.size() > dotted.size() && k[dotted.size()] == '.' &&
           iequals(k.substr(0, dotted.size()), dotted);
  });
}

/// Whether a top-level member named `key` (decoded) is a dynamic field, as Wazuh's JSON decoder
/// decides (json_decoder.c): the static keys fill Eventinfo slots instead, and `user` fills
/// dstuser while that slot is unset. `dstuser` tracks the slot.
bool top_level_counts(std::string_view key, bool& dstuser) {
  static constexpr std::array<std::string_view, 13> kStatic{
      "srcip", "dstip",  "srcport", "dstport", "protocol",   "action",    "srcuser",
      "id",    "status", "url",     "data",    "extra_data", "systemname"};
  if (key == "dstuser") {
    dstuser = true;
    return false;
  }
  if (key == "user") {
    if (dstuser) return true;
    dstuser = true;
    return false;
  }
  return std::find(kStatic.begin(), kStatic.end(), key) == kStatic.end();
}

// ---- the count scan (valid JSON assumed; never reads outside the input) ----

inline const char* skip_ws(const char* p, const char* e) {
  while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  return p;
}

/// `p` at an opening '"': past the closing one (or `e`).
inline const char* skip_string(const char* p, const char* e) {
  const char* from = p + 1;
  for (;;) {
    const void* hit = std::memchr(from, '"', static_cast<std::size_t>(e - from));
    if (hit == nullptr) return e;
    const char* q = static_cast<const char*>(hit);
    const char* b = q;
    while (b > from && b[-1] == '\\') --b;
    if (((q - b) & 1) == 0) return q + 1;  // an even run of backslashes: not escaped
    from = q + 1;
  }
}

/// `p` at '[': past the matching ']' (or `e`).
inline const char* skip_array(const char* p, const char* e) {
  std::size_t depth = 0;
  while (p < e) {
    const char c = *p;
    if (c == '"') {
      p = skip_string(p, e);
      continue;
    }
    ++p;
    if (c == '[') {
      ++depth;
    } else if (c == ']' && --depth == 0) {
      break;
    }
  }
  return p;
}

inline const char* skip_scalar(const char* p, const char* e) {
  while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' &&
         *p != '\t') {
    ++p;
  }
  return p;
}

/// A key's decoded text as cJSON sees it (cut at a decoded NUL); rare: only escaped keys.
std::string decode_key(std::string_view raw) {
  std::string quoted;
  quoted.reserve(raw.size() + 2);
  quoted += '"';
  quoted += raw;
  quoted += '"';
  const Json j = Json::parse(quoted, nullptr, false);
  std::string key = j.is_string() ? j.get<std::string>() : std::string{raw};
  if (const auto nul = key.find('\0'); nul != std::string::npos) key.resize(nul);
  return key;
}

// ---- the DOM side (rare: lines that need folding or shrinking) ----

struct Field {
  std::vector<std::string> path;  ///< keys from the top
  std::string dotted;             ///< Wazuh's field name
};

void enumerate(const Json& object, std::vector<std::string>& path, const std::string& prefix,
               bool& dstuser, std::vector<Field>& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string dotted = path.empty() ? it.key() : prefix + "." + it.key();
    path.push_back(it.key());
    if (it.value().is_object()) {
      enumerate(it.value(), path, dotted, dstuser, out);
    } else if (path.size() > 1 || top_level_counts(it.key(), dstuser)) {
      out.push_back({path, dotted});
    }
    path.pop_back();
  }
}

std::vector<Field> fields_of(const Json& doc) {
  std::vector<Field> out;
  std::vector<std::string> path;
  bool dstuser = false;
  enumerate(doc, path, "", dstuser, out);
  return out;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

/// Moves all but `keep` fields of `doc` (kept_fields() always stay, then the first ones in
/// document order) into doc["cs_bridge"]["overflow"]. False if `doc` has no more than `keep`.
bool fold(Json& doc, std::vector<Field> fields, std::size_t keep) {
  if (fields.size() <= keep) return false;
  std::vector<bool> stays(fields.size(), false);
  std::size_t kept = 0;
  for (std::string_view name : kKeptFields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!stays[i] && iequals(fields[i].dotted, name)) {
        stays[i] = true;
        ++kept;
        break;
      }
    }
  }
  for (std::size_t i = 0; i < fields.size() && kept < keep; ++i) {
    if (!stays[i]) {
      stays[i] = true;
      ++kept;
    }
  }
  Json overflow = Json::object();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (stays[i]) continue;
    const std::vector<std::string>& path = fields[i].path;
    std::vector<Json*> chain{&doc};  // the objects from the top down to the field's parent
    for (std::size_t k = 0; k + 1 < path.size(); ++k) chain.push_back(&chain.back()->at(path[k]));
    Json* into = &overflow;
    for (std::size_t k = 0; k + 1 < path.size(); ++k) {
      Json& child = (*into)[path[k]];
      if (!child.is_object()) child = Json::object();
      into = &child;
    }
    (*into)[path.back()] = std::move(chain.back()->at(path.back()));
    chain.back()->erase(path.back());
    // An object emptied by the fold goes too (it is in the overflow); `{}` served stays.
    for (std::size_t k = chain.size() - 1; k > 0 && chain[k]->empty(); --k) {
      chain[k - 1]->erase(path[k - 1]);
    }
  }
  Json& note = doc["cs_bridge"];
  if (!note.is_object()) note = Json::object();
  note["overflow"] = dump(overflow);
  return true;
}

struct Leaf {
  Json::json_pointer pointer;
  std::string path;  ///< Wazuh's dot-joined field name
  std::size_t size;  ///< bytes of the value's JSON text (strings: the string's length)
  bool is_string;
};

void collect(Json& node, const Json::json_pointer& ptr, const std::string& path,
             std::vector<Leaf>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      collect(it.value(), ptr / it.key(), path.empty() ? it.key() : path + "." + it.key(), out);
    }
  } else if (node.is_string()) {
    out.push_back({ptr, path, node.get_ref<const std::string&>().size(), true});
  }
  if (node.is_array() || (node.is_object() && !ptr.empty() && !holds_kept(path))) {
    out.push_back({ptr, path, dump(node).size(), false});
  }
}

/// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

/// shrink_line on a parsed object; adds cs_bridge.truncated.
void shrink_doc(Json& doc, std::size_t budget) {
  Json notes = Json::array();
  std::string text = dump(doc);
  // Each round cuts the single largest value (strings first); bounded by the number of values.
  for (int round = 0; round < 10'000 && text.size() + dump(notes).size() + 40 > budget; ++round) {
    std::vector<Leaf> leaves;
    collect(doc, Json::json_pointer{}, "", leaves);
    const auto largest = [&](bool strings) {
      const Leaf* best = nullptr;
      for (const auto& l : leaves) {
        // Ids and timestamps (dedupe, crash recovery, rules) are never cut; a kept field
        // that is long text (a description) may be.
        if (l.is_string && l.size <= kKeptTextMax && (l.path == "id" || is_kept(l.path))) continue;
        if (l.is_string == strings && l.size > kKeepAtLeast && (!best || l.size > best->size)) {
          best = &l;
        }
      }
      return best;
    };
    // The longest string, unless an array or object is much larger (300 quarantined files):
    // cutting that one value beats cutting every string of the record.
    const Leaf* victim = largest(true);
    const Leaf* container = largest(false);
    if (victim == nullptr || (container != nullptr && container->size > 4 * victim->size)) {
      victim = container;
    }
    if (victim == nullptr) break;  // nothing left to cut: give up rather than drop fields
    const std::size_t excess = text.size() + dump(notes).size() + 120 - budget;
    const std::size_t keep =
        std::max(kKeepAtLeast, victim->size > excess ? victim->size - excess : kKeepAtLeast);
    Json& target = doc.at(victim->pointer);
    const std::string original = victim->is_string ? target.get<std::string>() : dump(target);
    target = utf8_prefix(original, keep);
    notes.push_back({{"field", victim->path}, {"original_length", original.size()}});
    text = dump(doc);
  }
  Json& note = doc["cs_bridge"];
  if (!note.is_object()) note = Json::object();
  note["truncated"] = std::move(notes);
}

/// `line` parsed; a line the JSON library rejects (invalid UTF-8) is first made valid by the
/// page scanner (U+FFFD for invalid sequences), as the detections path does on input.
Json parse_object(std::string_view line) {
  Json doc = Json::parse(line, nullptr, false);
  if (doc.is_discarded()) {
    std::string wrapped = R"({"resources":[)";
    wrapped += line;
    wrapped += "]}";
    const auto page = scan_page(wrapped, ScanSpec{});
    if (page && page.value().records.size() == 1) {
      doc = Json::parse(page.value().line(page.value().records[0]), nullptr, false);
    }
  }
  return doc;
}

template <typename Shape>
std::optional<std::string> rewrite_lines(std::string_view lines, Shape&& shape) {
  std::optional<std::string> out;
  std::size_t copied = 0;  // bytes of `lines` already in `out`
  std::size_t start = 0;
  while (start < lines.size()) {
    const void* nl = std::memchr(lines.data() + start, '\n', lines.size() - start);
    const std::size_t end =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - lines.data()) : lines.size();
    if (auto shaped = shape(lines.substr(start, end - start))) {
      if (!out) out.emplace().reserve(lines.size());
      out->append(lines.substr(copied, start - copied));
      out->append(*shaped);
      copied = end;
    }
    start = end + 1;
  }
  if (out) out->append(lines.substr(copied));
  return out;
}

}  // namespace

std::span<const std::string_view> kept_fields() { return kKeptFields; }

std::size_t count_wazuh_fields(std::string_view line) {
  const char* p = line.data();
  const char* const e = p + line.size();
  p = skip_ws(p, e);
  if (p == e || *p != '{') return 0;
  ++p;
  std::size_t depth = 1;  // open objects; arrays are skipped whole (one field each)
  std::size_t count = 0;
  bool dstuser = false;
  while (p < e) {
    const char c = *p;
    if (c == '"') {  // a key: in an object, only keys start with '"' here
      const char* const key = p + 1;
      p = skip_string(p, e);
      const std::string_view raw(key, static_cast<std::size_t>(std::max(p - 1, key) - key));
      p = skip_ws(p, e);
      if (p == e || *p != ':') break;
      p = skip_ws(p + 1, e);
      if (p == e) break;
      if (*p == '{') {  // an object is no field itself; its members are
        ++depth;
        ++p;
        continue;
      }
      if (depth > 1) {
        ++count;
      } else if (raw.find('\\') == std::string_view::npos
                     ? top_level_counts(raw, dstuser)
                     : top_level_counts(decode_key(raw), dstuser)) {
        ++count;
      }
      p = *p == '"' ? skip_string(p, e) : *p == '[' ? skip_array(p, e) : skip_scalar(p, e);
    } else if (c == '}') {
      if (--depth == 0) break;
      ++p;
    } else {
      ++p;  // ',' or whitespace
    }
  }
  return count;
}

std::optional<std::string> shape_line(std::string_view line, const LineLimits& limits,
                                      ShapeReport* report) {
  if (line.size() <= limits.max_bytes && count_wazuh_fields(line) <= limits.max_fields) {
    return std::nullopt;
  }
  Json doc = parse_object(line);
  if (!doc.is_object()) return std::nullopt;
  ShapeReport done;
  std::vector<Field> fields = fields_of(doc);
  const std::size_t count = fields.size();
  std::string text = dump(doc);
  // A shrink adds one field (cs_bridge.truncated); the fold leaves room for it and the overflow.
  if (count + (text.size() > limits.max_bytes ? 1 : 0) > limits.max_fields) {
    done.folded = fold(doc, std::move(fields), limits.max_fields > 2 ? limits.max_fields - 2 : 0);
    text = dump(doc);
  }
  if (text.size() > limits.max_bytes) {
    shrink_doc(doc, limits.max_bytes);
    done.shrunk = true;
    text = dump(doc);
  }
  if (report) *report = done;
  return text;
}

std::optional<ShapedLines> shape_lines(std::string_view lines, const LineLimits& limits) {
  ShapedLines result;
  auto text = rewrite_lines(lines, [&](std::string_view line) {
    ShapeReport r;
    auto shaped = shape_line(line, limits, &r);
    result.folded += r.folded ? 1 : 0;
    result.shrunk += r.shrunk ? 1 : 0;
    return shaped;
  });
  if (!text) return std::nullopt;
  result.text = std::move(*text);
  return result;
}

std::optional<std::string> shrink_line(std::string_view line, std::size_t budget) {
  if (line.size() <= budget) return std::nullopt;
  Json doc = Json::parse(line, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  shrink_doc(doc, budget);
  return dump(doc);
}

std::optional<std::string> shrink_oversized_lines(std::string_view lines, std::size_t budget) {
  return rewrite_lines(lines, [&](std::string_view line) -> std::optional<std::string> {
    if (line.size() <= budget) return std::nullopt;
    return shrink_line(line, budget);
  });
}

}  // namespace csbridge
