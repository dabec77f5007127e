// cs-incidents end to end: the real binary against the in-process fake Falcon API, for cases
// (the default source) and the legacy incidents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "fakes/alert_factory.h"
#include "integration/daemon_harness.h"

namespace csbridge::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kOutput = "crowdstrike_incidents.jsonl";
constexpr const char* kLog = "crowdstrike_incidents_integration.log";

/// The query parameters of a recorded request (decoded).
std::map<std::string, std::string> params_of(const RecordedRequest& r) {
  std::map<std::string, std::string> out;
  std::string_view q = r.query;
  const auto decode = [](std::string_view s) {
    std::string d;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        d += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        d += s[i] == '+' ? ' ' : s[i];
      }
    }
    return d;
  };
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto pair = q.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) out[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
  }
  return out;
}

/// The ids in a seen-ids state file: the seed's JSON array, or cs-bridge's versioned state.
std::set<std::string> seen_ids(const std::filesystem::path& file) {
  const json doc = json::parse(slurp(file));
  std::set<std::string> out;
  if (doc.is_array()) {
    for (const auto& id : doc) out.insert(id.get<std::string>());
  } else {
    for (const auto& [id, stamp] : doc.at("seen").items()) out.insert(id);
  }
  return out;
}

class IncidentsTest : public ::testing::Test {
 protected:
  IncidentsTest() {
    FakeFalcon::Options o;
    o.on_request = [this](const RecordedRequest& r) {
      std::function<void(const RecordedRequest&)> hook;
      {
        std::lock_guard lock(hook_mu_);
        hook = hook_;
      }
      if (hook) hook(r);
    };
    fake_ = std::make_unique<FakeFalcon>(std::move(o));
  }

  void on_request(std::function<void(const RecordedRequest&)> hook) {
    std::lock_guard lock(hook_mu_);
    hook_ = std::move(hook);
  }

  DaemonRun daemon(std::vector<std::string> extra = {}) {
    return DaemonRun{CSBRIDGE_INCIDENTS_BIN, work_.path(), fake_->base_url(), std::move(extra)};
  }
  [[nodiscard]] std::filesystem::path path(const char* name) const { return work_.path() / name; }
  [[nodiscard]] std::vector<json> rows() const { return read_ndjson(path(kOutput)); }

