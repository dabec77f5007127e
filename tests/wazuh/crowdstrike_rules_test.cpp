// Table tests of rules/crowdstrike.xml through the evaluator, with the stock model in front (as
// on a real manager) and logcollector applied (evaluate_collected): every alert severity, every
// incident score and case severity, the unexpected values, each fixture payload, lines that stock
// rules would take first, the field cap and the line limit.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "test_lines.h"
#include "wazuh/description.h"
#include "wazuh/evaluator.h"

namespace wazuh {
namespace {

using testing::ordered_json;

struct Expected {
  int id;
  int level;
  const char* band;
};

const Evaluator& rules() {
  static const Evaluator ev = Evaluator::load(testing::rules_file());
  return ev;
}

Expected alert_band(int severity) {
  if (severity >= 80) return {222297, 15, "Critical"};
  if (severity >= 60) return {222298, 11, "High"};
  if (severity >= 40) return {222299, 9, "Medium"};
  if (severity >= 20) return {222300, 5, "Low"};
  return {222301, 3, "Informational"};
}

Expected incident_band(int score) {
  if (score >= 80) return {222304, 15, "Critical"};
  if (score >= 60) return {222305, 13, "High"};
  if (score >= 40) return {222306, 11, "Medium"};
  if (score >= 20) return {222307, 10, "Low"};
  return {222308, 5, "Informational"};
}

Expected case_band(int severity) {
  if (severity >= 80) return {222314, 15, "Critical"};
  if (severity >= 60) return {222315, 13, "High"};
  if (severity >= 40) return {222316, 11, "Medium"};
  if (severity >= 20) return {222317, 10, "Low"};
  return {222318, 5, "Informational"};
}

constexpr Expected kAlertUnexpected{222302, 7, "unexpected"};
constexpr Expected kIncidentUnexpected{222311, 7, "unexpected"};
constexpr Expected kCaseUnexpected{222319, 7, "unexpected"};

/// The verdict of `line` as read from the file by logcollector, checked against `want`.
void expect_verdict(const std::string& line, const Expected& want) {
  SCOPED_TRACE(line.substr(0, 300));
  const Verdict v = rules().evaluate_collected(line);
  ASSERT_TRUE(v.collected) << v.drop_reason;
  EXPECT_TRUE(v.decoded_ok);
  EXPECT_EQ(v.rule_id, want.id);
  EXPECT_EQ(v.level, want.level);
  EXPECT_TRUE(v.alert) << "level " << v.level << " writes no alert";
  EXPECT_LT(v.description.size(), kCommentMax);
  EXPECT_EQ(v.description.find("$("), std::string::npos) << v.description;
  EXPECT_NE(std::find(v.groups.begin(), v.groups.end(), "crowdstrike"), v.groups.end());
}

TEST(CrowdStrikeRules, EveryAlertSeverityMapsToItsBand) {
  for (int s = 1; s <= 100; ++s) {
    for (const bool device : {true, false}) {
      const Expected want = alert_band(s);
      const std::string line = testing::alert_line(testing::synthetic_alert(s, device));
      expect_verdict(line, want);
      EXPECT_EQ(rules().evaluate_collected(line).description,
                std::string("CrowdStrike ") + want.band + " alert: Synthetic detection");
    }
  }
}

TEST(CrowdStrikeRules, UnexpectedAlertSeveritiesAlertAtLevel7) {
  const std::vector<std::pair<std::optional<ordered_json>, std::string>> cases{
      {std::nullopt, ""},
      {nullptr, "null"},
      {0, "0"},
      {-5, "-5"},
      {101, "101"},
      {150, "150"},
      {1000, "1000"},
      {80.5, "80.500000"},
      {"80.5", "80.5"},
      {"high", "high"},
      {true, "true"},
      {false, "false"},
      {"", ""},
      {" 90", " 90"},
      {"090", "090"},
      {"9 0", "9 0"},
      {2147483648.0, "2147483648.000000"},
      {ordered_json::array({90}), "[90]"},
      {ordered_json::object({{"v", 90}}), ""},
  };
  for (const auto& [severity, text] : cases) {
    for (const bool device : {true, false}) {
      const std::string line = testing::alert_line(testing::synthetic_alert(severity, device));
      expect_verdict(line, kAlertUnexpected);
      EXPECT_EQ(rules().evaluate_collected(line).description,
                "CrowdStrike alert, unexpected severity '" + text + "': Synthetic detection");
    }
  }
}

TEST(CrowdStrikeRules, NumericTextAndIntegralFloatsCountAsNumbers) {
  // Wazuh compares text: "90", 90 and 90.0 all decode to "90".
  expect_verdict(testing::alert_line(testing::synthetic_alert("90")), alert_band(90));
  expect_verdict(testing::alert_line(testing::synthetic_alert(90.0)), alert_band(90));
  expect_verdict(testing::alert_line(testing::synthetic_alert("5")), alert_band(5));
  // PCRE2's `$` also matches before a final newline: "90\n" is still Critical.
  expect_verdict(testing::alert_line(testing::synthetic_alert("90\n")), alert_band(90));
}

TEST(CrowdStrikeRules, EveryIncidentScoreMapsToItsBand) {
  for (int s = 0; s <= 100; ++s) {
    for (const bool host : {true, false}) {
      const Expected want = incident_band(s);
      const std::string line = testing::incident_line(s, host);
      expect_verdict(line, want);
      EXPECT_EQ(rules().evaluate_collected(line).description,
                std::string("CrowdStrike ") + want.band +
                    " incident: Incident on WIN-TEST01 at 2025-11-05T10:00:00Z");
    }
  }
}

TEST(CrowdStrikeRules, UnexpectedIncidentScoresAlertAtLevel7) {
  const std::vector<std::optional<ordered_json>> scores{
      std::nullopt, nullptr, -1,    101, 150,  1000,
      85.5,         "85.5",  "abc", "",  true, ordered_json::array({85})};
  for (const auto& score : scores) {
    for (const bool host : {true, false}) {
      expect_verdict(testing::incident_line(score, host), kIncidentUnexpected);
    }
  }
  expect_verdict(testing::incident_line("85"), incident_band(85));
}

TEST(CrowdStrikeRules, EveryCaseSeverityMapsToItsBand) {
  for (int s = 1; s <= 100; ++s) {
    for (const bool host : {true, false}) {
      const Expected want = case_band(s);
      const std::string line = testing::case_line(s, host);
      expect_verdict(line, want);
      EXPECT_EQ(rules().evaluate_collected(line).description,
                std::string("CrowdStrike ") + want.band +
                    " case CASE-1001: Lateral movement from WIN-TEST01");
    }
  }
}

TEST(CrowdStrikeRules, UnexpectedCaseSeveritiesAlertAtLevel7) {
  const std::vector<std::optional<ordered_json>> values{
      std::nullopt, nullptr, 0, -3, 101, 500, 60.5, "high", "", ordered_json::array({60})};
  for (const auto& severity : values) {
    for (const bool host : {true, false}) {
      expect_verdict(testing::case_line(severity, host), kCaseUnexpected);
    }
  }
}

TEST(CrowdStrikeRules, EachFixtureAlertEndsInItsBand) {
  const std::vector<std::pair<const char*, Expected>> fixtures{
      {"alerts/automated_lead_context_signal.json", kAlertUnexpected},  // no severity at all
      {"alerts/epp_ldt_mac_eicar.json", alert_band(10)},
      {"alerts/epp_ldt_windows_quarantine.json", alert_band(30)},
      {"alerts/epp_ods_on_demand_scan.json", alert_band(50)},            // no description
      {"alerts/idp_identity_verification_denied.json", alert_band(79)},  // no device, "denied"
      {"alerts/ngsiem_correlation_detection.json", alert_band(30)},      // no device
  };
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::data_dir() + "/alerts")) {
    (void)entry;
    ++seen;
  }
  EXPECT_EQ(seen, fixtures.size()) << "a fixture alert was added: give it a row here";
  for (const auto& [file, want] : fixtures) {
    SCOPED_TRACE(file);
    const ordered_json alert = testing::read_json(file);
    if (alert.contains("severity")) {
      EXPECT_EQ(alert_band(alert["severity"].get<int>()).id, want.id);
    }
    expect_verdict(testing::alert_line(alert), want);
  }
}

