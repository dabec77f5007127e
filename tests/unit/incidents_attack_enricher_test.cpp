#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "fakes/fake_clock.h"
#include "fakes/fake_transport.h"
#include "incidents/attack_enricher.h"

namespace csbridge::incidents {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

ordered_json fixture(const std::string& name) {
  std::ifstream in(std::string(CSBRIDGE_TEST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  return ordered_json::parse(in);
}

TEST(CaseAlertIdsTest, SelectorIdsOfTheFixtureInOrder) {
  const auto c = fixture("cases/case_multi_host_alerts_in_progress.json");
  const auto ids = case_alert_ids(c);
  ASSERT_EQ(ids.size(), 4U);
  EXPECT_EQ(ids[0], c["evidence"]["alerts"]["records"][0]["selector"]["id"]);
  EXPECT_THAT(case_alert_ids(fixture("cases/case_no_evidence_new.json")), IsEmpty());
}

TEST(CaseAlertIdsTest, FallsBackToIdAndToleratesJunk) {
  const auto c = ordered_json::parse(R"({"evidence":{"alerts":{"records":[
      {"selector":{"id":"a"}}, {"id":"b"}, {"selector":{"id":""},"id":"c"}, {"selector":null},
      "x", 7, {"selector":{"id":"a"}}]}}})");
  EXPECT_THAT(case_alert_ids(c), ElementsAre("a", "b", "c"));
  for (const char* text : {"{}", R"({"evidence":null})", R"({"evidence":{"alerts":[]}})", "[]"}) {
    EXPECT_THAT(case_alert_ids(ordered_json::parse(text)), IsEmpty()) << text;
  }
}

TEST(AttackNamesTest, TopLevelAndMitreAttackNamesUniqueInOrder) {
  const auto alert =
      ordered_json::parse(R"({"technique":"OS Credential Dumping","tactic":"Credential Access",
      "mitre_attack":[{"technique":"LSASS Memory","tactic":"Credential Access"},
                      {"technique":"OS Credential Dumping","tactic":""}, "junk", {"technique":5}]})");
  AttackNames names;
  add_attack_names(alert, names);
  add_attack_names(ordered_json::parse(R"({"technique":"","tactic":null})"), names);
  EXPECT_THAT(names.techniques, ElementsAre("OS Credential Dumping", "LSASS Memory"));
  EXPECT_THAT(names.tactics, ElementsAre("Credential Access"));
}

TEST(AttackEnricherTest, ChunksOfAThousandAndNamesByCompositeId) {
  testing::FakeClock clock;
  testing::FakeTransport http;
  http.set_handler([](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url.ends_with("/oauth2/token")) {
      return testing::FakeTransport::response(201, R"({"access_token":"t","expires_in":1799})");
    }
    const auto body = json::parse(r.body);
    json resources = json::array();
    for (const auto& id : body["composite_ids"]) {
      const std::string s = id.get<std::string>();
      if (s == "cid:missing") continue;
      resources.push_back({{"composite_id", s}, {"technique", "T-" + s}, {"tactic", "Execution"}});
    }
    return testing::FakeTransport::response(200, json{{"resources", resources}}.dump());
  });
  OAuth2Client oauth{http, clock, Credentials{"id", "secret", ""}, "https://api.test"};
  FalconClient client{http, clock, oauth, "https://api.test", RetryPolicy{}, [] { return 0.0; }};
  StopSignal stop;
  std::vector<std::string> ids;
  for (int i = 0; i < 2500; ++i) ids.push_back("cid:" + std::to_string(i));
  ids.push_back("cid:missing");
  auto found = AttackEnricher{client}.lookup(ids, stop);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found.value().size(), 2500U);
  EXPECT_THAT(found.value().at("cid:7").techniques, ElementsAre("T-cid:7"));
  std::vector<std::size_t> sizes;
  for (const auto& r : http.requests) {
    if (!r.url.ends_with("/alerts/entities/alerts/v2")) continue;
    EXPECT_EQ(r.method, "POST");
    sizes.push_back(json::parse(r.body)["composite_ids"].size());
  }
  EXPECT_THAT(sizes, ElementsAre(1000U, 1000U, 501U));
}

}  // namespace
}  // namespace csbridge::incidents