  /// n cases updated in [start, start + n*step), host counts cycling 0,1,2,3. `slim` drops
  /// the bulky nested fields, for tests about volume rather than shape (the fake's brotli
  /// compression costs about 4 s per MB of response).
  std::vector<json> add_cases(int n, std::int64_t start_ns, std::int64_t step_ns,
                              bool slim = false) {
    std::vector<json> cases;
    cases.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      json c = factory_.make_case(start_ns + i * step_ns, i % 4);
      if (slim) {
        for (const char* k :
             {"evidence", "sla", "fields", "workflows", "template", "creation_actor",
              "update_actor", "description", "created_by", "last_updated_by"}) {
          c.erase(k);
        }
        for (const char* k : {"alerts", "cloud_assets", "events", "files", "leads", "users"}) {
          c["analysis_results"].erase(k);
        }
      }
      cases.push_back(std::move(c));
      fake_->add_case(cases.back());
    }
    return cases;
  }

  std::vector<json> add_incidents(int n, std::int64_t start_ns, std::int64_t step_ns) {
    std::vector<json> incidents;
    for (int i = 0; i < n; ++i) {
      incidents.push_back(factory_.make_incident(start_ns + i * step_ns, i % 4));
      fake_->add_incident(incidents.back());
    }
    return incidents;
  }

  /// Every case of `truth` has exactly one row per host (one if it has none), each carrying
  /// every case field unchanged, and nothing else is in the output.
  void expect_cases_exactly_once(const std::vector<json>& truth, const std::vector<json>& out) {
    std::map<std::string, std::vector<const json*>> by_id;
    for (const auto& row : out) by_id[row.at("crowdstrike.id").get<std::string>()].push_back(&row);
    EXPECT_EQ(by_id.size(), truth.size());
    std::size_t expected_rows = 0;
    for (const auto& c : truth) {
      const std::string id = c.at("id").get<std::string>();
      const auto it = by_id.find(id);
      ASSERT_NE(it, by_id.end()) << "lost case " << c.at("reference_id");
      const json& hosts = c.at("analysis_results").at("hosts").at("records");
      const std::size_t n = std::max<std::size_t>(1, hosts.size());
      expected_rows += n;
      ASSERT_EQ(it->second.size(), n) << "case " << c.at("reference_id");
      std::multiset<std::string> want, got;
      for (const auto& h : hosts) want.insert(h.at("aid").get<std::string>());
      for (const json* row : it->second) {
        for (const auto& [k, v] : c.items()) {
          ASSERT_EQ(row->at("crowdstrike." + k), v) << k << " of " << c.at("reference_id");
        }
        if (!hosts.empty()) got.insert(row->at("crowdstrike.device_id").get<std::string>());
      }
      EXPECT_EQ(got, want) << "host rows of " << c.at("reference_id");
    }
    EXPECT_EQ(out.size(), expected_rows);
  }

  void expect_incidents_exactly_once(const std::vector<json>& truth, const std::vector<json>& out) {
    std::map<std::string, std::vector<const json*>> by_id;
    for (const auto& row : out) {
      by_id[row.at("crowdstrike.incident_id").get<std::string>()].push_back(&row);
    }
    EXPECT_EQ(by_id.size(), truth.size());
    std::size_t expected_rows = 0;
    for (const auto& inc : truth) {
      const auto it = by_id.find(inc.at("incident_id").get<std::string>());
      ASSERT_NE(it, by_id.end()) << "lost " << inc.at("incident_id");
      const json hosts = inc.value("hosts", json::array());
      const std::size_t n = std::max<std::size_t>(1, hosts.size());
      expected_rows += n;
      ASSERT_EQ(it->second.size(), n) << inc.at("incident_id");
      std::multiset<std::string> want, got;
      for (const auto& h : hosts) want.insert(h.at("device_id").get<std::string>());
      for (const json* row : it->second) {
        EXPECT_FALSE(row->contains("crowdstrike.hosts"));
        for (const auto& [k, v] : inc.items()) {
          if (k == "hosts") continue;
          ASSERT_EQ(row->at("crowdstrike." + k), v) << k;
        }
        if (!hosts.empty()) got.insert(row->at("crowdstrike.device_id").get<std::string>());
      }
      EXPECT_EQ(got, want) << inc.at("incident_id");
    }
    EXPECT_EQ(out.size(), expected_rows);
  }

  std::vector<RecordedRequest> requests_to(std::string_view prefix) const {
    std::vector<RecordedRequest> out;
    for (auto& r : fake_->requests()) {
      if (r.path.starts_with(prefix)) out.push_back(std::move(r));
    }
    return out;
  }

  std::mutex hook_mu_;
  std::function<void(const RecordedRequest&)> hook_;
  std::unique_ptr<FakeFalcon> fake_;
  AlertFactory factory_{CSBRIDGE_TEST_DATA_DIR, 3};
  TempDir work_;
};

// --- Cases --------------------------------------------------------------------------------------

