// Table tests on REAL daemon output: cs-detections and cs-incidents (cases, and --source
// incidents) run against the in-process fake Falcon API; every line they write must be matched
// by a CrowdStrike rule at the level the served value's documented band gives (README, rule
// table: Informational <20, Low 20-39, Medium 40-59, High 60-79, Critical >=80; anything that is
// not a whole number in range gets the kind's level-7 "unexpected" rule).

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>

#include "csbridge/line_shaper.h"
#include "fakes/alert_factory.h"
#include "fakes/fake_falcon.h"
#include "integration/daemon_harness.h"
#include "wazuh/evaluator.h"

namespace wazuh {
namespace {

using csbridge::testing::AlertFactory;
using csbridge::testing::DaemonRun;
using csbridge::testing::FakeFalcon;
using csbridge::testing::kSecond;
using csbridge::testing::now_ns;
using csbridge::testing::read_lines;
using csbridge::testing::TempDir;
using nlohmann::json;

const Evaluator& rules() {
  static const Evaluator ev = Evaluator::load(std::string(CSBRIDGE_RULES_DIR) + "/crowdstrike.xml");
  return ev;
}

struct Band {
  int id;
  int level;
};

/// The five bands and the "unexpected" rule of one kind, as the README's rule table lists them.
struct Ladder {
  Band critical, high, medium, low, info, unexpected;
  int lowest;  ///< the lowest in-range value (alerts and cases 1, incidents 0)
};
constexpr Ladder kAlerts{
    {222297, 15}, {222298, 11}, {222299, 9}, {222300, 5}, {222301, 3}, {222302, 7}, 1};
constexpr Ladder kCases{
    {222314, 15}, {222315, 13}, {222316, 11}, {222317, 10}, {222318, 5}, {222319, 7}, 1};
constexpr Ladder kIncidents{
    {222304, 15}, {222305, 13}, {222306, 11}, {222307, 10}, {222308, 5}, {222311, 7}, 0};

/// The text Wazuh's JSON decoder gives a served value (json_decoder.h), nullopt when absent.
std::optional<std::string> wazuh_text(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number()) {
    const double d = v->get<double>();
    char buf[64];
    if (std::trunc(d) == d && std::abs(d) < 2147483647.0) {
      std::snprintf(buf, sizeof buf, "%i", static_cast<int>(d));
    } else {
      std::snprintf(buf, sizeof buf, "%f", d);
    }
    return buf;
  }
  return v->dump();
}

/// The rule a served value must reach.
Band expected(const Ladder& ladder, const json* served) {
  const auto text = wazuh_text(served);
  static const std::regex whole(R"(0|[1-9][0-9]*)");
  if (!text || !std::regex_match(*text, whole) || text->size() > 3) return ladder.unexpected;
  const int v = std::stoi(*text);
  if (v < ladder.lowest || v > 100) return ladder.unexpected;
  return v >= 80   ? ladder.critical
         : v >= 60 ? ladder.high
         : v >= 40 ? ladder.medium
         : v >= 20 ? ladder.low
                   : ladder.info;
}

const json* find_member(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

/// Every line of `file`: marker first, within Wazuh's limits, and at the rule `want(line)`.
/// Returns the number of lines.
std::size_t expect_lines_at_their_band(const std::filesystem::path& file, std::string_view kind,
                                       const std::function<Band(const json&)>& want) {
  std::size_t n = 0;
  for (const std::string& line : read_lines(file)) {
    ++n;
    SCOPED_TRACE(line.substr(0, 200));
    EXPECT_TRUE(csbridge::testing::marker_first(line, kind));
    EXPECT_LE(line.size(), csbridge::kDefaultMaxLineBytes);
    EXPECT_LE(csbridge::count_wazuh_fields(line), csbridge::kWazuhFieldCap);
    const json doc = json::parse(line, nullptr, false);
    if (!doc.is_object()) {
      ADD_FAILURE() << "not a JSON object";
      continue;
    }
    const Band band = want(doc);
    const Verdict v = rules().evaluate_collected(line);
    EXPECT_TRUE(v.collected) << v.drop_reason;
    EXPECT_EQ(v.event.dropped_fields, 0U);
    EXPECT_EQ(v.rule_id, band.id);
    EXPECT_EQ(v.level, band.level);
    EXPECT_TRUE(v.alert);
  }
  return n;
}

class DaemonRulesTest : public ::testing::Test {
 protected:
  DaemonRun run(const char* binary, std::vector<std::string> extra = {}) {
    return DaemonRun{binary, work_.path(), fake_.base_url(), std::move(extra)};
  }
  [[nodiscard]] std::filesystem::path output(const char* name) const { return work_.path() / name; }

  FakeFalcon fake_;
  AlertFactory factory_;
  TempDir work_;
};

TEST_F(DaemonRulesTest, EveryAlertSeverityAndPayloadTypeLandsAtItsBand) {
  const std::int64_t start = now_ns() - 3000 * kSecond;
  std::int64_t t = start;
  std::map<std::string, json> served;  // by id
  const auto serve = [&](json a) {
    served[a.at("id").get<std::string>()] = a;
    fake_.add_alert(std::move(a));
  };
  // Every severity, cycling through the fixture payload types (endpoint, identity, NG-SIEM,
  // on-demand scan, automated lead: several without `device`).
  for (int s = 1; s <= 100; ++s) {
    json a = factory_.make_alert(t += kSecond);
    a["severity"] = s;
    serve(std::move(a));
  }
  // The fixtures' own severities, as served.
  for (std::size_t i = 0; i < factory_.alert_fixtures().size(); ++i) {
    serve(factory_.make_alert(t += kSecond));
  }
  // Values outside the contract.
  for (const json& odd : {json(nullptr), json(80.5), json(101), json(150), json(0), json(-5),
                          json("85"), json("high"), json(80.0)}) {
    json a = factory_.make_alert(t += kSecond);
    a["severity"] = odd;
    serve(std::move(a));
  }
  json missing = factory_.make_alert(t += kSecond);
  missing.erase("severity");
  serve(std::move(missing));
  // Records over Wazuh's limits (severity 85: Critical once shaped).
  json big = factory_.make_alert(t += kSecond);
  big["severity"] = 85;
  big["cmdline"] = std::string(70'000, 'x');
  serve(std::move(big));
  json wide = factory_.make_alert(t += kSecond);
  wide["severity"] = 45;
  for (int i = 0; i < 400; ++i) wide["aa_extra"]["f" + std::to_string(1000 + i)] = i;
  serve(std::move(wide));
  json files = factory_.make_alert(t += kSecond);
  files["severity"] = 65;
  for (int i = 0; i < 300; ++i) {
    files["quarantined_files"].push_back(
        {{"filename", "f" + std::to_string(i) + ".exe"},
         {"sha256", std::string(64, 'f')},
         {"filepath", "C:\\Users\\jdoe\\AppData\\Local\\Temp\\" + std::string(150, 'a')}});
  }
  serve(std::move(files));
  json bad_utf8 = factory_.make_alert(t += kSecond);
  bad_utf8["severity"] = 25;
  bad_utf8["cmdline"] = "RAW-INVALID-UTF8";
  serve(std::move(bad_utf8));
  fake_.set_raw_replacement("RAW-INVALID-UTF8", "bad \xC3\x28 byte \xFF end");
  json nul = factory_.make_alert(t += kSecond);
  nul["severity"] = 5;
  nul["cmdline"] = std::string("a\0b", 3) + std::string(70'000, 'n');
  serve(std::move(nul));
  json deep = factory_.make_alert(t += kSecond);
  deep["severity"] = 95;
  json node = {{"bottom", 1}};
  for (int d = 0; d < 100; ++d) node = {{"a", d}, {"b", "x"}, {"c", nullptr}, {"next", node}};
  deep["aa_deep"] = node;
  serve(std::move(deep));

  const auto [rc, out] = run(CSBRIDGE_DETECTIONS_BIN, {"--page-limit", "40"}).run();
  ASSERT_EQ(rc, 0) << out;
  std::set<std::string> seen;
  const std::size_t n = expect_lines_at_their_band(
      output("crowdstrike_alerts.jsonl"), "alert", [&](const json& line) {
        const std::string id = line.at("id").get<std::string>();
        seen.insert(id);
        const auto it = served.find(id);
        if (it == served.end()) {
          ADD_FAILURE() << "not served: " << id;
          return Band{};
        }
        return expected(kAlerts, find_member(it->second, "severity"));
      });
  EXPECT_EQ(n, served.size());
  EXPECT_EQ(seen.size(), served.size());
}

TEST_F(DaemonRulesTest, EveryCaseSeverityLandsAtItsBand) {
  const std::int64_t start = now_ns() - 3000 * kSecond;
  std::map<std::string, json> served;
  const auto serve = [&](json c) {
    served[c.at("id").get<std::string>()] = c;
    fake_.add_case(std::move(c));
  };
  int k = 0;
  for (int s = 1; s <= 100; ++s) {
    json c = factory_.make_case(start + ++k * kSecond, s % 3);
    c["severity"] = s;
    serve(std::move(c));
  }
  for (const json& odd : {json(nullptr), json(80.5), json(101), json(0), json("high")}) {
    json c = factory_.make_case(start + ++k * kSecond, 1);
    c["severity"] = odd;
    serve(std::move(c));
  }
  json missing = factory_.make_case(start + ++k * kSecond, 2);
  missing.erase("severity");
  serve(std::move(missing));

  const auto [rc, out] = run(CSBRIDGE_INCIDENTS_BIN).run();
  ASSERT_EQ(rc, 0) << out;
  std::set<std::string> seen;
  const std::size_t n = expect_lines_at_their_band(
      output("crowdstrike_incidents.jsonl"), "case", [&](const json& line) {
        const std::string id = line.at("crowdstrike.id").get<std::string>();
        seen.insert(id);
        return expected(kCases, find_member(served.at(id), "severity"));
      });
  EXPECT_GE(n, served.size());
  EXPECT_EQ(seen.size(), served.size());
}

TEST_F(DaemonRulesTest, EveryIncidentScoreLandsAtItsBand) {
  const std::int64_t start = now_ns() - 3000 * kSecond;
  std::map<std::string, json> served;
  const auto serve = [&](json i) {
    served[i.at("incident_id").get<std::string>()] = i;
    fake_.add_incident(std::move(i));
  };
  int k = 0;
  for (int s = 0; s <= 100; ++s) {
    json i = factory_.make_incident(start + ++k * kSecond, s % 3);
    i["fine_score"] = s;
    serve(std::move(i));
  }
  for (const json& odd : {json(nullptr), json(5.5), json(150), json(1000), json(-1)}) {
    json i = factory_.make_incident(start + ++k * kSecond, 1);
    i["fine_score"] = odd;
    serve(std::move(i));
  }
  json missing = factory_.make_incident(start + ++k * kSecond, 0);
  missing.erase("fine_score");
  serve(std::move(missing));

  const auto [rc, out] = run(CSBRIDGE_INCIDENTS_BIN, {"--source", "incidents"}).run();
  ASSERT_EQ(rc, 0) << out;
  std::set<std::string> seen;
  const std::size_t n = expect_lines_at_their_band(
      output("crowdstrike_incidents.jsonl"), "incident", [&](const json& line) {
        const std::string id = line.at("crowdstrike.incident_id").get<std::string>();
        seen.insert(id);
        return expected(kIncidents, find_member(served.at(id), "fine_score"));
      });
  EXPECT_GE(n, served.size());
  EXPECT_EQ(seen.size(), served.size());
}

}  // namespace
}  // namespace wazuh