TEST(CrowdStrikeRules, EachFixtureIncidentRowEndsInItsBand) {
  const std::vector<std::tuple<const char*, std::size_t, Expected>> fixtures{
      {"incidents/incident_single_host_mac.json", 1, incident_band(38)},
      {"incidents/incident_multi_host_SYNTHESIZED.json", 3, incident_band(72)},
      {"incidents/incident_no_hosts_SYNTHESIZED_EDGE_CASE.json", 1, incident_band(25)},
  };
  for (const auto& [file, rows, want] : fixtures) {
    SCOPED_TRACE(file);
    const auto lines = testing::incident_lines(testing::read_json(file));
    ASSERT_EQ(lines.size(), rows);
    for (const std::string& line : lines) expect_verdict(line, want);
  }
}

TEST(CrowdStrikeRules, EachFixtureCaseRowEndsInItsBand) {
  const std::vector<std::tuple<const char*, std::size_t, Expected>> fixtures{
      {"cases/case_multi_host_alerts_in_progress.json", 3, case_band(90)},
      {"cases/case_no_evidence_new.json", 1, case_band(20)},  // no hosts
      {"cases/case_closed_assigned_single_host.json", 1, case_band(60)},
  };
  for (const auto& [file, rows, want] : fixtures) {
    SCOPED_TRACE(file);
    const auto lines = testing::case_lines(testing::read_json(file));
    ASSERT_EQ(lines.size(), rows);
    for (const std::string& line : lines) expect_verdict(line, want);
  }
}

