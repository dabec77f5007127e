#pragma once

/// \file
/// Test helpers: file locations, and NDJSON lines in the shape cs-bridge writes them under the
/// marker contract (rules/crowdstrike.xml header): "integration":"crowdstrike" and "cs_kind"
/// first, then the alert as the API sent it, or the "crowdstrike."-prefixed incident/case row.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wazuh::testing {

using nlohmann::ordered_json;

/// tests/data (WAZUH_TEST_DATA_DIR).
[[nodiscard]] std::string data_dir();
/// rules/crowdstrike.xml of the source tree.
[[nodiscard]] std::string rules_file();
/// rules/tests/crowdstrike.ini of the source tree.
[[nodiscard]] std::string rules_ini_file();
/// Whole file as text; throws std::runtime_error when it cannot be read.
[[nodiscard]] std::string read_text(const std::string& path);
/// A JSON file of tests/data parsed keeping key order.
[[nodiscard]] ordered_json read_json(const std::string& relative_path);

/// The marker object {"integration":"crowdstrike","cs_kind":kind}.
[[nodiscard]] ordered_json marker(std::string_view kind);
/// Compact one-line JSON (raw UTF-8, as the daemons write it).
[[nodiscard]] std::string to_line(const ordered_json& j);

/// An alert line: the marker, then every key of `alert` in order.
[[nodiscard]] std::string alert_line(const ordered_json& alert);
/// A realistic endpoint alert whose `severity` is `severity` (nullopt: no severity key at all;
/// a JSON null is written as null). `with_device` adds device{device_id,platform_id}.
[[nodiscard]] ordered_json synthetic_alert(const std::optional<ordered_json>& severity,
                                           bool with_device = true);

/// Incident rows: one per host of hosts[] (none: one row); keys prefixed "crowdstrike.", a host
/// key that collides with an incident key becomes "crowdstrike.host_<key>".
[[nodiscard]] std::vector<std::string> incident_lines(const ordered_json& incident);
/// Case rows: hosts from analysis_results.hosts.records[], "aid" renamed "device_id".
[[nodiscard]] std::vector<std::string> case_lines(const ordered_json& record);
/// One synthetic incident row with crowdstrike.fine_score = `score` (nullopt: key left out);
/// `with_host` adds crowdstrike.device_id/hostname as a host merge does.
[[nodiscard]] std::string incident_line(const std::optional<ordered_json>& score,
                                        bool with_host = true);
/// One synthetic case row with crowdstrike.severity = `severity` (nullopt: key left out).
[[nodiscard]] std::string case_line(const std::optional<ordered_json>& severity,
                                    bool with_host = true);

}  // namespace wazuh::testing