TEST_F(IncidentsTest, MoreCasesThanTheOffsetCeilingInOneWindowLandExactlyOnce) {
  const auto truth = add_cases(10'500, now_ns() - 3000 * kSecond, kSecond / 4, /*slim=*/true);
  const auto [rc, out] = daemon({"--page-limit", "1000"}).run();
  ASSERT_EQ(rc, 0) << out;
  expect_cases_exactly_once(truth, rows());
  // The window was split rather than paged past offset 10 000 (which the fake answers 500).
  std::set<std::string> filters;
  for (const auto& r : requests_to("/cases/queries/cases/v1")) {
    const auto p = params_of(r);
    EXPECT_LE(std::stoll(p.at("offset")) + std::stoll(p.at("limit")), 10'000);
    EXPECT_EQ(p.at("sort"), "updated_timestamp.asc");
    EXPECT_THAT(p.at("filter"),
                ::testing::MatchesRegex(
                    "updated_timestamp:>='[-0-9T:.]+Z'\\+updated_timestamp:<='[-0-9T:.]+Z'"));
    EXPECT_EQ(r.status, 200);
    filters.insert(p.at("filter"));
  }
  EXPECT_GE(filters.size(), 3U);
  for (const auto& r : requests_to("/cases/entities/cases/v2")) {
    EXPECT_LE(json::parse(r.body).at("ids").size(), 100U);
  }
  // The case state is separate from the seed's incident state.
  EXPECT_TRUE(std::filesystem::exists(path("last_case_timestamp.txt")));
  EXPECT_TRUE(std::filesystem::exists(path("last_case_ids.json")));
  EXPECT_FALSE(std::filesystem::exists(path("last_incident_ids.json")));
  const std::string log = slurp(path(kLog));
  EXPECT_THAT(log, HasSubstr("Starting script..."));
  EXPECT_THAT(log, HasSubstr("Retrieving case IDs starting from"));
  EXPECT_THAT(log, HasSubstr("Read the window by splitting it"));

  // A second run finds everything already written: of each page of ids it hydrates only the
  // newest, for its time (the watermark), and writes nothing.
  fake_->clear_requests();
  const auto size_before = std::filesystem::file_size(path(kOutput));
  ASSERT_EQ(daemon({"--page-limit", "1000"}).run().first, 0);
  EXPECT_EQ(std::filesystem::file_size(path(kOutput)), size_before);
  const auto hydrations = requests_to("/cases/entities/");
  EXPECT_LE(hydrations.size(), requests_to("/cases/queries/cases/v1").size());
  for (const auto& r : hydrations) EXPECT_EQ(json::parse(r.body).at("ids").size(), 1U);
}

TEST_F(IncidentsTest, HostlessAndMultiHostCasesKeepEveryCaseField) {
  const std::int64_t t0 = now_ns() - 600 * kSecond;
  std::vector<json> truth;
  for (int hosts : {0, 1, 3, 0, 2}) {
    truth.push_back(
        factory_.make_case(t0 + static_cast<std::int64_t>(truth.size()) * kSecond, hosts));
    fake_->add_case(truth.back());
  }
  ASSERT_EQ(daemon().run().first, 0);
  const auto out = rows();
  expect_cases_exactly_once(truth, out);
  ASSERT_EQ(out.size(), 1U + 1 + 3 + 1 + 2);
  for (const auto& row : out) {
    EXPECT_FALSE(row.contains("crowdstrike.aid"));
    EXPECT_FALSE(row.contains("crowdstrike.event_action"));
    EXPECT_FALSE(row.contains("crowdstrike.techniques"));
    // The marker contract of rules/crowdstrike.xml, then the seed's prefixed keys.
    auto it = row.begin();  // nlohmann::json sorts keys: check presence, then the prefix
    EXPECT_EQ(row.at("integration"), "crowdstrike");
    EXPECT_EQ(row.at("cs_kind"), "case");
    for (; it != row.end(); ++it) {
      if (it.key() != "integration" && it.key() != "cs_kind" && it.key() != "cs_row") {
        EXPECT_TRUE(it.key().starts_with("crowdstrike.")) << it.key();
      }
    }
  }
  // The markers start every line, as Wazuh keeps only a line's first 256 fields.
  std::istringstream lines(slurp(path(kOutput)));
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.starts_with(R"({"integration":"crowdstrike","cs_kind":"case",)")) << line;
  }
  // Rows are single lines of valid JSON, as Wazuh needs (read_ndjson checked each).
  const std::string text = slurp(path(kOutput));
  EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')), out.size());
}

TEST_F(IncidentsTest, ShuffledEntitiesAreMatchedByIdAndAHiddenCaseIsNotMarkedSeen) {
  auto truth = add_cases(450, now_ns() - 900 * kSecond, kSecond);
  const std::string hidden = truth[123].at("id").get<std::string>();
  fake_->hide_case_from_entities(hidden);
  ASSERT_EQ(daemon({"--page-limit", "200"}).run().first, 0);
  truth.erase(truth.begin() + 123);
  expect_cases_exactly_once(truth, rows());
  const auto seen = seen_ids(path("last_case_ids.json"));
  EXPECT_EQ(seen.size(), truth.size());
  EXPECT_FALSE(seen.contains(hidden));
  EXPECT_THAT(slurp(path(kLog)), HasSubstr("1 case IDs listed by the query were not returned"));
}

