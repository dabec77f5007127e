#include "incident_rows.h"

#include <array>
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

std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

/// Keys to_line never drops: what the Wazuh rules, the KQL filters and the dedupe rely on.
bool is_protected(std::string_view key) {
  static constexpr std::array<std::string_view, 21> kKeep{"id",
                                                          "incident_id",
                                                          "reference_id",
                                                          "readable_case_id",
                                                          "cid",
                                                          "device_id",
                                                          "hostname",
                                                          "fine_score",
                                                          "severity",
                                                          "status",
                                                          "state",
                                                          "name",
                                                          "version",
                                                          "created_timestamp",
                                                          "updated_timestamp",
                                                          "modified_timestamp",
                                                          "techniques",
                                                          "tactics",
                                                          "event_action",
                                                          "dropped_fields",
                                                          "created"};
  if (!key.starts_with(kKeyPrefix)) return true;  // the markers
  key.remove_prefix(std::string_view{kKeyPrefix}.size());
  for (const auto k : kKeep) {
    if (key == k) return true;
  }
  return false;
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
  for (const auto& [key, value] : record.items()) {
    if (kind == RecordKind::kIncident && key == "hosts") continue;  // flattened below, as the seed
    base[kKeyPrefix + key] = value;
  }
  const auto hosts = hosts_of(record, kind);
  if (hosts.empty()) {
    rows.push_back(std::move(base));
  } else {
    rows.reserve(hosts.size());
    for (const ordered_json* host : hosts) {
      ordered_json row = base;
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

RowLine to_line(ordered_json row, std::size_t max_bytes) {
  RowLine out;
  out.line = dump(row);
  while (out.line.size() > max_bytes && row.is_object()) {
    std::string largest;
    std::size_t largest_size = 0;
    for (const auto& [key, value] : row.items()) {
      if (is_protected(key)) continue;
      const std::size_t size = dump(value).size();
      if (size > largest_size) {
        largest = key;
        largest_size = size;
      }
    }
    if (largest.empty()) break;  // nothing left that may go
    row.erase(largest);
    out.dropped.push_back(std::move(largest));
    row[std::string{kKeyPrefix} + "dropped_fields"] = out.dropped;
    out.line = dump(row);
  }
  out.line += '\n';
  return out;
}

}  // namespace csbridge::incidents