TEST(CrowdStrikeRules, HostlessRowsHaveNoDeviceIdAndStillAlert) {
  const std::string incident = testing::incident_line(72, false);
  const std::string record = testing::case_line(72, false);
  EXPECT_EQ(incident.find("device_id"), std::string::npos);
  EXPECT_EQ(record.find("device_id"), std::string::npos);
  expect_verdict(incident, incident_band(72));
  expect_verdict(record, case_band(72));
}

// Lines with `timestamp` + `event_type` are taken by the stock suricata root 86600 (and by 86601,
// 86602-86604 by event_type) before etc/rules is tried; they must still end in our rules.
TEST(CrowdStrikeRules, SuricataLikeKeysStillEndInACrowdStrikeRule) {
  for (const char* event_type : {"alert", "dns", "http", "tls", "DetectionSummaryEvent"}) {
    for (const std::optional<ordered_json>& severity :
         std::vector<std::optional<ordered_json>>{15, 35, 50, 70, 95, std::nullopt, 80.5}) {
      ordered_json alert = testing::synthetic_alert(severity);
      alert["timestamp"] = "2025-11-05T10:00:00.000Z";
      alert["event_type"] = event_type;
      const Expected want = severity && severity->is_number_integer()
                                ? alert_band(severity->get<int>())
                                : kAlertUnexpected;
      expect_verdict(testing::alert_line(alert), want);
    }
    ordered_json row = ordered_json::parse(testing::incident_line(90));
    row["timestamp"] = "2025-11-05T10:00:00Z";
    row["event_type"] = event_type;
    expect_verdict(testing::to_line(row), incident_band(90));
    row = ordered_json::parse(testing::case_line(45));
    row["timestamp"] = "2025-11-05T10:00:00Z";
    row["event_type"] = event_type;
    expect_verdict(testing::to_line(row), case_band(45));
  }
}

// Without the marker the same line goes to the stock rules (86601 here): what the marker fixes.
TEST(CrowdStrikeRules, WithoutTheMarkerSuricataWins) {
  ordered_json alert = testing::synthetic_alert(95);
  alert["timestamp"] = "2025-11-05T10:00:00.000Z";
  alert["event_type"] = "alert";
  EXPECT_EQ(rules().evaluate_collected(testing::to_line(alert)).rule_id, 86601);
}

