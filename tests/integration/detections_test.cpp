// cs-detections end to end: the real binary against the in-process fake Falcon API.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "fakes/alert_factory.h"
#include "integration/daemon_harness.h"

namespace csbridge::testing {
namespace {

using nlohmann::json;

class DetectionsTest : public ::testing::Test {
 protected:
  DaemonRun daemon(std::vector<std::string> extra = {}) {
    return DaemonRun{CSBRIDGE_DETECTIONS_BIN, work_.path(), fake_.base_url(), std::move(extra)};
  }
  std::filesystem::path output() const { return work_.path() / "crowdstrike_alerts.jsonl"; }

  /// Adds n alerts created in the last hour, one every `step` ns.
  std::vector<json> add_alerts(int n, std::int64_t start_ns, std::int64_t step_ns = kSecond / 7) {
    auto alerts = factory_.make_alerts(n, start_ns, step_ns);
    fake_.add_alerts(alerts);
    return alerts;
  }

  /// Every served alert is in the output exactly once, with the same JSON value after the
  /// marker, which comes first on every line.
  void expect_exactly_once(const std::vector<json>& truth) {
    for (const auto& raw : read_lines(output())) {
      EXPECT_TRUE(marker_first(raw)) << raw.substr(0, 200);
    }
    std::vector<json> lines;
    for (auto& line : read_ndjson(output())) lines.push_back(without_marker(std::move(line)));
    std::map<std::string, json> by_id;
    for (const auto& line : lines) {
      const std::string id = line.at("id").get<std::string>();
      EXPECT_TRUE(by_id.emplace(id, line).second) << "duplicate " << id;
    }
    EXPECT_EQ(lines.size(), truth.size());
    for (const auto& alert : truth) {
      const auto it = by_id.find(alert.at("id").get<std::string>());
      ASSERT_NE(it, by_id.end()) << "lost " << alert.at("id");
      EXPECT_EQ(it->second, alert);
    }
  }

  void inject_after(int after_requests, Fault fault, int count) {
    fake_.inject_after(after_requests, fault, count, "/alerts/");
  }

