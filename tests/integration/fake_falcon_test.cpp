// Self-test of the fake Falcon API: the daemons' integration tests are only as good as the fake,
// so every promise it makes (paging, faults, limits, envelopes) is checked here over real HTTP.

#include "fakes/fake_falcon.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "fakes/alert_factory.h"

namespace {

using csbridge::testing::AlertFactory;
using csbridge::testing::FakeFalcon;
using csbridge::testing::Fault;
using nlohmann::json;

constexpr std::int64_t kSec = 1'000'000'000;
const std::int64_t kBase = AlertFactory::parse_rfc3339("2026-05-01T00:00:00Z").value();

// A minimal client for the fake: form login, bearer header, JSON bodies.
class Api {
 public:
  explicit Api(const FakeFalcon& fake) : cli_(fake.base_url()) { cli_.set_read_timeout(5, 0); }

  httplib::Result post_token(const std::string& id, const std::string& secret) {
    return cli_.Post("/oauth2/token", "client_id=" + id + "&client_secret=" + secret,
                     "application/x-www-form-urlencoded");
  }

  void login() {
    auto r = post_token("demo-client-id", "demo-client-secret");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201);
    token_ = json::parse(r->body).at("access_token").get<std::string>();
  }

  httplib::Headers auth() const { return {{"Authorization", "Bearer " + token_}}; }
  const std::string& token() const { return token_; }
  httplib::Client& client() { return cli_; }

  httplib::Result post(const std::string& path, const json& body) {
    return cli_.Post(path, auth(), body.dump(), "application/json");
  }
  httplib::Result get(const std::string& path, const httplib::Params& params) {
    return cli_.Get(path, params, auth());
  }
  httplib::Result combined(const json& body) { return post("/alerts/combined/alerts/v1", body); }

 private:
  httplib::Client cli_;
  std::string token_;
};

json combined_body(int limit, const std::string& filter = "", const std::string& after = "") {
  json body = {{"sort", "created_timestamp|asc"}, {"limit", limit}};
  if (!filter.empty()) body["filter"] = filter;
  if (!after.empty()) body["after"] = after;
  return body;
}

std::vector<std::string> composite_ids(const std::vector<json>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.at("composite_id").get<std::string>());
  return out;
}

// Pages through every alert matching `filter`; counts the pages.
std::vector<std::string> page_all(Api& api, int limit, const std::string& filter, int& pages) {
  std::vector<std::string> ids;
  std::string after;
  pages = 0;
  for (int guard = 0; guard < 10000; ++guard) {
    auto r = api.combined(combined_body(limit, filter, after));
    if (!r || r->status != 200) {
      ADD_FAILURE() << "page request failed: " << (r ? r->body : "transport error");
      return ids;
    }
    const json page = json::parse(r->body);
    ++pages;
    EXPECT_LE(page["resources"].size(), static_cast<std::size_t>(limit));
    for (const auto& a : page["resources"]) ids.push_back(a["composite_id"].get<std::string>());
    const auto& pagination = page["meta"]["pagination"];
    if (!pagination.contains("after") || pagination["after"].get<std::string>().empty()) break;
    after = pagination["after"].get<std::string>();
  }
  return ids;
}

// A GET sent byte for byte (no client-side encoding); returns the raw response.
std::string raw_get(int port, const std::string& target, const std::string& token) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                "Authorization: Bearer " + token + "\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, n);
    }
  }
  ::close(fd);
  return response;
}

TEST(FakeFalconTest, TokenIssued201WithRealHeaders) {
  FakeFalcon fake;
  Api api(fake);
  auto r = api.post_token("demo-client-id", "demo-client-secret");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["token_type"], "bearer");
  EXPECT_EQ(body["expires_in"], 1799);
  EXPECT_FALSE(body["access_token"].get<std::string>().empty());
  EXPECT_EQ(r->get_header_value("X-Cs-Region"), "us-1");
  EXPECT_FALSE(r->get_header_value("X-Cs-Traceid").empty());
  EXPECT_EQ(r->get_header_value("X-Ratelimit-Limit"), "300");
  EXPECT_EQ(fake.token_requests(), 1);
  EXPECT_EQ(fake.api_requests(), 0);
}

TEST(FakeFalconTest, TokenRejects403WrongSecretAnd400MissingFields) {
  FakeFalcon fake;
  Api api(fake);
  auto wrong = api.post_token("demo-client-id", "nope");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(json::parse(wrong->body)["errors"][0]["message"],
            "Failed to issue access token - Not Authorized");
  auto missing = api.client().Post("/oauth2/token", "client_id=demo-client-id",
                                   "application/x-www-form-urlencoded");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(json::parse(missing->body)["errors"][0]["code"], 400);
  EXPECT_EQ(fake.token_requests(), 2);
}