TEST(CrowdStrikeRules, KeywordRulesDoNotTakeCrowdStrikeLines) {
  const std::vector<const char*> texts{
      "Logon failed",    "Access denied",   "login failed for jdoe", "An error occurred",
      "Possible attack", "fatal exception", "Connection refused",    "unauthorized access"};
  for (const char* text : texts) {
    for (const int s : {5, 15, 35, 55, 75, 95}) {
      ordered_json alert = testing::synthetic_alert(s, s % 2 == 0);
      alert["description"] = text;
      expect_verdict(testing::alert_line(alert), alert_band(s));
    }
    ordered_json alert = testing::synthetic_alert(std::nullopt);
    alert["description"] = text;
    expect_verdict(testing::alert_line(alert), kAlertUnexpected);
    ordered_json row = ordered_json::parse(testing::incident_line(5));
    row["crowdstrike.name"] = text;
    expect_verdict(testing::to_line(row), incident_band(5));
    row = ordered_json::parse(testing::case_line(5, false));
    row["crowdstrike.name"] = text;
    expect_verdict(testing::to_line(row), case_band(5));
  }
  // The same text without the marker is the stock keyword rule's (no alert at level 2).
  ordered_json plain = testing::synthetic_alert(95);
  plain["description"] = "An error occurred";
  plain.erase("device");
  const Verdict v = rules().evaluate_collected(testing::to_line(plain));
  EXPECT_EQ(v.rule_id, 1002);
  EXPECT_FALSE(v.alert);
}

TEST(CrowdStrikeRules, MarkerWithUnknownOrMissingKindStillAlerts) {
  ordered_json line = testing::marker("detection");
  line["severity"] = 90;
  expect_verdict(testing::to_line(line), {222323, 7, ""});
  EXPECT_EQ(rules().evaluate_collected(testing::to_line(line)).description,
            "CrowdStrike line of unknown kind 'detection'.");
  ordered_json no_kind = ordered_json::object();
  no_kind["integration"] = "crowdstrike";
  no_kind["description"] = "Access denied";
  expect_verdict(testing::to_line(no_kind), {222323, 7, ""});
}

// The marker is the first field, so the 256-field cap can never drop it. A severity that falls
// behind the cap is dropped, and the alert then lands in the catch-all rather than vanishing.
TEST(CrowdStrikeRules, FieldCapDropsTheSeverityButNotTheAlert) {
  ordered_json alert = ordered_json::object();
  alert["severity"] = 95;
  for (int i = 0; i < 300; ++i) alert["f" + std::to_string(i)] = i;
  Verdict v = rules().evaluate_collected(testing::alert_line(alert));
  EXPECT_EQ(v.event.dropped_fields, 2U + 1U + 300U - 256U);  // marker, severity, f0..f299
  EXPECT_EQ(v.rule_id, alert_band(95).id);

  alert.erase("severity");
  alert["severity"] = 95;  // now the last key, beyond the cap
  v = rules().evaluate_collected(testing::alert_line(alert));
  EXPECT_EQ(v.rule_id, kAlertUnexpected.id);
  EXPECT_EQ(v.level, 7);
}

TEST(CrowdStrikeRules, LongDescriptionsKeepTheRuleButNotTheText) {
  ordered_json alert = testing::synthetic_alert(85);
  alert["description"] = std::string(990, 'd');
  Verdict v = rules().evaluate_collected(testing::alert_line(alert));
  EXPECT_EQ(v.rule_id, 222297);
  EXPECT_EQ(v.description, "CrowdStrike Critical alert: " + std::string(990, 'd'));
  alert["description"] = std::string(1000, 'd');
  v = rules().evaluate_collected(testing::alert_line(alert));
  EXPECT_EQ(v.rule_id, 222297);
  EXPECT_EQ(v.level, 15);
  EXPECT_EQ(v.description, "CrowdStrike Critical alert: $(description)");  // Wazuh's fallback
}

TEST(CrowdStrikeRules, TemplatesLeaveRoomForTheText) {
  const DecodedEvent empty;
  for (const int id : rules().own_rule_ids()) {
    const Rule* r = rules().find_rule(id);
    ASSERT_NE(r, nullptr);
    EXPECT_LT(expand_description(r->description, empty).size(), 120U) << id;
  }
}