  FakeFalcon fake_;
  AlertFactory factory_;
  TempDir work_;
};

TEST_F(DetectionsTest, ManyPagesLandExactlyOnceWithOneTokenRequest) {
  const auto truth = add_alerts(2345, now_ns() - 3600 * kSecond);
  const auto [rc, out] = daemon({"--page-limit", "100"}).run();
  ASSERT_EQ(rc, 0) << out;
  expect_exactly_once(truth);
  EXPECT_EQ(fake_.token_requests(), 1);
  // The log file is the seed's, with the seed's operator messages.
  const std::string log = slurp(work_.path() / "crowdstrike_integration.log");
  EXPECT_NE(log.find("INFO: Getting OAuth2 token..."), std::string::npos);
  EXPECT_NE(log.find("Writing 100 alerts to"), std::string::npos);
  EXPECT_NE(log.find("health status=ok"), std::string::npos);
}

TEST_F(DetectionsTest, FilterIsSingleQuotedAndSortAscending) {
  add_alerts(5, now_ns() - 60 * kSecond);
  ASSERT_EQ(daemon().run().first, 0);
  int alert_calls = 0;
  for (const auto& r : fake_.requests()) {
    if (r.path != "/alerts/combined/alerts/v1") continue;
    ++alert_calls;
    const auto body = json::parse(r.body);
    EXPECT_EQ(body.at("sort"), "created_timestamp|asc");
    EXPECT_TRUE(body.at("filter").get<std::string>().starts_with("created_timestamp:>='"))
        << body.at("filter");
    EXPECT_EQ(body.at("limit"), 1000);
  }
  EXPECT_EQ(alert_calls, 1);
}

TEST_F(DetectionsTest, SecondRunAddsOnlyNewAlertsIncludingOnesSharingTheWatermark) {
  auto truth = add_alerts(300, now_ns() - 600 * kSecond);
  ASSERT_EQ(daemon({"--page-limit", "50"}).run().first, 0);
  // One more alert at exactly the newest timestamp written: the >= filter re-reads that
  // instant, the seen set must let only the new id through.
  json twin = factory_.make_alert(0);
  twin["created_timestamp"] = truth.back()["created_timestamp"];
  fake_.add_alert(twin);
  truth.push_back(twin);
  const auto more = add_alerts(40, now_ns() - 10 * kSecond);
  truth.insert(truth.end(), more.begin(), more.end());
  ASSERT_EQ(daemon({"--page-limit", "50"}).run().first, 0);
  ASSERT_EQ(daemon({"--page-limit", "50"}).run().first, 0);
  expect_exactly_once(truth);
}

TEST_F(DetectionsTest, ResumesFromTheSeedsStateFiles) {
  const auto truth = add_alerts(200, now_ns() - 900 * kSecond);
  // What detections.py leaves behind after writing the first 120 alerts.
  std::ofstream(work_.path() / "last_alert_timestamp.txt")
      << truth[119]["created_timestamp"].get<std::string>();
  json ids = json::array();
  for (int i = 0; i < 120; ++i) ids.push_back(truth[static_cast<std::size_t>(i)]["id"]);
  std::ofstream(work_.path() / "last_alert_ids.json") << ids.dump();

  ASSERT_EQ(daemon().run().first, 0);
  const auto lines = read_ndjson(output());
  ASSERT_EQ(lines.size(), 80U);
  EXPECT_EQ(lines.front()["id"], truth[120]["id"]);
  EXPECT_EQ(lines.back()["id"], truth[199]["id"]);
}

TEST_F(DetectionsTest, SameTimestampAcrossPageBoundariesIsNeitherLostNorRepeated) {
  std::vector<json> truth;
  const std::int64_t t0 = now_ns() - 300 * kSecond;
  for (int i = 0; i < 95; ++i) {
    json a = factory_.make_alert(t0 + (i / 30) * kSecond);  // groups of 30 share one instant
    truth.push_back(a);
  }
  fake_.add_alerts(truth);
  ASSERT_EQ(daemon({"--page-limit", "7"}).run().first, 0);
  ASSERT_EQ(daemon({"--page-limit", "7"}).run().first, 0);
  expect_exactly_once(truth);
}

struct FaultCase {
  const char* name;
  Fault fault;
  int count;
};

class DetectionsFaultTest : public DetectionsTest,
                            public ::testing::WithParamInterface<FaultCase> {};

TEST_P(DetectionsFaultTest, EveryAlertOnceAndTheProcessCarriesOn) {
  const auto truth = add_alerts(700, now_ns() - 1800 * kSecond);
  const FaultCase& c = GetParam();
  // Let the first pages through, then fault mid-pagination.
  inject_after(3, c.fault, c.count);
  const auto [rc, out] = daemon({"--page-limit", "100", "--request-timeout", "1"}).run();
  EXPECT_EQ(rc, 0) << out;
  expect_exactly_once(truth);
  EXPECT_GE(fake_.faults_served(), c.count);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, DetectionsFaultTest,
    ::testing::Values(FaultCase{"RateLimited", Fault::kRateLimit, 2},
                      FaultCase{"ServerError500", Fault::kServerError500, 3},
                      FaultCase{"ServerError503", Fault::kServerError503, 2},
                      FaultCase{"ConnectionDropped", Fault::kDropConnection, 2},
                      FaultCase{"GarbageBody", Fault::kGarbageBody, 2},
                      FaultCase{"TruncatedBody", Fault::kTruncatedBody, 2},
                      FaultCase{"ErrorsIn200", Fault::kErrorsIn200, 1},
                      FaultCase{"SlowResponse", Fault::kSlowResponse, 1},
                      FaultCase{"TokenExpiredMidPagination", Fault::kExpireToken, 1}),
    [](const auto& param_info) { return std::string{param_info.param.name}; });

TEST_F(DetectionsTest, ExpiredTokenMidPaginationGetsOneNewToken) {
  const auto truth = add_alerts(500, now_ns() - 1800 * kSecond);
  inject_after(2, Fault::kExpireToken, 1);
  ASSERT_EQ(daemon({"--page-limit", "100"}).run().first, 0);
  expect_exactly_once(truth);
  EXPECT_EQ(fake_.token_requests(), 2);
}

TEST_F(DetectionsTest, MissingCredentialsExitTwoWithAClearMessage) {
  auto run = daemon();
  run.env = {{"CROWDSTRIKE_CLIENT_ID", ""}, {"CROWDSTRIKE_CLIENT_SECRET", ""}};
  const auto [rc, out] = run.run();
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("CROWDSTRIKE_CLIENT_ID"), std::string::npos) << out;
  EXPECT_EQ(fake_.token_requests(), 0);
}

TEST_F(DetectionsTest, WrongSecretFailsWithTheApiMessageAndNeverLogsTheSecret) {
  auto run = daemon();
  run.env["CROWDSTRIKE_CLIENT_SECRET"] = "s3cr3t-that-must-not-leak";
  const auto [rc, out] = run.run();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("Not Authorized"), std::string::npos) << out;
  const std::string log = slurp(work_.path() / "crowdstrike_integration.log");
  EXPECT_NE(log.find("Not Authorized"), std::string::npos);
  for (const std::string& text : {out, log}) {
    EXPECT_EQ(text.find("s3cr3t-that-must-not-leak"), std::string::npos);
  }
}