TEST_F(IncidentsTest, ACaseUpdatedMidWalkWhileAnotherArrivesLosesNothing) {
  auto truth = add_cases(300, now_ns() - 3000 * kSecond, 10 * kSecond);
  // While the window is read, an early case is updated (now, past the window's end) and a
  // late-indexed one arrives inside it: the total stays 300, and an offset walk would shift
  // every later case one place left past its offset and never read one of them.
  json moved = truth[5];
  moved["version"] = moved["version"].get<int>() + 1;
  json late = factory_.make_case(now_ns() - 1500 * kSecond, 1);
  std::atomic<int> queries{0};
  on_request([&](const RecordedRequest& r) {
    if (r.path != "/cases/queries/cases/v1" || ++queries != 3) return;
    moved["updated_timestamp"] = AlertFactory::format_rfc3339(now_ns(), 9);
    fake_->add_case(moved);
    fake_->add_case(late);
  });
  ASSERT_EQ(daemon({"--page-limit", "100"}).run().first, 0);
  for (const auto& r : requests_to("/cases/queries/cases/v1")) {
    EXPECT_EQ(params_of(r).at("offset"), "0");
  }
  // The watermark stays within the cycle's window, not at the moved case's later time: the
  // next cycle reads it.
  const auto watermark = AlertFactory::parse_rfc3339(slurp(path("last_case_timestamp.txt")));
  ASSERT_TRUE(watermark);
  EXPECT_LT(*watermark, AlertFactory::parse_rfc3339(moved["updated_timestamp"].get<std::string>()));
  ASSERT_EQ(daemon({"--page-limit", "100"}).run().first, 0);
  truth[5] = moved;  // it left the window before the walk reached it: read once, as updated
  truth.push_back(late);
  expect_cases_exactly_once(truth, rows());
}

TEST_F(IncidentsTest, ACaseUpdatedBeforeItsHydrationDoesNotMoveTheWatermarkPastUnreadCases) {
  auto truth = add_cases(200, now_ns() - 3 * 3600 * kSecond, 30 * kSecond, true);
  // The oldest case is read in the first part of the split window, but hydrated as updated an
  // hour from now (the query saw it old); then every further query fails, ending the cycle
  // with the later parts unread. Its time must not become the watermark, or the next cycle
  // would start an hour from now and never read the other 199.
  const std::string future = AlertFactory::format_rfc3339(now_ns() + 3600 * kSecond, 9);
  fake_->set_raw_replacement(
      R"("updated_timestamp":")" + truth[0].at("updated_timestamp").get<std::string>() + '"',
      R"("updated_timestamp":")" + future + '"');
  std::atomic<bool> failing{false};
  on_request([&](const RecordedRequest& r) {
    if (r.path == "/cases/entities/cases/v2" && !failing.exchange(true)) {
      fake_->inject(Fault::kErrorsIn200, 1000, "/cases/queries/");
    }
  });
  auto failing_run = daemon({"--page-limit", "50"});
  failing_run.max_attempts = "1";
  const auto [rc, out] = failing_run.run();
  ASSERT_NE(rc, 0) << out;
  ASSERT_TRUE(failing);
  ASSERT_FALSE(rows().empty());
  const auto watermark = AlertFactory::parse_rfc3339(slurp(path("last_case_timestamp.txt")));
  ASSERT_TRUE(watermark);
  EXPECT_LT(*watermark, now_ns() - 3600 * kSecond);

  on_request(nullptr);
  fake_->clear_faults();
  fake_->clear_raw_replacements();
  ASSERT_EQ(daemon({"--page-limit", "50"}).run().first, 0);
  truth[0]["updated_timestamp"] = future;  // as written
  expect_cases_exactly_once(truth, rows());
}

TEST_F(IncidentsTest, EmitUpdatesWritesAChangedCaseAgainMarkedUpdated) {
  auto truth = add_cases(40, now_ns() - 900 * kSecond, kSecond);
  ASSERT_EQ(daemon({"--emit-updates"}).run().first, 0);
  auto first = rows();
  expect_cases_exactly_once(truth, first);
  for (const auto& row : first) EXPECT_EQ(row.at("crowdstrike.event_action"), "created");

  json changed = truth[7];  // 3 hosts
  ASSERT_EQ(changed["analysis_results"]["hosts"]["records"].size(), 3U);
  changed["status"] = "closed";
  changed["version"] = changed["version"].get<int>() + 1;
  changed["updated_timestamp"] = AlertFactory::format_rfc3339(now_ns() - kSecond, 9);
  fake_->add_case(changed);
  ASSERT_EQ(daemon({"--emit-updates"}).run().first, 0);
  const auto second = rows();
  ASSERT_EQ(second.size(), first.size() + 3);
  for (std::size_t i = first.size(); i < second.size(); ++i) {
    EXPECT_EQ(second[i].at("crowdstrike.id"), changed["id"]);
    EXPECT_EQ(second[i].at("crowdstrike.event_action"), "updated");
    EXPECT_EQ(second[i].at("crowdstrike.status"), "closed");
    EXPECT_EQ(second[i].at("crowdstrike.version"), changed["version"]);
  }
  // Nothing new: nothing written.
  ASSERT_EQ(daemon({"--emit-updates"}).run().first, 0);
  EXPECT_EQ(rows().size(), second.size());
}

