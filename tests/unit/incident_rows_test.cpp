#include "incidents/incident_rows.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace csbridge::incidents {
namespace {

using nlohmann::ordered_json;
using ::testing::ElementsAre;

ordered_json fixture(const std::string& name) {
  std::ifstream in(std::string(CSBRIDGE_TEST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  return ordered_json::parse(in);
}

/// The marker contract of rules/crowdstrike.xml: "integration", "cs_kind" first, then only
/// "crowdstrike."-prefixed keys.
void expect_markers_then_prefixed_keys(const ordered_json& row, const char* kind) {
  ASSERT_GE(row.size(), 2U);
  auto it = row.begin();
  EXPECT_EQ(it.key(), "integration");
  EXPECT_EQ(*it, "crowdstrike");
  ++it;
  EXPECT_EQ(it.key(), "cs_kind");
  EXPECT_EQ(*it, kind);
  ++it;
  if (it != row.end() && it.key() == "cs_row") ++it;  // only rows of multi-host records
  for (; it != row.end(); ++it) EXPECT_TRUE(it.key().starts_with("crowdstrike.")) << it.key();
}

std::vector<std::string> keys_of(const ordered_json& row) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : row.items()) keys.push_back(k);
  return keys;
}

// --- Incidents ----------------------------------------------------------------------------------

TEST(IncidentRowsTest, MultiHostIncidentGivesOneRowPerHostInTheSeedsShape) {
  const ordered_json inc = fixture("incidents/incident_multi_host_SYNTHESIZED.json");
  const auto rows = build_rows(inc, RecordKind::kIncident);
  ASSERT_EQ(rows.size(), inc["hosts"].size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ordered_json& row = rows[i];
    const ordered_json& host = inc["hosts"][i];
    EXPECT_EQ(row["crowdstrike.incident_id"], inc["incident_id"]);
    EXPECT_EQ(row["crowdstrike.device_id"], host["device_id"]);
    EXPECT_EQ(row["crowdstrike.hostname"], host["hostname"]);
    EXPECT_EQ(row["crowdstrike.fine_score"], inc["fine_score"]);
    EXPECT_EQ(row["crowdstrike.techniques"], inc["techniques"]);
    EXPECT_FALSE(row.contains("crowdstrike.hosts")) << "the seed does not copy hosts[]";
    expect_markers_then_prefixed_keys(row, "incident");
  }
}

TEST(IncidentRowsTest, NoIncidentKeyIsClobberedByAHostKey) {
  const ordered_json inc = fixture("incidents/incident_multi_host_SYNTHESIZED.json");
  const auto rows = build_rows(inc, RecordKind::kIncident);
  ASSERT_FALSE(rows.empty());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ordered_json& row = rows[i];
    const ordered_json& host = inc["hosts"][i];
    // Every incident key keeps the incident's value under its plain name...
    for (const auto& [k, v] : inc.items()) {
      if (k == "hosts") continue;
      EXPECT_EQ(row["crowdstrike." + k], v) << k;
    }
    // ...and every host value is in the row, under host_<key> where the names collide.
    for (const auto& [k, v] : host.items()) {
      const std::string plain = "crowdstrike." + k;
      const std::string renamed = "crowdstrike.host_" + k;
      if (inc.contains(k)) {
        EXPECT_EQ(row[renamed], v) << k;
      } else {
        EXPECT_EQ(row[plain], v) << k;
        EXPECT_FALSE(row.contains(renamed)) << k;
      }
    }
  }
  // The collisions this fixture really has.
  EXPECT_EQ(rows[0]["crowdstrike.status"], inc["status"]);
  EXPECT_EQ(rows[0]["crowdstrike.host_status"], "normal");
  EXPECT_EQ(rows[0]["crowdstrike.cid"], inc["cid"]);
  EXPECT_EQ(rows[0]["crowdstrike.host_cid"], inc["hosts"][0]["cid"]);
  EXPECT_EQ(rows[0]["crowdstrike.modified_timestamp"], inc["modified_timestamp"]);
  EXPECT_EQ(rows[0]["crowdstrike.host_modified_timestamp"], inc["hosts"][0]["modified_timestamp"]);
}

TEST(IncidentRowsTest, HostlessIncidentGivesOneBaseRow) {
  const ordered_json inc = fixture("incidents/incident_no_hosts_SYNTHESIZED_EDGE_CASE.json");
  const auto rows = build_rows(inc, RecordKind::kIncident);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].size(), inc.size() + 2);
  expect_markers_then_prefixed_keys(rows[0], "incident");
  EXPECT_EQ(rows[0]["crowdstrike.incident_id"], inc["incident_id"]);
  EXPECT_EQ(rows[0]["crowdstrike.host_ids"], ordered_json::array());
  EXPECT_FALSE(rows[0].contains("crowdstrike.device_id"));
}