TEST(FakeFalconTest, ApiNeedsUnexpiredBearer401Otherwise) {
  std::atomic<int> skew_s{0};
  FakeFalcon::Options opt;
  opt.token_lifetime = std::chrono::seconds(60);
  opt.now = [&skew_s] { return std::chrono::system_clock::now() + std::chrono::seconds(skew_s); };
  FakeFalcon fake(opt);
  Api api(fake);

  auto anonymous =
      api.client().Post("/alerts/combined/alerts/v1", combined_body(10).dump(), "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(json::parse(anonymous->body)["errors"][0]["message"],
            "access denied, invalid bearer token");

  api.login();
  auto ok = api.combined(combined_body(10));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);

  skew_s = 61;  // past the lifetime
  auto expired = api.combined(combined_body(10));
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);

  api.login();
  ASSERT_EQ(api.combined(combined_body(10))->status, 200);
  fake.expire_all_tokens();
  EXPECT_EQ(api.combined(combined_body(10))->status, 401);
}

TEST(FakeFalconTest, AlertsPagingReturnsEveryAlertOnceInOrder) {
  FakeFalcon fake;
  AlertFactory factory(CSBRIDGE_TEST_DATA_DIR, 7);
  // Groups of 3 identical timestamps with a page size of 7: groups straddle page boundaries.
  fake.add_alerts(factory.make_alerts(250, kBase, kSec / 3, 3));
  ASSERT_EQ(fake.alert_count(), 250u);
  Api api(fake);
  api.login();
  int pages = 0;
  const auto got = page_all(api, 7, "", pages);
  EXPECT_EQ(got, composite_ids(fake.alerts()));
  EXPECT_EQ(pages, 36);  // ceil(250 / 7)
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 250u);

  // Order is (instant, composite_id), independent of the textual precision.
  const auto truth = fake.alerts();
  for (std::size_t i = 1; i < truth.size(); ++i) {
    const auto a =
        AlertFactory::parse_rfc3339(truth[i - 1]["created_timestamp"].get<std::string>());
    const auto b = AlertFactory::parse_rfc3339(truth[i]["created_timestamp"].get<std::string>());
    ASSERT_TRUE(*a < *b || (*a == *b && truth[i - 1]["composite_id"] < truth[i]["composite_id"]));
  }
}

