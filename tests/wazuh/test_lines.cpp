#include "test_lines.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wazuh::testing {
namespace {

constexpr const char* kPrefix = "crowdstrike.";

/// Adds `src`'s members to `row` with the prefix; a taken name gets "host_" in front.
void merge_prefixed(ordered_json& row, const ordered_json& src, bool rename_aid) {
  for (const auto& [key, value] : src.items()) {
    std::string name = (rename_aid && key == "aid") ? "device_id" : key;
    while (row.contains(kPrefix + name)) name.insert(0, "host_");
    row[kPrefix + name] = value;
  }
}

std::vector<std::string> rows_of(std::string_view kind, const ordered_json& record,
                                 const ordered_json& hosts, bool rename_aid, bool skip_hosts_key) {
  ordered_json base = marker(kind);
  for (const auto& [key, value] : record.items()) {
    if (skip_hosts_key && key == "hosts") continue;
    base[kPrefix + key] = value;
  }
  std::vector<std::string> lines;
  if (!hosts.is_array() || hosts.empty()) {
    lines.push_back(to_line(base));
    return lines;
  }
  for (const auto& host : hosts) {
    ordered_json row = base;
    merge_prefixed(row, host, rename_aid);
    lines.push_back(to_line(row));
  }
  return lines;
}

}  // namespace

std::string data_dir() { return WAZUH_TEST_DATA_DIR; }
std::string rules_file() { return std::string(CSBRIDGE_RULES_DIR) + "/crowdstrike.xml"; }
std::string rules_ini_file() { return std::string(CSBRIDGE_RULES_DIR) + "/tests/crowdstrike.ini"; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ordered_json read_json(const std::string& relative_path) {
  return ordered_json::parse(read_text(data_dir() + "/" + relative_path));
}

ordered_json marker(std::string_view kind) {
  ordered_json m = ordered_json::object();
  m["integration"] = "crowdstrike";
  m["cs_kind"] = std::string(kind);
  return m;
}

std::string to_line(const ordered_json& j) { return j.dump(); }

std::string alert_line(const ordered_json& alert) {
  ordered_json row = marker("alert");
  for (const auto& [key, value] : alert.items()) row[key] = value;
  return to_line(row);
}

ordered_json synthetic_alert(const std::optional<ordered_json>& severity, bool with_device) {
  ordered_json a = ordered_json::object();
  a["composite_id"] = "0000000000000000000000000000c1d1:ind:00000000000000000000000000de0001:1-2-3";
  a["id"] = "ind:00000000000000000000000000de0001:1-2-3";
  a["status"] = "new";
  a["product"] = "epp";
  a["type"] = "ldt";
  if (severity) a["severity"] = *severity;
  a["description"] = "Synthetic detection";
  if (with_device) {
    a["device"] = {{"device_id", "00000000000000000000000000de0001"}, {"platform_id", "0"}};
  }
  return a;
}

std::vector<std::string> incident_lines(const ordered_json& incident) {
  const ordered_json hosts = incident.contains("hosts") ? incident["hosts"] : ordered_json();
  return rows_of("incident", incident, hosts, false, true);
}

std::vector<std::string> case_lines(const ordered_json& record) {
  ordered_json hosts;
  if (record.contains("analysis_results") && record["analysis_results"].contains("hosts")) {
    hosts = record["analysis_results"]["hosts"].value("records", ordered_json::array());
  }
  return rows_of("case", record, hosts, true, false);
}

std::string incident_line(const std::optional<ordered_json>& score, bool with_host) {
  ordered_json row = marker("incident");
  row["crowdstrike.incident_id"] =
      "inc:0000000000000000000000000000c1d1:00000000000000000000000000000001";
  row["crowdstrike.state"] = "open";
  row["crowdstrike.status"] = 20;
  row["crowdstrike.name"] = "Incident on WIN-TEST01 at 2025-11-05T10:00:00Z";
  if (score) row["crowdstrike.fine_score"] = *score;
  row["crowdstrike.techniques"] = {"Command and Scripting Interpreter"};
  if (with_host) {
    row["crowdstrike.device_id"] = "00000000000000000000000000de0001";
    row["crowdstrike.hostname"] = "WIN-TEST01";
  }
  return to_line(row);
}

std::string case_line(const std::optional<ordered_json>& severity, bool with_host) {
  ordered_json row = marker("case");
  row["crowdstrike.id"] = "AAAAAAAAAAHz-exampleCaseId";
  row["crowdstrike.reference_id"] = "CASE-1001";
  row["crowdstrike.status"] = "new";
  row["crowdstrike.name"] = "Lateral movement from WIN-TEST01";
  if (severity) row["crowdstrike.severity"] = *severity;
  if (with_host) {
    row["crowdstrike.device_id"] = "00000000000000000000000000de0001";
    row["crowdstrike.hostname"] = "WIN-TEST01";
  }
  return to_line(row);
}

}  // namespace wazuh::testing