TEST(IncidentRowsTest, SingleHostIncidentKeepsTheApiKeyOrder) {
  const ordered_json inc = fixture("incidents/incident_single_host_mac.json");
  const auto rows = build_rows(inc, RecordKind::kIncident);
  ASSERT_EQ(rows.size(), 1U);
  std::vector<std::string> expected{"integration", "cs_kind"};
  for (const auto& [k, v] : inc.items()) {
    if (k != "hosts") expected.push_back("crowdstrike." + k);
  }
  for (const auto& [k, v] : inc["hosts"][0].items()) {
    expected.push_back(inc.contains(k) ? "crowdstrike.host_" + k : "crowdstrike." + k);
  }
  EXPECT_EQ(keys_of(rows[0]), expected);
}

TEST(IncidentRowsTest, NullOrMistypedHostsMeanNoHosts) {
  for (const char* hosts : {"null", "{}", "\"x\"", "[]", "[1, null, \"h\"]"}) {
    const auto inc =
        ordered_json::parse(std::string(R"({"incident_id":"inc:1","hosts":)") + hosts + "}");
    const auto rows = build_rows(inc, RecordKind::kIncident);
    ASSERT_EQ(rows.size(), 1U) << hosts;
    EXPECT_EQ(rows[0], ordered_json::parse(R"({"integration":"crowdstrike","cs_kind":"incident",
                                               "crowdstrike.incident_id":"inc:1"})"))
        << hosts;
  }
}

TEST(IncidentRowsTest, ARenamedHostKeyThatIsTakenTooGetsAnotherPrefix) {
  const auto inc = ordered_json::parse(
      R"({"incident_id":"i","status":20,"host_status":"x","hosts":[{"device_id":"d","status":"normal"}]})");
  const auto rows = build_rows(inc, RecordKind::kIncident);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["crowdstrike.status"], 20);
  EXPECT_EQ(rows[0]["crowdstrike.host_status"], "x");
  EXPECT_EQ(rows[0]["crowdstrike.host_host_status"], "normal");
}

TEST(IncidentRowsTest, NonObjectsGiveNoRows) {
  for (const char* text : {"null", "[]", "\"inc\"", "7"}) {
    EXPECT_TRUE(build_rows(ordered_json::parse(text), RecordKind::kIncident).empty()) << text;
    EXPECT_TRUE(build_rows(ordered_json::parse(text), RecordKind::kCase).empty()) << text;
  }
}

// --- Cases --------------------------------------------------------------------------------------

TEST(CaseRowsTest, MultiHostCaseGivesOneRowPerHostWithAidAsDeviceId) {
  const ordered_json c = fixture("cases/case_multi_host_alerts_in_progress.json");
  const auto& hosts = c["analysis_results"]["hosts"]["records"];
  const auto rows = build_rows(c, RecordKind::kCase);
  ASSERT_EQ(rows.size(), 3U);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ordered_json& row = rows[i];
    EXPECT_EQ(row["crowdstrike.device_id"], hosts[i]["aid"]);
    EXPECT_FALSE(row.contains("crowdstrike.aid"));
    EXPECT_EQ(row["crowdstrike.hostname"], hosts[i]["hostname"]);
    EXPECT_EQ(row["crowdstrike.local_ip"], hosts[i]["local_ip"]);
    EXPECT_EQ(row["crowdstrike.agent_ip"], hosts[i]["agent_ip"]);
    EXPECT_EQ(row["crowdstrike.cloud_instance_id"], hosts[i]["cloud_instance_id"]);
    EXPECT_EQ(row["cs_row"], std::to_string(i + 1) + "/3");
    // Every case field is kept, nested as the API sent it.
    for (const auto& [k, v] : c.items()) EXPECT_EQ(row["crowdstrike." + k], v) << k;
    EXPECT_EQ(row.size(), 3 + c.size() + 5);
    expect_markers_then_prefixed_keys(row, "case");
  }
}

TEST(CaseRowsTest, CaseWithoutEvidenceGivesOneRow) {
  const ordered_json c = fixture("cases/case_no_evidence_new.json");
  ASSERT_TRUE(c["analysis_results"]["hosts"]["records"].empty());
  const auto rows = build_rows(c, RecordKind::kCase);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["crowdstrike.id"], c["id"]);
  EXPECT_EQ(rows[0]["crowdstrike.reference_id"], c["reference_id"]);
  EXPECT_FALSE(rows[0].contains("crowdstrike.device_id"));
}