TEST(FakeFalconTest, AfterTokenLooksLikeTheRealOne) {
  FakeFalcon fake;
  AlertFactory factory;
  fake.add_alerts(factory.make_alerts(5, kBase, kSec));
  Api api(fake);
  api.login();
  auto r = api.combined(combined_body(2));
  ASSERT_EQ(r->status, 200);
  const json page = json::parse(r->body);
  EXPECT_EQ(page["meta"]["pagination"]["total"], 5);
  EXPECT_EQ(page["meta"]["pagination"]["limit"], 2);
  EXPECT_EQ(page["meta"]["powered_by"], "detectsapi");
  EXPECT_EQ(page["meta"]["trace_id"], r->get_header_value("X-Cs-Traceid"));
  EXPECT_TRUE(page["errors"].empty());
  const std::string after = page["meta"]["pagination"]["after"];
  EXPECT_EQ(after.rfind("eyJ", 0), 0u) << "base64 of a JSON object";

  auto bad = api.combined(combined_body(2, "", "not*a*token"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto bad_json = api.combined(combined_body(2, "", "eyJub3QiOiJ2MSJ9"));  // {"not":"v1"}
  EXPECT_EQ(bad_json->status, 400);
}

TEST(FakeFalconTest, LastPageOmitsAfterOrSendsEmptyString) {
  for (const bool empty_after : {false, true}) {
    FakeFalcon::Options opt;
    opt.empty_after_on_last_page = empty_after;
    FakeFalcon fake(opt);
    AlertFactory factory;
    fake.add_alerts(factory.make_alerts(3, kBase, kSec));
    Api api(fake);
    api.login();
    const json page = json::parse(api.combined(combined_body(3))->body);
    EXPECT_EQ(page["resources"].size(), 3u);
    EXPECT_EQ(page["meta"]["pagination"].contains("after"), empty_after);
    if (empty_after) {
      EXPECT_EQ(page["meta"]["pagination"]["after"], "");
    }
  }
}

TEST(FakeFalconTest, FilterComparesInstantsAndRejectsOtherSyntax) {
  FakeFalcon fake;
  AlertFactory factory;
  factory.set_fraction_digits(9);
  fake.add_alerts(factory.make_alerts(10, kBase, kSec));  // kBase + 0s .. + 9s
  Api api(fake);
  api.login();
  const auto count = [&api](const std::string& filter) {
    auto r = api.combined(combined_body(100, filter));
    return r && r->status == 200 ? static_cast<int>(json::parse(r->body)["resources"].size()) : -1;
  };
  EXPECT_EQ(count("created_timestamp:>='2026-05-01T00:00:05Z'"), 5);
  EXPECT_EQ(count("created_timestamp:>'2026-05-01T00:00:05Z'"), 4);
  EXPECT_EQ(count("created_timestamp:>'2026-05-01T00:00:04.999999999Z'"), 5);
  EXPECT_EQ(count("created_timestamp:>='2026-05-01T02:00:05+02:00'"), 5);  // same instant
  EXPECT_EQ(
      count("created_timestamp:>='2026-05-01T00:00:02Z'+created_timestamp:<'2026-05-01T00:00:04Z'"),
      2);
  EXPECT_EQ(count("created_timestamp:>=\"2026-05-01T00:00:05Z\""), -1);  // double quotes
  EXPECT_EQ(count("updated_timestamp:>='2026-05-01T00:00:05Z'"), -1);
  EXPECT_EQ(count("created_timestamp:>='2026-05-01 00:00:05'"), -1);
  EXPECT_EQ(count("created_timestamp:>='2026-05-01T00:00:05.1234567891Z'"), -1);

  auto r = api.combined(combined_body(100, "created_timestamp:>\"x\""));
  EXPECT_FALSE(json::parse(r->body)["errors"][0]["message"].get<std::string>().empty());
  EXPECT_EQ(api.combined({{"sort", "created_timestamp|desc"}})->status, 400);
  EXPECT_EQ(api.combined({{"limit", 10}})->status, 400);  // no sort
  EXPECT_EQ(api.combined(combined_body(0))->status, 400);
  EXPECT_EQ(api.combined(combined_body(1001))->status, 400);
  EXPECT_EQ(api.combined({{"sort", "created_timestamp.asc"}, {"limit", 1000}})->status, 200);
  const json defaults = json::parse(api.combined({{"sort", "created_timestamp.asc"}})->body);
  EXPECT_EQ(defaults["meta"]["pagination"]["limit"], 100);
}

TEST(FakeFalconTest, LateIndexedAlertSeenByFreshQueryNotByAdvancedCursor) {
  FakeFalcon fake;
  AlertFactory factory;
  factory.set_fraction_digits(9);
  fake.add_alerts(factory.make_alerts(10, kBase, kSec));
  Api api(fake);
  api.login();
  const std::string filter = "created_timestamp:>='2026-05-01T00:00:00Z'";
  const json first = json::parse(api.combined(combined_body(5, filter))->body);
  const std::string after = first["meta"]["pagination"]["after"];

  const json late = factory.make_alert(kBase + 2 * kSec + 500'000'000);  // lands in page 1
  fake.add_alert(late);
  const json second = json::parse(api.combined(combined_body(5, filter, after))->body);
  EXPECT_EQ(second["resources"].size(), 5u);
  for (const auto& a : second["resources"]) EXPECT_NE(a["composite_id"], late["composite_id"]);
  EXPECT_EQ(second["meta"]["pagination"]["total"], 11);  // live data

  int pages = 0;
  const auto fresh = page_all(api, 100, filter, pages);
  EXPECT_EQ(fresh.size(), 11u);
  EXPECT_NE(std::find(fresh.begin(), fresh.end(), late["composite_id"]), fresh.end());
  EXPECT_EQ(fake.alerts()[3], late) << "served exactly as stored, in instant order";
}

TEST(FakeFalconTest, AlertsEntitiesByCompositeIdAndTooMany413) {
  FakeFalcon fake;
  AlertFactory factory;
  const auto alerts = factory.make_alerts(4, kBase, kSec);
  fake.add_alerts(alerts);
  Api api(fake);
  api.login();
  const json body = {{"composite_ids", {alerts[2]["composite_id"], "cid:unknown"}}};
  auto r = api.post("/alerts/entities/alerts/v2", body);
  ASSERT_EQ(r->status, 200);
  const json got = json::parse(r->body);
  ASSERT_EQ(got["resources"].size(), 1u);
  EXPECT_EQ(got["resources"][0], alerts[2]);
  EXPECT_EQ(api.post("/alerts/entities/alerts/v2",
                     {{"composite_ids", std::vector<std::string>(1001, "x")}})
                ->status,
            413);
}

class FakeFalconFaultTest : public ::testing::Test {
 protected:
  FakeFalconFaultTest() : fake_(options()), api_(fake_) {
    AlertFactory factory;
    fake_.add_alerts(factory.make_alerts(20, kBase, kSec));
  }
  static FakeFalcon::Options options() {
    FakeFalcon::Options opt;
    opt.slow_delay = std::chrono::milliseconds(400);
    opt.retry_after_seconds = 7;
    return opt;
  }
  void SetUp() override { api_.login(); }
  httplib::Result page() { return api_.combined(combined_body(5)); }

  FakeFalcon fake_;
  Api api_;
};

TEST_F(FakeFalconFaultTest, RateLimit429WithEpochRetryAfter) {
  fake_.inject(Fault::kRateLimit);
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto r = page();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  const long long retry_after = std::stoll(r->get_header_value("X-RateLimit-RetryAfter"));
  EXPECT_GE(retry_after, before + 7);
  EXPECT_LE(retry_after, before + 9);
  EXPECT_EQ(r->get_header_value("X-Ratelimit-Remaining"), "0");
  EXPECT_EQ(json::parse(r->body)["errors"][0]["code"], 429);
  EXPECT_EQ(page()->status, 200) << "one fault, consumed";
  EXPECT_EQ(fake_.faults_served(), 1);
}

TEST_F(FakeFalconFaultTest, ServerErrors500And503) {
  fake_.inject(Fault::kServerError500);
  fake_.inject(Fault::kServerError503);
  auto r500 = page();
  EXPECT_EQ(r500->status, 500);
  const json body = json::parse(r500->body);
  EXPECT_NE(body["errors"][0]["message"].get<std::string>().find(body["meta"]["trace_id"]),
            std::string::npos);
  EXPECT_EQ(page()->status, 503);
  EXPECT_EQ(page()->status, 200);
}

TEST_F(FakeFalconFaultTest, DropConnectionGivesTransportError) {
  fake_.inject(Fault::kDropConnection);
  auto r = page();
  EXPECT_FALSE(r) << "status " << (r ? r->status : 0);
  EXPECT_EQ(page()->status, 200);
  EXPECT_EQ(fake_.requests().front().status, 201);
  EXPECT_EQ(fake_.requests()[1].status, 0);
}

TEST_F(FakeFalconFaultTest, GarbageAndTruncatedBodiesAreNotJson) {
  fake_.inject(Fault::kGarbageBody);
  fake_.inject(Fault::kTruncatedBody);
  auto garbage = page();
  EXPECT_EQ(garbage->status, 200);
  EXPECT_FALSE(json::accept(garbage->body));
  auto truncated = page();
  EXPECT_EQ(truncated->status, 200);
  EXPECT_FALSE(json::accept(truncated->body));
  EXPECT_EQ(truncated->body.front(), '{');
}

TEST_F(FakeFalconFaultTest, SlowResponseTripsClientTimeoutThenAnswers) {
  fake_.inject(Fault::kSlowResponse);
  api_.client().set_read_timeout(std::chrono::milliseconds(100));
  EXPECT_FALSE(page());
  api_.client().set_read_timeout(std::chrono::seconds(5));
  fake_.inject(Fault::kSlowResponse);
  const auto start = std::chrono::steady_clock::now();
  auto r = page();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
}

TEST_F(FakeFalconFaultTest, ExpireTokenInvalidatesThePresentedToken) {
  fake_.inject(Fault::kExpireToken);
  EXPECT_EQ(page()->status, 401);
  EXPECT_EQ(page()->status, 401) << "the token stays invalid";
  api_.login();
  EXPECT_EQ(page()->status, 200);
}

TEST_F(FakeFalconFaultTest, ErrorsIn200HasErrorsAndNoResources) {
  fake_.inject(Fault::kErrorsIn200);
  auto r = page();
  EXPECT_EQ(r->status, 200);
  const json body = json::parse(r->body);
  ASSERT_EQ(body["errors"].size(), 1u);
  EXPECT_EQ(body["errors"][0]["code"], 403);
  EXPECT_EQ(body["errors"][0]["message"], "access denied, authorization failed");
  EXPECT_TRUE(body["resources"].empty());
}

TEST_F(FakeFalconFaultTest, FaultedPageHasNoSideEffects) {
  const json first = json::parse(page()->body);
  const std::string after = first["meta"]["pagination"]["after"];
  const auto expected = api_.combined(combined_body(5, "", after))->body;
  const json expected_json = json::parse(expected);
  for (const Fault f : {Fault::kServerError500, Fault::kDropConnection, Fault::kTruncatedBody,
                        Fault::kRateLimit, Fault::kGarbageBody}) {
    fake_.inject(f);
    auto faulted = api_.combined(combined_body(5, "", after));
    EXPECT_TRUE(!faulted || faulted->status != 200 || !json::accept(faulted->body));
  }
  const json retried = json::parse(api_.combined(combined_body(5, "", after))->body);
  EXPECT_EQ(retried["resources"], expected_json["resources"]);
  EXPECT_EQ(retried["meta"]["pagination"]["after"], expected_json["meta"]["pagination"]["after"]);
}

TEST_F(FakeFalconFaultTest, PathPrefixAndTokenEndpointFaults) {
  fake_.inject(Fault::kServerError500, 1, "/cases/");
  EXPECT_EQ(page()->status, 200) << "prefix does not match alerts";
  EXPECT_EQ(api_.get("/cases/queries/cases/v1", {{"sort", "updated_timestamp.asc"}})->status, 500);

  fake_.inject(Fault::kRateLimit, 2, "/oauth2/token");
  EXPECT_EQ(page()->status, 200) << "token faults only hit the token endpoint";
  EXPECT_EQ(api_.post_token("demo-client-id", "demo-client-secret")->status, 429);
  EXPECT_EQ(api_.post_token("demo-client-id", "demo-client-secret")->status, 429);
  EXPECT_EQ(api_.post_token("demo-client-id", "demo-client-secret")->status, 201);
}

TEST_F(FakeFalconFaultTest, InjectAfterCountsMatchingRequestsFromNow) {
  fake_.inject_after(1, Fault::kExpireToken, 1, "/alerts/");
  fake_.inject_after(2, Fault::kServerError500, 2, "/alerts/");
  EXPECT_EQ(api_.get("/cases/queries/cases/v1", {{"sort", "updated_timestamp.asc"}})->status, 200)
      << "other paths do not count";
  EXPECT_EQ(page()->status, 200);
  EXPECT_EQ(page()->status, 401);
  api_.login();
  EXPECT_EQ(page()->status, 500);
  EXPECT_EQ(page()->status, 500);
  EXPECT_EQ(page()->status, 200);
  EXPECT_EQ(fake_.faults_served(), 3);
}

TEST_F(FakeFalconFaultTest, RawReplacementServesBytesJsonCannot) {
  json a = AlertFactory().make_alert(kBase + 100 * kSec);
  a["description"] = "placeholder";
  fake_.add_alert(a);
  fake_.set_raw_replacement("placeholder", "bad \xC3\x28 byte \xFF end");
  const auto r = api_.combined(combined_body(100));
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("\"bad \xC3\x28 byte \xFF end\""), std::string::npos);
  fake_.clear_raw_replacements();
  EXPECT_NE(api_.combined(combined_body(100))->body.find("placeholder"), std::string::npos);
}

TEST_F(FakeFalconFaultTest, RandomFaultsByProbability) {
  fake_.set_random_faults(1.0, 42, {Fault::kServerError503});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(page()->status, 503);
  EXPECT_EQ(api_.post_token("demo-client-id", "demo-client-secret")->status, 201);
  fake_.set_random_faults(0.5, 42, {Fault::kServerError500});
  int failures = 0;
  for (int i = 0; i < 100; ++i) failures += page()->status == 500 ? 1 : 0;
  EXPECT_GT(failures, 25);
  EXPECT_LT(failures, 75);
  fake_.clear_faults();
  EXPECT_EQ(page()->status, 200);
}

TEST_F(FakeFalconFaultTest, RecordsRequestsWithoutLeakingSecretToApi) {
  ASSERT_EQ(api_.combined(combined_body(5, "created_timestamp:>='2026-05-01T00:00:00Z'"))->status,
            200);
  const auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].path, "/oauth2/token");
  EXPECT_NE(reqs[0].body.find("client_secret=demo-client-secret"), std::string::npos);
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_EQ(reqs[1].status, 200);
  EXPECT_EQ(json::parse(reqs[1].body)["filter"], "created_timestamp:>='2026-05-01T00:00:00Z'");
  EXPECT_EQ(reqs[1].headers.at("authorization"), "Bearer " + api_.token());
  EXPECT_EQ(reqs[1].headers.find("AUTHORIZATION")->second, "Bearer " + api_.token());
  for (const auto& r : reqs) {
    if (r.path == "/oauth2/token") continue;
    EXPECT_EQ(r.body.find("demo-client-secret"), std::string::npos);
    for (const auto& [name, value] : r.headers) {
      EXPECT_EQ(value.find("demo-client-secret"), std::string::npos) << name;
    }
  }
}

