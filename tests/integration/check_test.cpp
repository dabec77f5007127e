// --check end to end: the real binaries against the in-process fake Falcon API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "integration/daemon_harness.h"

namespace csbridge::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CheckTest : public ::testing::Test {
 protected:
  /// `binary --check` with the fake's URL and a config file of our own (never /etc's).
  DaemonRun check(std::vector<std::string> extra = {},
                  const std::string& binary = CSBRIDGE_DETECTIONS_BIN) {
    if (!std::filesystem::exists(config_)) std::ofstream(config_) << "# empty\n";
    std::vector<std::string> args{"--check", "--config", config_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return DaemonRun{binary, work_.path(), fake_.base_url(), std::move(args)};
  }

  FakeFalcon fake_;
  TempDir work_;
  TempDir etc_;
  std::filesystem::path config_ = etc_.path() / "detections.conf";
};

TEST_F(CheckTest, AllGoodExitsZeroWithAVerdict) {
  const auto [rc, out] = check().run();
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("ok    configuration"));
  EXPECT_THAT(out, HasSubstr("ok    work dir"));
  EXPECT_THAT(out, HasSubstr("ok    state: no state yet"));
  EXPECT_THAT(out, HasSubstr("ok    token"));
  EXPECT_THAT(out, HasSubstr("ok    Alerts: Read: POST /alerts/combined/alerts/v1 answered"));
  EXPECT_THAT(out, HasSubstr("verdict: OK: cs-detections is ready to run"));
  // One token, one minimal call, and nothing written.
  EXPECT_EQ(fake_.token_requests(), 1);
  EXPECT_EQ(fake_.api_requests(), 1);
  EXPECT_THAT(fake_.requests().back().body, HasSubstr("\"limit\":1"));
  EXPECT_FALSE(std::filesystem::exists(work_.path() / "crowdstrike_alerts.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(work_.path() / "crowdstrike_integration.log"));
}

TEST_F(CheckTest, AWrongSecretFailsWithAClearLineAndNeverPrintsIt) {
  auto run = check();
  run.env["CROWDSTRIKE_CLIENT_SECRET"] = "s3cr3t-that-must-not-leak";
  const auto [rc, out] = run.run();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_THAT(out, HasSubstr("FAIL  token: HTTP 403 from POST /oauth2/token: 'Failed to issue "
                             "access token - Not Authorized'"));
  EXPECT_THAT(out, HasSubstr("verdict: FAILED: 1 check failed (token)"));
  EXPECT_THAT(out, Not(HasSubstr("s3cr3t-that-must-not-leak")));
  EXPECT_EQ(fake_.api_requests(), 0);
}

TEST_F(CheckTest, AMissingScopeIsNamed) {
  // The API's way of saying "scope missing" with HTTP 200: errors[] = 403 authorization failed.
  fake_.inject(Fault::kErrorsIn200, 1, "/alerts/");
  const auto [rc, out] = check().run();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_THAT(out, HasSubstr("FAIL  Alerts: Read"));
  EXPECT_THAT(out, HasSubstr("access denied, authorization failed"));
  EXPECT_THAT(out, HasSubstr("the API client lacks the 'Alerts: Read' scope"));
  EXPECT_THAT(out, HasSubstr("verdict: FAILED: 1 check failed (Alerts: Read)"));
}

TEST_F(CheckTest, IncidentsProbesCasesOrTheLegacyIncidentsApi) {
  {
    const auto [rc, out] = check({}, CSBRIDGE_INCIDENTS_BIN).run();
    EXPECT_EQ(rc, 0) << out;
    EXPECT_THAT(out,
                HasSubstr("ok    Cases: Read: GET /cases/queries/cases/v1?limit=1&sort=updated_"
                          "timestamp.asc answered"));
    EXPECT_THAT(out, HasSubstr("verdict: OK: cs-incidents is ready to run"));
  }
  fake_.set_incidents_decommissioned(true);
  const auto [rc, out] = check({"--source", "incidents"}, CSBRIDGE_INCIDENTS_BIN).run();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_THAT(out, HasSubstr("FAIL  Incidents: Read"));
  EXPECT_THAT(out, HasSubstr("decommissioned"));
}

TEST_F(CheckTest, AWorldReadableCredentialFileIsAWarningNotAFailure) {
  TempDir creds;
  std::ofstream(creds.path() / "client_id") << "demo-client-id\n";
  std::ofstream(creds.path() / "client_secret") << "demo-client-secret\n";
  ::chmod((creds.path() / "client_id").c_str(), 0600);
  ::chmod((creds.path() / "client_secret").c_str(), 0644);
  auto run = check();
  run.env = {{"CREDENTIALS_DIRECTORY", creds.path().string()},
             {"CROWDSTRIKE_CLIENT_ID", ""},
             {"CROWDSTRIKE_CLIENT_SECRET", ""}};
  const auto [rc, out] = run.run();
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("WARN  credential file client_secret"));
  EXPECT_THAT(out, HasSubstr("world-readable (mode 0644): chmod 0600 it"));
  EXPECT_THAT(out, HasSubstr("ok    credential file client_id"));
  EXPECT_THAT(out, HasSubstr("from $CREDENTIALS_DIRECTORY"));
  EXPECT_THAT(out, HasSubstr("verdict: OK: cs-detections is ready to run (1 warning)"));
}

TEST_F(CheckTest, BadConfigurationIsAFailedCheckExitOne) {
  std::ofstream(config_) << "pol-interval = 3\n";  // misspelt key
  const auto [rc, out] = check().run();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_THAT(out, HasSubstr("FAIL  configuration"));
  EXPECT_THAT(out, HasSubstr("pol-interval"));

  std::ofstream(config_, std::ios::trunc) << "# fine\n";
  auto run = check();
  run.workdir = work_.path() / "missing";
  const auto [rc2, out2] = run_process(run.argv(), run.env, work_.path() / "check-output.txt");
  EXPECT_EQ(rc2, 1) << out2;
  EXPECT_THAT(out2, HasSubstr("FAIL  configuration: --workdir"));
}

TEST_F(CheckTest, CorruptStateFails) {
  std::ofstream(work_.path() / "last_alert_timestamp.txt") << "yesterday\n";
  const auto [rc, out] = check().run();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_THAT(out, HasSubstr("FAIL  state"));
  EXPECT_THAT(out, HasSubstr("last_alert_timestamp.txt"));
}

}  // namespace
}  // namespace csbridge::testing
