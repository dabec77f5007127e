#include "incident_rows.h"

#include <string_view>

namespace csbridge::incidents {
namespace {

using nlohmann::ordered_json;

/// The member `key` of `object` if `object` is an object holding it, else nullptr.
const ordered_json* member(const ordered_json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  const auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

/// The host objects of a record (missing, null or wrongly typed levels mean "no hosts").
std::vector<const ordered_json*> hosts_of(const ordered_json& record, RecordKind kind) {
  const ordered_json* list = nullptr;
  if (kind == RecordKind::kIncident) {
    list = member(&record, "hosts");
  } else {
    list = member(member(member(&record, "analysis_results"), "hosts"), "records");
  }
  std::vector<const ordered_json*> hosts;
  if (list == nullptr || !list->is_array()) return hosts;
  for (const auto& h : *list) {
    if (h.is_object()) hosts.push_back(&h);
  }
  return hosts;
}

/// The row key of host field `key`: "crowdstrike.<key>" unless the row already has it, then
/// "crowdstrike.host_<key>" (and "host_" again while that is taken).
std::string host_key(const ordered_json& row, std::string_view key) {
  std::string name{key};
  while (row.contains(kKeyPrefix + name)) name.insert(0, "host_");
  return kKeyPrefix + name;
}

void add_extras(ordered_json& row, const RowExtras& extras) {
  if (extras.attack) {
    row[std::string{kKeyPrefix} + "techniques"] = extras.attack->techniques;
    row[std::string{kKeyPrefix} + "tactics"] = extras.attack->tactics;
  }
  if (extras.event_action) row[std::string{kKeyPrefix} + "event_action"] = *extras.event_action;
}

}  // namespace

std::vector<ordered_json> build_rows(const ordered_json& record, RecordKind kind,
                                     const RowExtras& extras) {
  std::vector<ordered_json> rows;
  if (!record.is_object()) return rows;
  // The marker contract of rules/crowdstrike.xml: these two come first, before any cut-off.
  ordered_json base = ordered_json::object();
  base["integration"] = kIntegration;
  base["cs_kind"] = kind == RecordKind::kCase ? "case" : "incident";
  const auto hosts = hosts_of(record, kind);
  // Which of the record's rows this is, so crash recovery can tell a record cut short.
  if (hosts.size() > 1) base[kRowField] = nullptr;
  for (const auto& [key, value] : record.items()) {
    if (kind == RecordKind::kIncident && key == "hosts") continue;  // flattened below, as the seed
    base[kKeyPrefix + key] = value;
  }
  if (hosts.empty()) {
    rows.push_back(std::move(base));
  } else {
    rows.reserve(hosts.size());
    for (const ordered_json* host : hosts) {
      ordered_json row = base;
      if (hosts.size() > 1) {
        row[kRowField] = std::to_string(rows.size() + 1) + '/' + std::to_string(hosts.size());
      }
      for (const auto& [key, value] : host->items()) {
        // Case host records name the agent "aid"; the seed's rules key on device_id.
        std::string_view name = key;
        if (kind == RecordKind::kCase && key == "aid") name = "device_id";
        row[host_key(row, name)] = value;
      }
      rows.push_back(std::move(row));
    }
  }
  for (auto& row : rows) add_extras(row, extras);
  return rows;
}

std::string to_line(const ordered_json& row) {
  std::string line = row.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  line += '\n';
  return line;
}

}  // namespace csbridge::incidents