TEST(FakeFalconCasesTest, QueryFilterAndEntitiesShuffledAtMost100) {
  FakeFalcon fake;
  AlertFactory factory;
  for (int i = 0; i < 150; ++i) fake.add_case(factory.make_case(kBase + i * kSec, i % 4));
  Api api(fake);
  api.login();
  auto r = api.get("/cases/queries/cases/v1", {{"sort", "updated_timestamp|asc"},
                                               {"limit", "120"},
                                               {"filter",
                                                "updated_timestamp:>='2026-05-01T00:00:10Z'"
                                                "+updated_timestamp:<='2026-05-01T00:02:09Z'"}});
  ASSERT_EQ(r->status, 200) << r->body;
  const json q = json::parse(r->body);
  EXPECT_EQ(q["meta"]["pagination"]["total"], 120);
  EXPECT_EQ(q["meta"]["pagination"]["offset"], 0);
  ASSERT_EQ(q["resources"].size(), 120u);
  EXPECT_FALSE(q["meta"].contains("powered_by"));

  std::vector<std::string> ids(q["resources"].begin(), q["resources"].begin() + 100);
  auto e = api.post("/cases/entities/cases/v2", {{"ids", ids}});
  ASSERT_EQ(e->status, 200);
  const json entities = json::parse(e->body);
  std::vector<std::string> got;
  for (const auto& c : entities["resources"]) got.push_back(c["id"]);
  EXPECT_NE(got, ids) << "shuffled";
  std::vector<std::string> sorted_got = got, sorted_ids = ids;
  std::sort(sorted_got.begin(), sorted_got.end());
  std::sort(sorted_ids.begin(), sorted_ids.end());
  EXPECT_EQ(sorted_got, sorted_ids);

  ids.push_back(q["resources"][100]);
  EXPECT_EQ(api.post("/cases/entities/cases/v2", {{"ids", ids}})->status, 400);
  EXPECT_EQ(api.post("/cases/entities/cases/v2", {{"ids", json::array()}})->status, 400);

  fake.hide_case_from_entities(ids[0]);
  auto partial = api.post("/cases/entities/cases/v2", {{"ids", {ids[0], ids[1], "unknown"}}});
  ASSERT_EQ(partial->status, 200);
  const json p = json::parse(partial->body);
  ASSERT_EQ(p["resources"].size(), 1u);
  EXPECT_EQ(p["resources"][0]["id"], ids[1]);

  // An unencoded '+' arrives as a space and is refused, as on a standard server. (httplib's
  // client would encode it, so send the request line by hand.)
  const std::string target =
      "/cases/queries/cases/v1?sort=updated_timestamp.asc&filter=updated_timestamp:>"
      "'2026-05-01T00:00:10Z'+updated_timestamp:<'2026-05-01T00:00:20Z'";
  const std::string response = raw_get(fake.port(), target, api.token());
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  EXPECT_NE(response.find("%2B"), std::string::npos) << "the message explains the encoding";
  EXPECT_EQ(fake.requests().back().query.find("%2B"), std::string::npos);
}

