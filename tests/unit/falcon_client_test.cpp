#include "csbridge/falcon_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"
#include "fakes/fake_transport.h"

namespace csbridge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using testing::FakeClock;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kBase = "https://api.example.test";
const std::string kPath = "/alerts/combined/alerts/v1";
constexpr double kUnit = 0.5;  // every random sample

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(CSBRIDGE_TEST_DATA_DIR) + "/responses/" + name);
  EXPECT_TRUE(in) << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Accepts a JSON object body and returns its "value" member; anything else is kParse.
Result<std::string> parse_value(const HttpResponse& r) {
  const auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("value") || !doc["value"].is_string()) {
    return Error{ErrorCode::kParse, "garbled body"};
  }
  return doc["value"].get<std::string>();
}

std::string ok_body(const std::string& v) { return nlohmann::json{{"value", v}}.dump(); }

/// Token requests are answered by the fixture with numbered tokens ("tok-1", "tok-2"...);
/// API requests from the `api` script, in order.
class FalconClientTest : public ::testing::Test {
 protected:
  FalconClientTest() {
    transport.set_handler([this](const HttpRequest& r) -> Result<HttpResponse> {
      if (r.url == kBase + "/oauth2/token") {
        if (!token_failures.empty()) {
          auto f = std::move(token_failures.front());
          token_failures.pop_front();
          return f;
        }
        ++tokens_issued;
        return FakeTransport::response(
            201, nlohmann::json{{"access_token", "tok-" + std::to_string(tokens_issued)},
                                {"expires_in", 1799}}
                     .dump());
      }
      api_requests.push_back(r);
      if (api.empty()) {
        ADD_FAILURE() << "unscripted API request " << r.url;
        return Error{ErrorCode::kTransport, "unscripted"};
      }
      auto next = std::move(api.front());
      api.pop_front();
      return next;
    });
  }

  void answer(int status, std::string body = {},
              const std::map<std::string, std::string>& headers = {}) {
    api.emplace_back(FakeTransport::response(status, std::move(body), headers));
  }
  void answer_error(ErrorCode code, std::string message) {
    api.emplace_back(Error{code, std::move(message)});
  }

  RetryPolicy policy() const {
    RetryPolicy p;
    p.max_attempts = 8;
    p.base = milliseconds{1000};
    p.cap = milliseconds{60'000};
    p.max_rate_limit_wait = milliseconds{600'000};
    p.rate_limit_jitter = milliseconds{2000};
    return p;
  }

  FalconClient client(RetryPolicy p) {
    return FalconClient{transport, clock, oauth, kBase, p, [] { return kUnit; }};
  }
  FalconClient client() { return client(policy()); }

  Result<std::string> call(FalconClient& c, HttpRequest r = {}) {
    if (r.url.empty()) r.url = kPath;
    return c.call<std::string>(std::move(r), parse_value, stop);
  }

  std::int64_t now_s() const {
    return std::chrono::duration_cast<seconds>(clock.system_now().time_since_epoch()).count();
  }

  FakeTransport transport;
  FakeClock clock;
  OAuth2Client oauth{transport, clock, Credentials{"id", "secret", ""}, kBase};
  StopSignal stop;
  std::deque<Result<HttpResponse>> api;
  std::deque<Result<HttpResponse>> token_failures;
  std::vector<HttpRequest> api_requests;
  int tokens_issued = 0;
};

TEST_F(FalconClientTest, SendsTheBearerTokenToTheBaseUrl) {
  answer(200, ok_body("one"));
  answer(200, ok_body("two"));
  auto c = client();
  HttpRequest r;
  r.method = "POST";
  r.url = kPath + "?limit=2";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = R"({"filter":"x"})";
  auto got = call(c, r);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(), "one");

  ASSERT_EQ(api_requests.size(), 1U);
  const HttpRequest& sent = api_requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, kBase + kPath + "?limit=2");
  EXPECT_EQ(sent.body, R"({"filter":"x"})");
  EXPECT_EQ(FakeTransport::header(sent, "Authorization"), "Bearer tok-1");
  EXPECT_EQ(FakeTransport::header(sent, "Content-Type"), "application/json");
  EXPECT_EQ(FakeTransport::header(sent, "Accept"), "application/json");

