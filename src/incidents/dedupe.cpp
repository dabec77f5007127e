#include "dedupe.h"

#include <charconv>

#include "incident_rows.h"

namespace csbridge::incidents {

std::string version_key(std::string_view id, std::string_view version) {
  std::string key{id};
  key += '#';
  key += version;
  return key;
}

std::string tracked_key(std::string_view id) {
  std::string key{id};
  key += '#';
  return key;
}

std::optional<std::string> version_of(const nlohmann::ordered_json& record,
                                      std::string_view field) {
  if (!record.is_object()) return std::nullopt;
  const auto it = record.find(field);
  if (it == record.end()) return std::nullopt;
  if (it->is_string()) {
    if (it->get_ref<const std::string&>().empty()) return std::nullopt;
    return it->get<std::string>();
  }
  if (it->is_number() || it->is_boolean()) return it->dump();
  return std::nullopt;
}

DedupeDecision decide(const std::function<bool(std::string_view)>& seen, const DedupeInput& in) {
  DedupeDecision d;
  const bool id_seen = seen(in.id);
  if (!in.emit_updates || !in.version) {
    d.write = !id_seen;
    if (d.write) {
      d.keys.emplace_back(in.id);
      if (in.emit_updates) d.event_action = "created";
    }
    return d;
  }
  std::string vkey = version_key(in.id, *in.version);
  if (seen(vkey)) return d;
  if (!id_seen) {
    d.write = true;
    d.event_action = "created";
    d.keys.emplace_back(in.id);
    d.keys.push_back(tracked_key(in.id));
    d.keys.push_back(std::move(vkey));
    return d;
  }
  std::string marker = tracked_key(in.id);
  if (seen(marker)) {
    d.write = true;
    d.event_action = "updated";
    d.keys.push_back(std::move(vkey));
    return d;
  }
  // Written before versions were tracked: the version at or before the watermark is that one.
  const bool already_written = in.time && in.start_watermark && *in.time <= *in.start_watermark;
  d.write = !already_written;
  if (d.write) d.event_action = "updated";
  d.keys.push_back(std::move(marker));
  d.keys.push_back(std::move(vkey));
  return d;
}

namespace {

/// Reads "cs_row" ("<n>/<of>") into out.part / out.parts; a missing or malformed one leaves
/// the row a whole record.
void read_row_number(const nlohmann::json& row, RecordKeys& out) {
  const auto it = row.find(kRowField);
  if (it == row.end() || !it->is_string()) return;
  const std::string& text = it->get_ref<const std::string&>();
  std::size_t part = 0;
  std::size_t parts = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto r1 = std::from_chars(p, end, part);
  if (r1.ec != std::errc{} || r1.ptr == end || *r1.ptr != '/') return;
  auto r2 = std::from_chars(r1.ptr + 1, end, parts);
  if (r2.ec != std::errc{} || r2.ptr != end) return;
  if (part < 1 || part > parts || parts > 100000) return;
  out.part = part;
  out.parts = parts;
}

}  // namespace

RecordKeys row_keys(const nlohmann::json& row, std::string_view id_key,
                    std::string_view version_key_name, bool emit_updates) {
  RecordKeys out;
  const auto id = row.is_object() ? row.find(id_key) : row.end();
  if (id == row.end() || !id->is_string()) return out;
  const std::string& id_text = id->get_ref<const std::string&>();
  out.keys.push_back(id_text);
  read_row_number(row, out);
  if (!emit_updates) return out;
  const auto version = row.find(version_key_name);
  if (version == row.end()) return out;
  std::string text;
  if (version->is_string()) {
    text = version->get<std::string>();
  } else if (version->is_number() || version->is_boolean()) {
    text = version->dump();
  }
  if (text.empty()) return out;
  out.keys.push_back(tracked_key(id_text));
  out.keys.push_back(version_key(id_text, text));
  return out;
}

}  // namespace csbridge::incidents