TEST_F(DetectionsTest, NeitherSecretNorTokenAppearsInLogsOrOutput) {
  add_alerts(250, now_ns() - 100 * kSecond);
  inject_after(1, Fault::kExpireToken, 1);
  fake_.inject(Fault::kServerError500, 1, "/oauth2/token");
  const auto [rc, out] = daemon({"--page-limit", "50", "--log-level", "debug"}).run();
  ASSERT_EQ(rc, 0) << out;
  std::set<std::string> tokens;
  for (const auto& r : fake_.requests()) {
    if (auto it = r.headers.find("authorization"); it != r.headers.end()) {
      tokens.insert(it->second.substr(it->second.find(' ') + 1));
    }
  }
  ASSERT_FALSE(tokens.empty());
  const std::string everything = out + slurp(work_.path() / "crowdstrike_integration.log") +
                                 slurp(output()) + slurp(work_.path() / "last_alert_ids.json");
  EXPECT_EQ(everything.find("demo-client-secret"), std::string::npos);
  for (const auto& t : tokens) EXPECT_EQ(everything.find(t), std::string::npos) << "token leaked";
}

TEST_F(DetectionsTest, CorruptStateIsRefusedNamingTheFile) {
  add_alerts(3, now_ns() - 100 * kSecond);
  std::ofstream(work_.path() / "last_alert_timestamp.txt") << "2026-01-01T00:00:00Z' , x:'";
  const auto [rc, out] = daemon().run();
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("last_alert_timestamp.txt"), std::string::npos) << out;
  EXPECT_EQ(fake_.api_requests(), 0);
  EXPECT_FALSE(std::filesystem::exists(output()) && std::filesystem::file_size(output()) > 0);
}

TEST_F(DetectionsTest, PlainHttpToANonLoopbackHostIsRefused) {
  auto run = daemon();
  run.base_url = "http://example.com";
  const auto [rc, out] = run.run();
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("https"), std::string::npos) << out;
}

TEST_F(DetectionsTest, ABadFlagOrConfigFileExitsTwoSoSystemdDoesNotRestartIt) {
  const auto config = work_.path() / "detections.conf";
  std::ofstream(config) << "poll-intervl = 5\n";
  const auto [config_rc, config_out] = daemon({"--config", config.string()}).run();
  EXPECT_EQ(config_rc, 2);
  EXPECT_NE(config_out.find("poll-intervl"), std::string::npos) << config_out;
  EXPECT_NE(config_out.find("long flag names"), std::string::npos) << config_out;

  const auto [flag_rc, flag_out] = daemon({"--page-limit", "0"}).run();
  EXPECT_EQ(flag_rc, 2);
  EXPECT_NE(flag_out.find("--page-limit"), std::string::npos) << flag_out;
  EXPECT_EQ(fake_.token_requests(), 0);
}

TEST_F(DetectionsTest, TheLogFileIsNotWorldReadableWhateverTheCallersUmask) {
  const mode_t old = ::umask(022);
  const auto [rc, out] = daemon().run();
  ::umask(old);
  ASSERT_EQ(rc, 0) << out;
  struct stat st {};
  ASSERT_EQ(::stat((work_.path() / "crowdstrike_integration.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & S_IROTH, 0U) << std::oct << st.st_mode;
}

TEST_F(DetectionsTest, AnAlertOverWazuhsLineLimitIsShrunkNotLost) {
  json big = factory_.make_alert(now_ns() - 5 * kSecond);
  big["cmdline"] = std::string(70'000, 'x');
  fake_.add_alert(big);
  ASSERT_EQ(daemon().run().first, 0);
  const std::string text = slurp(output());
  ASSERT_FALSE(text.empty());
  EXPECT_LE(text.size(), 60'001U);  // the default budget, plus the newline
  const auto lines = read_ndjson(output());
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0]["id"], big["id"]);
  EXPECT_EQ(lines[0]["cs_bridge"]["truncated"][0]["original_length"], 70'000);
}

TEST_F(DetectionsTest, InvalidUtf8FromTheApiBecomesValidOutput) {
  json a = factory_.make_alert(now_ns() - 5 * kSecond);
  a["description"] = "placeholder";
  fake_.add_alert(a);
  fake_.set_raw_replacement("placeholder", "bad \xC3\x28 byte \xFF end");
  ASSERT_EQ(daemon().run().first, 0);
  const auto lines = read_ndjson(output());  // parses: the output is valid UTF-8 JSON
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0]["description"], "bad \xEF\xBF\xBD( byte \xEF\xBF\xBD end");
}

}  // namespace
}  // namespace csbridge::testing