TEST(CaseRowsTest, MissingAnalysisResultsLevelsMeanNoHosts) {
  for (const char* ar : {R"(null)", R"({})", R"({"hosts":null})", R"({"hosts":{"records":null}})",
                         R"({"hosts":[]})"}) {
    const auto c = ordered_json::parse(std::string(R"({"id":"c1","analysis_results":)") + ar + "}");
    const auto rows = build_rows(c, RecordKind::kCase);
    ASSERT_EQ(rows.size(), 1U) << ar;
    EXPECT_EQ(rows[0]["crowdstrike.analysis_results"], c["analysis_results"]) << ar;
  }
  EXPECT_EQ(build_rows(ordered_json::parse(R"({"id":"c"})"), RecordKind::kCase).size(), 1U);
}

TEST(CaseRowsTest, UnknownFieldsPassThroughAndReadableCaseIdIsKept) {
  const auto c = ordered_json::parse(
      R"({"id":"c1","readable_case_id":"OLD-7","future_field":{"x":[1,2]},
          "analysis_results":{"hosts":{"records":[{"aid":"a1","hostname":"h","new_host_key":true}]}}})");
  const auto rows = build_rows(c, RecordKind::kCase);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["crowdstrike.readable_case_id"], "OLD-7");
  EXPECT_EQ(rows[0]["crowdstrike.future_field"], c["future_field"]);
  EXPECT_EQ(rows[0]["crowdstrike.new_host_key"], true);
  EXPECT_EQ(rows[0]["crowdstrike.device_id"], "a1");
}

TEST(CaseRowsTest, AHostKeyCollidingWithACaseKeyIsRenamed) {
  const auto c = ordered_json::parse(
      R"({"id":"c1","hostname":"case-level","device_id":"case-dev",
          "analysis_results":{"hosts":{"records":[{"aid":"a1","hostname":"h1"}]}}})");
  const auto rows = build_rows(c, RecordKind::kCase);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["crowdstrike.hostname"], "case-level");
  EXPECT_EQ(rows[0]["crowdstrike.host_hostname"], "h1");
  EXPECT_EQ(rows[0]["crowdstrike.device_id"], "case-dev");
  EXPECT_EQ(rows[0]["crowdstrike.host_device_id"], "a1");
}

TEST(CaseRowsTest, ExtrasAreAddedToEveryRow) {
  const ordered_json c = fixture("cases/case_multi_host_alerts_in_progress.json");
  RowExtras extras;
  extras.event_action = "updated";
  extras.attack =
      AttackNames{{"OS Credential Dumping", "Service Execution"}, {"Credential Access"}};
  const auto rows = build_rows(c, RecordKind::kCase, extras);
  ASSERT_EQ(rows.size(), 3U);
  for (const auto& row : rows) {
    EXPECT_EQ(row["crowdstrike.event_action"], "updated");
    EXPECT_THAT(row["crowdstrike.techniques"].get<std::vector<std::string>>(),
                ElementsAre("OS Credential Dumping", "Service Execution"));
    EXPECT_THAT(row["crowdstrike.tactics"].get<std::vector<std::string>>(),
                ElementsAre("Credential Access"));
  }
  // Without extras there are no such keys.
  for (const auto& row : build_rows(c, RecordKind::kCase)) {
    EXPECT_FALSE(row.contains("crowdstrike.event_action"));
    EXPECT_FALSE(row.contains("crowdstrike.techniques"));
  }
}

// --- Lines --------------------------------------------------------------------------------------

TEST(RowLineTest, OneCompactLineOfValidUtf8) {
  ordered_json row;
  row["integration"] = "crowdstrike";
  row["crowdstrike.name"] = std::string("bad \xC3\x28 byte\nnewline");
  row["crowdstrike.severity"] = 90;
  const std::string line = to_line(row);
  EXPECT_EQ(
      line,
      "{\"integration\":\"crowdstrike\",\"crowdstrike.name\":\"bad \xEF\xBF\xBD( byte\\nnewline\","
      "\"crowdstrike.severity\":90}\n");
  EXPECT_FALSE(ordered_json::parse(line, nullptr, false).is_discarded());
}

TEST(RowLineTest, EveryRowOfTheFixturesIsOneLineWithTheMarkersFirst) {
  for (const char* name :
       {"cases/case_multi_host_alerts_in_progress.json",
        "cases/case_closed_assigned_single_host.json", "cases/case_no_evidence_new.json"}) {
    for (const auto& row : build_rows(fixture(name), RecordKind::kCase)) {
      const std::string line = to_line(row);
      EXPECT_EQ(line.find('\n'), line.size() - 1) << name;
      EXPECT_TRUE(line.starts_with(R"({"integration":"crowdstrike","cs_kind":"case",)")) << name;
    }
  }
  for (const auto& row : build_rows(fixture("incidents/incident_multi_host_SYNTHESIZED.json"),
                                    RecordKind::kIncident)) {
    EXPECT_TRUE(to_line(row).starts_with(R"({"integration":"crowdstrike","cs_kind":"incident",)"));
  }
}

}  // namespace
}  // namespace csbridge::incidents