  // The token is reused for the next call.
  got = call(c);
  ASSERT_TRUE(got);
  EXPECT_EQ(got.value(), "two");
  EXPECT_EQ(FakeTransport::header(api_requests[1], "Authorization"), "Bearer tok-1");
  EXPECT_EQ(tokens_issued, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST_F(FalconClientTest, RateLimitedWaitsForRetryAfterPlusJitter) {
  answer(429, fixture("error_429_rate_limited_CONSTRUCTED.json"),
         {{"X-RateLimit-RetryAfter", std::to_string(now_s() + 7)}});
  answer(200, ok_body("after-429"));
  auto c = client();
  auto got = call(c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(), "after-429");
  // 7 s until RetryAfter + jitter (2 s * 0.5).
  EXPECT_THAT(clock.sleeps, ElementsAre(milliseconds{8000}));
  EXPECT_EQ(api_requests.size(), 2U);
}

TEST_F(FalconClientTest, RateLimitedWaitsAreClampedAndHaveFallbacks) {
  // ms epoch; far-future RetryAfter: clamped; RetryAfter in the past: only jitter;
  // no header: base + jitter; Retry-After delta seconds as a fallback.
  // (All headers are computed now; each sleep advances the fake clock.)
  answer(429, "", {{"X-RateLimit-RetryAfter", std::to_string((now_s() + 3) * 1000 + 250)}});
  answer(429, "", {{"X-RateLimit-RetryAfter", std::to_string(now_s() + 86'400)}});
  answer(429, "", {{"X-RateLimit-RetryAfter", std::to_string(now_s() - 100)}});
  answer(429, "");
  answer(429, "", {{"Retry-After", "4"}});
  answer(200, ok_body("ok"));
  auto c = client();
  auto got = call(c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_THAT(clock.sleeps,
              ElementsAre(milliseconds{3250 + 1000}, milliseconds{600'000}, milliseconds{1000},
                          milliseconds{1000 + 1000}, milliseconds{4000 + 1000}));
}

TEST_F(FalconClientTest, ServerAndTransportErrorsBackOffExponentially) {
  answer(500, fixture("error_500_internal_CONSTRUCTED.json"));
  answer(503, "Service Unavailable");
  answer_error(ErrorCode::kTransport, "Connection reset by peer");
  answer_error(ErrorCode::kTimeout, "Operation timed out");
  answer(502, "");
  answer_error(ErrorCode::kTooLarge, "response larger than 10 bytes");
  answer(200, ok_body("finally"));
  auto c = client();
  auto got = call(c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(), "finally");
  // Full jitter with the sample 0.5: half of 1, 2, 4, 8, 16, 32 s.
  EXPECT_THAT(clock.sleeps,
              ElementsAre(milliseconds{500}, milliseconds{1000}, milliseconds{2000},
                          milliseconds{4000}, milliseconds{8000}, milliseconds{16'000}));
  EXPECT_EQ(api_requests.size(), 7U);
  EXPECT_EQ(tokens_issued, 1);
}

TEST_F(FalconClientTest, BackoffIsCapped) {
  RetryPolicy p = policy();
  p.max_attempts = 7;
  p.cap = milliseconds{3000};
  for (int i = 0; i < 6; ++i) answer(500, "");
  answer(200, ok_body("ok"));
  auto c = client(p);
  auto got = call(c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_THAT(clock.sleeps,
              ElementsAre(milliseconds{500}, milliseconds{1000}, milliseconds{1500},
                          milliseconds{1500}, milliseconds{1500}, milliseconds{1500}));
}

struct ExhaustedCase {
  std::string name;
  Result<HttpResponse> answer;
  ErrorCode code;
  int http_status;
};

class FalconClientExhausted : public FalconClientTest,
                              public ::testing::WithParamInterface<ExhaustedCase> {};

TEST_P(FalconClientExhausted, ReturnsTheLastErrorAfterMaxAttempts) {
  const auto& c = GetParam();
  RetryPolicy p = policy();
  p.max_attempts = 3;
  for (int i = 0; i < 3; ++i) api.push_back(c.answer);
  auto fc = client(p);
  auto got = call(fc);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, c.code) << got.error().message;
  EXPECT_EQ(got.error().http_status, c.http_status);
  EXPECT_THAT(got.error().message, HasSubstr(kPath));
  EXPECT_EQ(api_requests.size(), 3U);
  EXPECT_EQ(clock.sleeps.size(), 2U);
  EXPECT_THAT(got.error().message, Not(HasSubstr("tok-")));
}

INSTANTIATE_TEST_SUITE_P(
    Failures, FalconClientExhausted,
    ::testing::Values(
        ExhaustedCase{"server", FakeTransport::response(500, ""), ErrorCode::kServer, 500},
        ExhaustedCase{"unavailable", FakeTransport::response(503, ""), ErrorCode::kServer, 503},
        ExhaustedCase{"rate", FakeTransport::response(429, ""), ErrorCode::kRateLimited, 429},
        ExhaustedCase{"transport", Error{ErrorCode::kTransport, "reset"}, ErrorCode::kTransport, 0},
        ExhaustedCase{"timeout", Error{ErrorCode::kTimeout, "timed out"}, ErrorCode::kTimeout, 0},
        ExhaustedCase{"parse", FakeTransport::response(200, "<html>"), ErrorCode::kParse, 0}),
    [](const auto& p) { return p.param.name; });

TEST_F(FalconClientTest, MaxAttemptsOneMeansNoRetry) {
  RetryPolicy p = policy();
  p.max_attempts = 1;
  answer(500, "");
  auto c = client(p);
  auto got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kServer);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST_F(FalconClientTest, A401GetsOneNewTokenAndOneRetry) {
  answer(200, ok_body("first"));
  answer(401, fixture("error_401_invalid_bearer_CONSTRUCTED.json"));
  answer(200, ok_body("second"));
  auto c = client();
  ASSERT_TRUE(call(c));
  auto got = call(c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(), "second");
  EXPECT_EQ(tokens_issued, 2);
  ASSERT_EQ(api_requests.size(), 3U);
  EXPECT_EQ(FakeTransport::header(api_requests[1], "Authorization"), "Bearer tok-1");
  EXPECT_EQ(FakeTransport::header(api_requests[2], "Authorization"), "Bearer tok-2");
  EXPECT_TRUE(clock.sleeps.empty()) << "a 401 retry needs no backoff";
}

TEST_F(FalconClientTest, ASecond401IsAnAuthError) {
  answer(401, fixture("error_401_invalid_bearer_CONSTRUCTED.json"), {{"X-Cs-Traceid", "tr-1"}});
  answer(401, fixture("error_401_invalid_bearer_CONSTRUCTED.json"), {{"X-Cs-Traceid", "tr-2"}});
  auto c = client();
  auto got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kAuth);
  EXPECT_EQ(got.error().http_status, 401);
  EXPECT_EQ(tokens_issued, 2);
  EXPECT_EQ(api_requests.size(), 2U);
  EXPECT_TRUE(clock.sleeps.empty());
  EXPECT_THAT(got.error().message, Not(HasSubstr("tok-")));
}

TEST_F(FalconClientTest, TokenRequestFailuresAreRetriedOrReturned) {
  // A transient token failure is backed off and retried; the API call then succeeds.
  token_failures.push_back(FakeTransport::response(500, ""));
  answer(200, ok_body("ok"));
  auto c = client();
  auto got = call(c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_THAT(clock.sleeps, ElementsAre(milliseconds{500}));

  // Bad credentials are not retried.
  oauth.invalidate();
  token_failures.push_back(
      FakeTransport::response(400, fixture("oauth2_token_400_bad_client.json")));
  got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kAuth);
  EXPECT_EQ(clock.sleeps.size(), 1U);
  EXPECT_EQ(api_requests.size(), 1U);
}

struct ClientErrorCase {
  int status;
  std::string fixture;
  std::string api_message;
  std::string trace_id;
};

class FalconClientClientError : public FalconClientTest,
                                public ::testing::WithParamInterface<ClientErrorCase> {};

TEST_P(FalconClientClientError, IsNotRetriedAndCarriesTheApiMessage) {
  const auto& c = GetParam();
  answer(c.status, fixture(c.fixture));
  auto fc = client();
  auto got = call(fc);
  ASSERT_FALSE(got);
  const Error& e = got.error();
  EXPECT_EQ(e.code, ErrorCode::kHttpStatus);
  EXPECT_EQ(e.http_status, c.status);
  EXPECT_THAT(e.message, HasSubstr(c.api_message));
  EXPECT_THAT(e.message, HasSubstr(c.trace_id));
  EXPECT_THAT(e.message, HasSubstr("GET " + kPath));
  EXPECT_EQ(e.trace_id, c.trace_id);
  EXPECT_EQ(api_requests.size(), 1U);
  EXPECT_TRUE(clock.sleeps.empty());
  EXPECT_THAT(e.message, Not(HasSubstr("tok-1")));
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, FalconClientClientError,
    ::testing::Values(ClientErrorCase{400, "incidents_entities_400_empty_ids.json",
                                      "The 'ids' parameter must be present at least once",
                                      "00000000-0000-4000-8000-00000000b400"},
                      ClientErrorCase{403, "error_403_missing_scope.json",
                                      "access denied, authorization failed",
                                      "00000000-0000-4000-8000-000000000403"},
                      ClientErrorCase{404, "error_404_gateway_page_not_found.json",
                                      "404: Page Not Found",
                                      "00000000-0000-4000-8000-000000000404"}));

TEST_F(FalconClientTest, AGarbledBodyIsRetried) {
  answer(200, "{\"value\": \"trunc", {{"X-Cs-Traceid", "tr-garbled"}});
  answer(200, ok_body("clean"));
  auto c = client();
  auto got = call(c);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(), "clean");
  EXPECT_THAT(clock.sleeps, ElementsAre(milliseconds{500}));
}

TEST_F(FalconClientTest, AParseErrorNamesTheCallAndTheTraceId) {
  RetryPolicy p = policy();
  p.max_attempts = 2;
  answer(200, "garbage", {{"X-Cs-Traceid", "tr-garbled"}});
  answer(200, "garbage", {{"X-Cs-Traceid", "tr-garbled"}});
  auto c = client(p);
  auto got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kParse);
  EXPECT_EQ(got.error().trace_id, "tr-garbled");
  EXPECT_THAT(got.error().message, HasSubstr("GET " + kPath));
  EXPECT_THAT(got.error().message, HasSubstr("garbled body"));
  EXPECT_THAT(got.error().message, HasSubstr("tr-garbled"));
}

TEST_F(FalconClientTest, ANonTransientParserErrorIsNotRetried) {
  answer(200, ok_body("x"));
  auto c = client();
  auto got = c.call<int>(
      HttpRequest{"GET", kPath, {}, {}},
      [](const HttpResponse&) -> Result<int> {
        return Error{ErrorCode::kConfig, "bad"};
      },
      stop);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST_F(FalconClientTest, AStopDuringABackoffEndsTheCall) {
  answer(500, "");
  clock.on_sleep = [](milliseconds, StopSignal& s) { s.request_stop(); };
  auto c = client();
  auto got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kStopped);
  EXPECT_EQ(clock.sleeps.size(), 1U);
  EXPECT_EQ(api_requests.size(), 1U) << "no request after the stop";
}

TEST_F(FalconClientTest, AStopDuringARateLimitWaitEndsTheCall) {
  answer(429, "", {{"X-RateLimit-RetryAfter", std::to_string(now_s() + 300)}});
  clock.on_sleep = [](milliseconds, StopSignal& s) { s.request_stop(); };
  auto c = client();
  auto got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kStopped);
  EXPECT_EQ(api_requests.size(), 1U);
}

TEST_F(FalconClientTest, AStopBeforeTheCallSendsNothing) {
  stop.request_stop();
  auto c = client();
  auto got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kStopped);
  EXPECT_TRUE(transport.requests.empty());
}

TEST_F(FalconClientTest, TheTokenNeverAppearsInErrorMessages) {
  const std::vector<Result<HttpResponse>> failures = {
      FakeTransport::response(400, fixture("incidents_entities_400_empty_ids.json")),
      FakeTransport::response(403, fixture("error_403_missing_scope.json")),
      FakeTransport::response(404, "<html>not found</html>"),
      FakeTransport::response(500, fixture("error_500_internal_CONSTRUCTED.json")),
      FakeTransport::response(429, fixture("error_429_rate_limited_CONSTRUCTED.json")),
      FakeTransport::response(200, "garbage"),
      Error{ErrorCode::kTransport, "Connection reset by peer"},
      Error{ErrorCode::kTimeout, "timed out"},
  };
  RetryPolicy p = policy();
  p.max_attempts = 1;
  auto c = client(p);
  for (const auto& f : failures) {
    api.push_back(f);
    auto got = call(c);
    ASSERT_FALSE(got);
    EXPECT_THAT(got.error().message, Not(HasSubstr("tok-1"))) << got.error().message;
    EXPECT_THAT(got.error().message, Not(HasSubstr("Bearer"))) << got.error().message;
    EXPECT_THAT(got.error().trace_id, Not(HasSubstr("tok-1")));
  }
  // Two 401s: the auth error path.
  answer(401, "");
  answer(401, "");
  auto got = call(c);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kAuth);
  EXPECT_THAT(got.error().message, Not(HasSubstr("tok-")));
}

}  // namespace
}  // namespace csbridge