TEST_F(IncidentsTest, WithoutEmitUpdatesAChangedCaseIsNotWrittenAgain) {
  auto truth = add_cases(40, now_ns() - 900 * kSecond, kSecond);
  ASSERT_EQ(daemon().run().first, 0);
  const auto first = rows();
  json changed = truth[7];
  changed["status"] = "closed";
  changed["version"] = changed["version"].get<int>() + 1;
  changed["updated_timestamp"] = AlertFactory::format_rfc3339(now_ns() - kSecond, 9);
  fake_->add_case(changed);
  ASSERT_EQ(daemon().run().first, 0);
  EXPECT_EQ(rows().size(), first.size());
  expect_cases_exactly_once(truth, rows());
  // Nothing new was written, yet the watermark moves up to the update: old cases updated over
  // and over must not hold it back, or every cycle would read a longer window.
  const auto watermark = AlertFactory::parse_rfc3339(slurp(path("last_case_timestamp.txt")));
  ASSERT_TRUE(watermark);
  EXPECT_EQ(*watermark,
            AlertFactory::parse_rfc3339(changed["updated_timestamp"].get<std::string>()));
}

TEST_F(IncidentsTest, EnrichTechniquesAddsTheNamesOfTheCasesAlerts) {
  const auto alerts = factory_.make_alerts(30, now_ns() - 2000 * kSecond, kSecond);
  fake_->add_alerts(alerts);
  std::vector<json> truth;
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> evidence;
    for (int k = 0; k < i; ++k) {
      evidence.push_back(
          alerts[static_cast<std::size_t>(i * 4 + k)].at("composite_id").get<std::string>());
    }
    truth.push_back(factory_.make_case(now_ns() - 500 * kSecond + i * kSecond, i % 3, evidence));
    fake_->add_case(truth.back());
  }
  ASSERT_EQ(daemon({"--enrich-techniques"}).run().first, 0);
  const auto out = rows();
  ASSERT_EQ(out.size(), 1U + 1 + 2 + 1 + 1 + 2);
  std::map<std::string, json> by_alert;
  for (const auto& a : alerts) by_alert[a.at("composite_id").get<std::string>()] = a;
  for (const auto& row : out) {
    const json* c = nullptr;
    for (const auto& t : truth) {
      if (t["id"] == row["crowdstrike.id"]) c = &t;
    }
    ASSERT_NE(c, nullptr);
    std::vector<std::string> techniques, tactics;
    const auto add = [](std::vector<std::string>& v, const json& name) {
      if (name.is_string() && !name.get<std::string>().empty() &&
          std::find(v.begin(), v.end(), name.get<std::string>()) == v.end()) {
        v.push_back(name.get<std::string>());
      }
    };
    for (const auto& r : (*c)["evidence"]["alerts"]["records"]) {
      const json& a = by_alert.at(r["selector"]["id"].get<std::string>());
      add(techniques, a.value("technique", json()));
      add(tactics, a.value("tactic", json()));
      for (const auto& m : a.value("mitre_attack", json::array())) {
        add(techniques, m.value("technique", json()));
        add(tactics, m.value("tactic", json()));
      }
    }
    EXPECT_EQ(row.at("crowdstrike.techniques"), json(techniques))
        << row["crowdstrike.reference_id"];
    EXPECT_EQ(row.at("crowdstrike.tactics"), json(tactics));
  }
  for (const auto& r : requests_to("/alerts/entities/alerts/v2")) {
    EXPECT_LE(json::parse(r.body).at("composite_ids").size(), 1000U);
  }
  EXPECT_FALSE(requests_to("/alerts/entities/alerts/v2").empty());
}

TEST_F(IncidentsTest, WithoutEnrichTechniquesNoAlertIsLookedUp) {
  const auto alerts = factory_.make_alerts(3, now_ns() - 2000 * kSecond, kSecond);
  fake_->add_alerts(alerts);
  fake_->add_case(factory_.make_case(now_ns() - 100 * kSecond, 1,
                                     {alerts[0].at("composite_id").get<std::string>()}));
  ASSERT_EQ(daemon().run().first, 0);
  EXPECT_EQ(rows().size(), 1U);
  EXPECT_TRUE(requests_to("/alerts/").empty());
}