TEST(FakeFalconCasesTest, OffsetCeilingAt10000) {
  FakeFalcon fake;
  Api api(fake);
  api.login();
  const auto query = [&api](const std::string& offset, const std::string& limit) {
    return api
        .get("/cases/queries/cases/v1",
             {{"sort", "updated_timestamp.asc"}, {"offset", offset}, {"limit", limit}})
        ->status;
  };
  EXPECT_EQ(query("9900", "100"), 200);
  EXPECT_EQ(query("9901", "100"), 500);
  EXPECT_EQ(query("0", "10000"), 200);
  EXPECT_EQ(query("0", "10001"), 400);
  EXPECT_EQ(query("0", "0"), 400);

  FakeFalcon::Options opt;
  opt.cases_offset_ceiling_status = 400;
  FakeFalcon strict(opt);
  Api api400(strict);
  api400.login();
  auto r = api400.get("/cases/queries/cases/v1",
                      {{"sort", "updated_timestamp.asc"}, {"offset", "9999"}, {"limit", "2"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("offset + limit must be less than or equal to 10000"), std::string::npos);
}

TEST(FakeFalconIncidentsTest, QueryAndEntities) {
  FakeFalcon fake;
  AlertFactory factory;
  for (int i = 0; i < 12; ++i) fake.add_incident(factory.make_incident(kBase + i * kSec, i % 3));
  Api api(fake);
  api.login();
  auto r = api.get("/incidents/queries/incidents/v1",
                   {{"sort", "modified_timestamp.asc"},
                    {"limit", "5"},
                    {"offset", "5"},
                    {"filter", "modified_timestamp:>'2026-05-01T00:00:01Z'"}});
  ASSERT_EQ(r->status, 200) << r->body;
  const json q = json::parse(r->body);
  EXPECT_EQ(q["meta"]["pagination"], json({{"offset", 5}, {"limit", 5}, {"total", 10}}));
  EXPECT_EQ(q["meta"]["powered_by"], "incident-api");
  ASSERT_EQ(q["resources"].size(), 5u);
  EXPECT_EQ(q["resources"][0], fake.incidents()[7]["incident_id"]);

  auto e =
      api.post("/incidents/entities/incidents/GET/v1", {{"ids", {q["resources"][0], "inc:x:y"}}});
  ASSERT_EQ(e->status, 200);
  EXPECT_EQ(json::parse(e->body)["resources"].size(), 1u);
  auto empty = api.post("/incidents/entities/incidents/GET/v1", {{"ids", json::array()}});
  EXPECT_EQ(empty->status, 400);
  EXPECT_NE(empty->body.find("can be present up to 500 times"), std::string::npos);
  EXPECT_EQ(api.post("/incidents/entities/incidents/GET/v1",
                     {{"ids", std::vector<std::string>(501, "inc:a:b")}})
                ->status,
            400);
  EXPECT_EQ(
      api.get("/incidents/queries/incidents/v1", {{"sort", "modified_timestamp|asc"}})->status,
      400);
  EXPECT_EQ(api.get("/incidents/queries/incidents/v1",
                    {{"sort", "modified_timestamp.asc"}, {"limit", "501"}})
                ->status,
            400);
}

TEST(FakeFalconIncidentsTest, Decommissioned404) {
  FakeFalcon::Options opt;
  opt.incidents_decommissioned = true;
  FakeFalcon fake(opt);
  Api api(fake);
  api.login();
  const json expected = {{"errors", {{{"message", "No content was received for this request."}}}},
                         {"resources", json::array()}};
  auto q = api.get("/incidents/queries/incidents/v1", {{"sort", "modified_timestamp.asc"}});
  ASSERT_EQ(q->status, 404);
  EXPECT_EQ(json::parse(q->body), expected);
  auto e = api.post("/incidents/entities/incidents/GET/v1", {{"ids", {"inc:a:b"}}});
  EXPECT_EQ(e->status, 404);
  EXPECT_EQ(api.post("/incidents/entities/behaviors/GET/v1", {{"ids", {"x"}}})->status, 404);
  fake.set_incidents_decommissioned(false);
  EXPECT_EQ(
      api.get("/incidents/queries/incidents/v1", {{"sort", "modified_timestamp.asc"}})->status,
      200);
}

TEST(FakeFalconTest, UnknownPathIsGateway404AndPrettyBodiesParse) {
  FakeFalcon::Options opt;
  opt.pretty = true;
  FakeFalcon fake(opt);
  AlertFactory factory;
  fake.add_alerts(factory.make_alerts(3, kBase, kSec));
  Api api(fake);
  api.login();
  auto unknown = api.get("/detects/queries/detects/v1", {});
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body)["errors"][0]["message"], "404: Page Not Found");
  auto r = api.combined(combined_body(10));
  EXPECT_NE(r->body.find("\n  "), std::string::npos);
  EXPECT_EQ(json::parse(r->body)["resources"].size(), 3u);
}

