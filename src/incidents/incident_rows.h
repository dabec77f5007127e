#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace csbridge::incidents {

/// Which API a record came from; decides where its hosts are and how host keys are named.
enum class RecordKind {
  kIncident,  ///< legacy domain.Incident: hosts in hosts[], host keys copied as they are
  kCase,      ///< sdk.CaseVM: hosts in analysis_results.hosts.records[], aid → device_id
};

/// MITRE ATT&CK names gathered from a case's alerts (--enrich-techniques).
struct AttackNames {
  std::vector<std::string> techniques{};  ///< unique, first-seen order
  std::vector<std::string> tactics{};     ///< unique, first-seen order
};

/// Fields the daemon adds to every row of one record.
struct RowExtras {
  /// crowdstrike.event_action ("created" / "updated"), only with --emit-updates.
  std::optional<std::string> event_action{};
  /// crowdstrike.techniques / crowdstrike.tactics, only with --enrich-techniques.
  std::optional<AttackNames> attack{};
};

/// The prefix of every record and host key in a row, as the seed's incidents.py (KEY_PREFIX).
inline constexpr const char* kKeyPrefix = "crowdstrike.";

/// The value of the "integration" marker that starts every row (rules/crowdstrike.xml).
inline constexpr const char* kIntegration = "crowdstrike";

/// The field that numbers the rows of a record with several hosts: "<n>/<of>", 1-based.
inline constexpr const char* kRowField = "cs_row";

/// The seed's row shape, after the marker contract of rules/crowdstrike.xml
/// ("integration":"crowdstrike", then "cs_kind":"incident" or "case", first in every row):
/// every top-level key of `record` prefixed "crowdstrike.", then one row per host with the
/// host's keys prefixed "crowdstrike." merged in. Unlike the seed:
/// * a record without hosts still gives one row (its own keys only);
/// * a host key never overwrites a record key: the record keeps "crowdstrike.<key>" and the
///   host's value goes to "crowdstrike.host_<key>" (host_status, host_cid, host_tags,
///   host_modified_timestamp...; "host_" is repeated should that name be taken too).
/// A record with several hosts numbers its rows in "cs_row" ("2/3"), third in the row, so a
/// crash that cut the record short can be completed without repeating its written rows.
/// Incidents: hosts from hosts[] (the key "hosts" itself is not copied, as in the seed).
/// Cases: every case key is kept as the API sent it (analysis_results included); hosts from
/// analysis_results.hosts.records[], whose "aid" becomes "crowdstrike.device_id" so the
/// seed's Wazuh rules keep matching. Missing or null objects/arrays count as empty, host
/// entries that are not objects are skipped, unknown keys pass through. Keys keep the API's
/// order: record keys, host keys, then the extras. A `record` that is not an object gives
/// no rows. Never throws on any JSON input.
[[nodiscard]] std::vector<nlohmann::ordered_json> build_rows(const nlohmann::ordered_json& record,
                                                             RecordKind kind,
                                                             const RowExtras& extras = {});

/// Serialises `row` as one NDJSON line: compact JSON, invalid UTF-8 replaced by U+FFFD, ending
/// in '\n'. (Lines over Wazuh's limit are shrunk by Delivery::commit, for both daemons.)
[[nodiscard]] std::string to_line(const nlohmann::ordered_json& row);

}  // namespace csbridge::incidents