// --- Incidents ----------------------------------------------------------------------------------

TEST_F(IncidentsTest, IncidentsSourceReadsEveryPageNotJustTheFirst500) {
  const auto truth = add_incidents(1200, now_ns() - 3000 * kSecond, 2 * kSecond);
  const auto [rc, out] = daemon({"--source", "incidents"}).run();
  ASSERT_EQ(rc, 0) << out;
  expect_incidents_exactly_once(truth, rows());
  std::istringstream lines(slurp(path(kOutput)));
  for (std::string line; std::getline(lines, line);) {
    ASSERT_TRUE(line.starts_with(R"({"integration":"crowdstrike","cs_kind":"incident",)")) << line;
  }
  // Read in windows of at most one page each (the seed read one page of 500 and lost the rest).
  std::set<std::string> filters;
  for (const auto& r : requests_to("/incidents/queries/incidents/v1")) {
    const auto p = params_of(r);
    EXPECT_EQ(p.at("sort"), "modified_timestamp.asc");
    EXPECT_TRUE(p.at("limit") == "500" || p.at("limit") == "1") << p.at("limit");  // 1: a total
    EXPECT_EQ(p.at("offset"), "0");
    filters.insert(p.at("filter"));
  }
  EXPECT_GE(filters.size(), 3U);
  for (const auto& r : requests_to("/incidents/entities/incidents/GET/v1")) {
    EXPECT_LE(json::parse(r.body).at("ids").size(), 500U);
  }
  EXPECT_TRUE(std::filesystem::exists(path("last_incident_timestamp.txt")));
  EXPECT_TRUE(std::filesystem::exists(path("last_incident_ids.json")));
  EXPECT_FALSE(std::filesystem::exists(path("last_case_ids.json")));
  const std::string log = slurp(path(kLog));
  EXPECT_THAT(log, HasSubstr("Retrieving incident IDs starting from"));
  EXPECT_THAT(log, ::testing::ContainsRegex("Retrieved [0-9]+ incident IDs[.]"));
  EXPECT_THAT(log, ::testing::ContainsRegex("Retrieving details for [0-9]+ incidents[.][.][.]"));
  EXPECT_THAT(log, HasSubstr("Writing "));
}

TEST_F(IncidentsTest, ResumesFromTheSeedsIncidentStateWritingNothingTwice) {
  const auto truth = add_incidents(200, now_ns() - 900 * kSecond, kSecond);
  // What incidents.py leaves after writing the first 120 (json.dump(list(processed_ids))).
  std::ofstream(path("last_incident_timestamp.txt"))
      << truth[119]["modified_timestamp"].get<std::string>();
  json ids = json::array();
  for (std::size_t i = 0; i < 120; ++i) ids.push_back(truth[i]["incident_id"]);
  std::ofstream(path("last_incident_ids.json")) << ids.dump();
  ASSERT_EQ(daemon({"--source", "incidents"}).run().first, 0);
  expect_incidents_exactly_once(std::vector<json>(truth.begin() + 120, truth.end()), rows());
  // Switching source later does not touch (or read) the incident state.
  const std::string before = slurp(path("last_incident_ids.json"));
  ASSERT_EQ(daemon().run().first, 0);
  EXPECT_EQ(slurp(path("last_incident_ids.json")), before);
}

TEST_F(IncidentsTest, ResumingWithEmitUpdatesDoesNotRepeatTheWatermarksIncident) {
  const auto truth = add_incidents(50, now_ns() - 900 * kSecond, kSecond);
  std::ofstream(path("last_incident_timestamp.txt"))
      << truth[29]["modified_timestamp"].get<std::string>();
  json ids = json::array();
  for (std::size_t i = 0; i < 30; ++i) ids.push_back(truth[i]["incident_id"]);
  std::ofstream(path("last_incident_ids.json")) << ids.dump();
  ASSERT_EQ(daemon({"--source", "incidents", "--emit-updates"}).run().first, 0);
  expect_incidents_exactly_once(std::vector<json>(truth.begin() + 30, truth.end()), rows());
}