TEST(CrowdStrikeRules, LogcollectorLineLimit) {
  ordered_json alert = testing::synthetic_alert(85);
  const std::size_t base = testing::alert_line(alert).size();
  alert["padding"] = "";
  const std::size_t empty_padding = testing::alert_line(alert).size();
  alert["padding"] = std::string(65279 - empty_padding, 'p');
  std::string line = testing::alert_line(alert);
  ASSERT_EQ(line.size(), 65279U);
  EXPECT_GT(line.size(), base);
  expect_verdict(line, alert_band(85));
  alert["padding"] = std::string(65280 - empty_padding, 'p');
  line = testing::alert_line(alert);
  const Verdict v = rules().evaluate_collected(line);
  EXPECT_FALSE(v.collected);
  EXPECT_EQ(v.rule_id, 0);
}

TEST(CrowdStrikeRules, RuleTableIsAsDocumented) {
  const std::vector<std::pair<int, int>> table{
      {222296, 0},  {222297, 15}, {222298, 11}, {222299, 9},  {222300, 5},  {222301, 3},
      {222302, 7},  {222303, 0},  {222304, 15}, {222305, 13}, {222306, 11}, {222307, 10},
      {222308, 5},  {222309, 0},  {222310, 0},  {222311, 7},  {222312, 0},  {222313, 0},
      {222314, 15}, {222315, 13}, {222316, 11}, {222317, 10}, {222318, 5},  {222319, 7},
      {222323, 7},  {222320, 0},  {222321, 0},  {222322, 0}};
  std::set<int> documented;
  for (const auto& [id, level] : table) {
    const Rule* r = rules().find_rule(id);
    ASSERT_NE(r, nullptr) << id;
    EXPECT_EQ(r->level, level) << id;
    documented.insert(id);
  }
  const std::set<int> loaded(rules().own_rule_ids().begin(), rules().own_rule_ids().end());
  EXPECT_EQ(loaded, documented);
  EXPECT_TRUE(rules().warnings().empty());
}

// Medium and High no longer share Critical's level (issue 6), for incidents and cases alike, and
// levels rise with the band everywhere.
TEST(CrowdStrikeRules, LevelsRiseWithTheBand) {
  for (const auto band : {alert_band, incident_band, case_band}) {
    EXPECT_LT(band(10).level, band(30).level);
    EXPECT_LT(band(30).level, band(50).level);
    EXPECT_LT(band(50).level, band(70).level);
    EXPECT_LT(band(70).level, band(90).level);
  }
}

// With the default ossec.conf (email_alert_level 12), Critical and High incidents/cases and
// Critical alerts send mail; Medium ones do not.
TEST(CrowdStrikeRules, MailAtTheDefaultEmailAlertLevel) {
  const Evaluator ev = Evaluator::load(testing::rules_file(), {.email_alert_level = 12});
  EXPECT_TRUE(ev.evaluate(testing::alert_line(testing::synthetic_alert(90))).mail);
  EXPECT_FALSE(ev.evaluate(testing::alert_line(testing::synthetic_alert(70))).mail);
  EXPECT_TRUE(ev.evaluate(testing::incident_line(70)).mail);
  EXPECT_FALSE(ev.evaluate(testing::incident_line(50)).mail);
  EXPECT_TRUE(ev.evaluate(testing::case_line(65)).mail);
  EXPECT_FALSE(ev.evaluate(testing::case_line(45)).mail);
}

// Every rule that can be a verdict is reached by some line; gates and parents never are.
TEST(CrowdStrikeRules, EveryLeafRuleIsReachable) {
  std::vector<std::string> lines;
  for (const int s : {10, 30, 50, 70, 90}) {
    lines.push_back(testing::alert_line(testing::synthetic_alert(s)));
    lines.push_back(testing::incident_line(s));
    lines.push_back(testing::case_line(s));
  }
  lines.push_back(testing::alert_line(testing::synthetic_alert(std::nullopt)));
  lines.push_back(testing::incident_line(std::nullopt));
  lines.push_back(testing::case_line(std::nullopt));
  lines.push_back(testing::to_line(testing::marker("other")));
  std::set<int> hit;
  for (const std::string& line : lines) hit.insert(rules().evaluate_collected(line).rule_id);
  const std::set<int> structural{222296, 222303, 222312, 222309, 222310,
                                 222313, 222320, 222321, 222322};
  for (const int id : rules().own_rule_ids()) {
    EXPECT_EQ(hit.count(id) == 1, structural.count(id) == 0) << id;
  }
}

}  // namespace
}  // namespace wazuh