TEST(AlertFactoryTest, TimestampFormattingLikeGoRfc3339Nano) {
  const std::int64_t t = AlertFactory::parse_rfc3339("2026-06-02T02:42:39.85475758Z").value();
  EXPECT_EQ(AlertFactory::format_rfc3339(t), "2026-06-02T02:42:39.85475758Z");
  EXPECT_EQ(AlertFactory::format_rfc3339(t, 3), "2026-06-02T02:42:39.854Z");
  EXPECT_EQ(AlertFactory::format_rfc3339(t, 1), "2026-06-02T02:42:39.8Z");
  EXPECT_EQ(AlertFactory::format_rfc3339(t, 0), "2026-06-02T02:42:39Z");
  EXPECT_EQ(AlertFactory::format_rfc3339(1'000'000'000'500'000'000, 9), "2001-09-09T01:46:40.5Z");
  EXPECT_EQ(AlertFactory::format_rfc3339(-1, 9), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(AlertFactory::parse_rfc3339("2024-02-29T23:00:00-01:00"),
            AlertFactory::parse_rfc3339("2024-03-01T00:00:00Z"));
  EXPECT_FALSE(AlertFactory::parse_rfc3339("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(AlertFactory::parse_rfc3339("2023-01-01T00:00:00"));
  EXPECT_FALSE(AlertFactory::parse_rfc3339("2023-01-01T00:00:00.Z"));
  EXPECT_FALSE(AlertFactory::parse_rfc3339("2023-01-01"));
}

TEST(AlertFactoryTest, AlertsAreUniqueRealisticAndVaried) {
  AlertFactory factory;
  const auto alerts = factory.make_alerts(60, kBase, 1'234'567, 1);
  std::set<std::string> ids;
  std::set<std::size_t> precisions;
  bool non_ascii = false;
  bool no_device = false;
  bool no_severity = false;
  bool ngsiem_prefix = false;
  for (const auto& a : alerts) {
    const std::string id = a["id"];
    EXPECT_EQ(a["composite_id"], a["cid"].get<std::string>() + ":" + id);
    EXPECT_TRUE(ids.insert(a["composite_id"]).second);
    const std::string created = a["created_timestamp"];
    const auto dot = created.find('.');
    precisions.insert(dot == std::string::npos ? 0 : created.size() - dot - 2);
    EXPECT_EQ(created.back(), 'Z');
    EXPECT_GE(AlertFactory::parse_rfc3339(a["updated_timestamp"].get<std::string>()).value(),
              AlertFactory::parse_rfc3339(created).value());
    non_ascii |= a.dump().find("東京") != std::string::npos;
    no_device |= !a.contains("device");
    no_severity |= !a.contains("severity");
    ngsiem_prefix |= id.rfind("ngsiem:", 0) == 0;
  }
  EXPECT_GE(precisions.size(), 8u);
  EXPECT_TRUE(non_ascii);
  EXPECT_TRUE(no_device);
  EXPECT_TRUE(no_severity);
  EXPECT_TRUE(ngsiem_prefix);
}

TEST(AlertFactoryTest, MakeAlertsIsInServingOrderAndMakeAlertIsExact) {
  AlertFactory factory;
  const std::int64_t start = kBase + 123'456'789;
  const auto alerts = factory.make_alerts(90, start, kSec / 7, 3);
  FakeFalcon fake;
  fake.add_alerts(alerts);
  EXPECT_EQ(composite_ids(alerts), composite_ids(fake.alerts()));
  for (std::size_t i = 0; i < alerts.size(); i += 3) {
    EXPECT_EQ(alerts[i]["created_timestamp"], alerts[i + 2]["created_timestamp"]) << "group";
    if (i > 0) {
      EXPECT_LT(AlertFactory::parse_rfc3339(alerts[i - 1]["created_timestamp"].get<std::string>()),
                AlertFactory::parse_rfc3339(alerts[i]["created_timestamp"].get<std::string>()));
    }
  }
  EXPECT_EQ(factory.make_alert(start)["created_timestamp"], "2026-05-01T00:00:00.123456789Z");
  EXPECT_EQ(factory.make_case(start, 0)["updated_timestamp"], "2026-05-01T00:00:00.123456789Z");
  factory.set_fraction_digits(3);
  EXPECT_EQ(factory.make_alert(start)["created_timestamp"], "2026-05-01T00:00:00.123Z");
  EXPECT_EQ(AlertFactory::truncate_ns(start, 1), kBase + 100'000'000);
}

TEST(AlertFactoryTest, IncidentsAndCasesShapes) {
  AlertFactory factory;
  const json none = factory.make_incident(kBase, 0);
  EXPECT_FALSE(none.contains("hosts"));
  EXPECT_TRUE(none["host_ids"].empty());
  const json three = factory.make_incident(kBase + 1, 3);
  EXPECT_EQ(three["hosts"].size(), 3u);
  EXPECT_EQ(three["host_ids"][2], three["hosts"][2]["device_id"]);
  const std::string inc_id = three["incident_id"];
  EXPECT_EQ(inc_id.size(), 4u + 32 + 1 + 32);
  EXPECT_EQ(three["modified_timestamp"], "2026-05-01T00:00:00.000000001Z");

  const json c = factory.make_case(kBase, 2, {"cid:ind:a:1-2-3"});
  const std::string case_id = c["id"];
  EXPECT_GE(case_id.size(), 108u);
  EXPECT_LE(case_id.size(), 112u);
  EXPECT_EQ(c["analysis_results"]["hosts"]["records"].size(), 2u);
  EXPECT_EQ(c["evidence"]["alerts"]["records"][0]["selector"]["id"], "cid:ind:a:1-2-3");
  const json bare = factory.make_case(kBase, 0);
  EXPECT_TRUE(bare["analysis_results"]["hosts"]["records"].empty());
  EXPECT_TRUE(bare["evidence"]["alerts"]["records"].empty());
  EXPECT_NE(c["reference_id"], bare["reference_id"]);
}

}  // namespace