TEST_F(IncidentsTest, TheDecommissionedIncidentsApiFailsClearlyOnce) {
  add_incidents(5, now_ns() - 100 * kSecond, kSecond);
  fake_->set_incidents_decommissioned(true);
  const auto [rc, out] = daemon({"--source", "incidents"}).run();
  EXPECT_EQ(rc, 1);
  for (const std::string& text : {out, slurp(path(kLog))}) {
    EXPECT_THAT(text, HasSubstr("decommissioned on 2026-03-09"));
    EXPECT_THAT(text, HasSubstr("--source cases"));
    EXPECT_THAT(text, HasSubstr("No content was received for this request."));
  }
  EXPECT_EQ(fake_->api_requests(), 1);  // no retry storm against a dead endpoint
  EXPECT_TRUE(rows().empty());
}

// --- Faults and secrets -------------------------------------------------------------------------

struct FaultCase {
  const char* name;
  Fault fault;
};

class IncidentsFaultTest : public IncidentsTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(IncidentsFaultTest, EveryCaseOnceDespiteAFaultMidWalk) {
  const auto truth = add_cases(500, now_ns() - 1800 * kSecond, kSecond);
  fake_->inject_after(2, GetParam().fault, 1, "/cases/queries/");
  fake_->inject_after(2, GetParam().fault, 1, "/cases/entities/");
  const auto [rc, out] = daemon({"--page-limit", "100"}).run();
  EXPECT_EQ(rc, 0) << out;
  expect_cases_exactly_once(truth, rows());
  EXPECT_GE(fake_->faults_served(), 2);
}

INSTANTIATE_TEST_SUITE_P(Faults, IncidentsFaultTest,
                         ::testing::Values(FaultCase{"RateLimited", Fault::kRateLimit},
                                           FaultCase{"ServerError500", Fault::kServerError500},
                                           FaultCase{"ServerError503", Fault::kServerError503},
                                           FaultCase{"ConnectionDropped", Fault::kDropConnection},
                                           FaultCase{"GarbageBody", Fault::kGarbageBody},
                                           FaultCase{"TruncatedBody", Fault::kTruncatedBody},
                                           FaultCase{"ErrorsIn200", Fault::kErrorsIn200},
                                           FaultCase{"TokenExpired", Fault::kExpireToken}),
                         [](const auto& param_info) { return std::string{param_info.param.name}; });

TEST_F(IncidentsTest, IncidentsSurviveFaultsMidWalkToo) {
  const auto truth = add_incidents(700, now_ns() - 1800 * kSecond, kSecond);
  fake_->inject_after(1, Fault::kServerError500, 1, "/incidents/queries/");
  fake_->inject_after(1, Fault::kDropConnection, 1, "/incidents/entities/");
  const auto [rc, out] = daemon({"--source", "incidents"}).run();
  ASSERT_EQ(rc, 0) << out;
  expect_incidents_exactly_once(truth, rows());
}

TEST_F(IncidentsTest, NeitherSecretNorTokenAppearsInLogsOrOutput) {
  add_cases(120, now_ns() - 100 * kSecond, kSecond / 2);
  fake_->inject_after(1, Fault::kExpireToken, 1, "/cases/");
  const auto [rc, out] = daemon({"--page-limit", "50", "--log-level", "debug"}).run();
  ASSERT_EQ(rc, 0) << out;
  std::set<std::string> tokens;
  for (const auto& r : fake_->requests()) {
    if (auto it = r.headers.find("authorization"); it != r.headers.end()) {
      tokens.insert(it->second.substr(it->second.find(' ') + 1));
    }
  }
  ASSERT_FALSE(tokens.empty());
  const std::string everything =
      out + slurp(path(kLog)) + slurp(path(kOutput)) + slurp(path("last_case_ids.json"));
  EXPECT_THAT(everything, Not(HasSubstr("demo-client-secret")));
  for (const auto& t : tokens) EXPECT_THAT(everything, Not(HasSubstr(t))) << "token leaked";
  EXPECT_EQ(fake_->token_requests(), 2);
}

TEST_F(IncidentsTest, BadFlagsAreRefused) {
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--source", "detects"},
        std::vector<std::string>{"--page-limit", "10001"}}) {
    const auto [rc, out] = daemon(flags).run();
    EXPECT_NE(rc, 0) << out;
    EXPECT_EQ(fake_->api_requests(), 0);
  }
}

}  // namespace
}  // namespace csbridge::testing
