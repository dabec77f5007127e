#include "csbridge/oauth2_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <map>
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
using testing::FakeClock;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kBase = "https://api.example.test";
const std::string kSecret = "s3cr&t=a+b c%";
const std::string kClientId = "client id+1";

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(CSBRIDGE_TEST_DATA_DIR) + "/responses/" + name);
  EXPECT_TRUE(in) << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string token_body(const std::string& token, long long expires_in = 1799) {
  return nlohmann::json{
      {"access_token", token}, {"token_type", "bearer"}, {"expires_in", expires_in}}
      .dump();
}

/// Decodes an application/x-www-form-urlencoded body ('+' is a space).
std::multimap<std::string, std::string> decode_form(const std::string& body) {
  const auto unescape = [](const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out += ' ';
      } else if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::multimap<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    auto amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    const std::string pair = body.substr(pos, amp - pos);
    const auto eq = pair.find('=');
    EXPECT_NE(eq, std::string::npos) << "form pair without '=': " << pair;
    out.emplace(unescape(pair.substr(0, eq)), unescape(pair.substr(eq + 1)));
    pos = amp + 1;
  }
  return out;
}

class OAuth2ClientTest : public ::testing::Test {
 protected:
  OAuth2Client make(Credentials c = Credentials{kClientId, kSecret, ""}) {
    return OAuth2Client{transport, clock, std::move(c), kBase};
  }

  /// Every place an Error can leak text: message and trace id.
  static void expect_no_secrets(const Error& e, const std::string& token = "") {
    for (const std::string& field : {e.message, e.trace_id}) {
      EXPECT_THAT(field, Not(HasSubstr(kSecret)));
      EXPECT_THAT(field, Not(HasSubstr(form_urlencode(kSecret))));
      EXPECT_THAT(field, Not(HasSubstr("s3cr")));
      if (!token.empty()) {
        EXPECT_THAT(field, Not(HasSubstr(token)));
      }
    }
  }

  FakeTransport transport;
  FakeClock clock;
};

TEST(FormUrlencode, EscapesEverythingButUnreservedCharacters) {
  EXPECT_EQ(form_urlencode(""), "");
  EXPECT_EQ(form_urlencode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(form_urlencode("a&b=c+d e%f"), "a%26b%3Dc%2Bd%20e%25f");
  EXPECT_EQ(form_urlencode("/?#[]@!$'()*,;"), "%2F%3F%23%5B%5D%40%21%24%27%28%29%2A%2C%3B");
  EXPECT_EQ(form_urlencode("\n\r\t"), "%0A%0D%09");
  EXPECT_EQ(form_urlencode(std::string{"\0x", 2}), "%00x");
  EXPECT_EQ(form_urlencode("p\xC3\xA4\xFF"), "p%C3%A4%FF");
}

TEST_F(OAuth2ClientTest, PostsTheCredentialsAsAnUrlencodedForm) {
  transport.enqueue(201, token_body("tok-1"));
  auto oauth = make();
  auto t = oauth.token();
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t.value(), "tok-1");

  ASSERT_EQ(transport.requests.size(), 1U);
  const HttpRequest& r = transport.requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kBase + "/oauth2/token");
  EXPECT_EQ(FakeTransport::header(r, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(FakeTransport::header(r, "Accept"), "application/json");
  EXPECT_FALSE(FakeTransport::header(r, "Authorization").has_value());
  // The raw secret's '&', '=', '+' and ' ' must not split or alter the form.
  EXPECT_THAT(r.body, Not(HasSubstr(kSecret)));
  const auto form = decode_form(r.body);
  EXPECT_EQ(form.size(), 2U) << r.body;
  ASSERT_EQ(form.count("client_id"), 1U);
  ASSERT_EQ(form.count("client_secret"), 1U);
  EXPECT_EQ(form.find("client_id")->second, kClientId);
  EXPECT_EQ(form.find("client_secret")->second, kSecret);
  EXPECT_EQ(form.count("member_cid"), 0U);
  EXPECT_EQ(oauth.token_requests(), 1);
}

TEST_F(OAuth2ClientTest, SendsMemberCidWhenSet) {
  transport.enqueue(201, token_body("tok-1"));
  auto oauth = make(Credentials{kClientId, kSecret, "0000abcd&x=1"});
  ASSERT_TRUE(oauth.token());
  ASSERT_EQ(transport.requests.size(), 1U);
  const auto form = decode_form(transport.requests[0].body);
  EXPECT_EQ(form.size(), 3U);
  ASSERT_EQ(form.count("member_cid"), 1U);
  EXPECT_EQ(form.find("member_cid")->second, "0000abcd&x=1");
}

class OAuth2SuccessStatus : public OAuth2ClientTest, public ::testing::WithParamInterface<int> {};

TEST_P(OAuth2SuccessStatus, IsAccepted) {
  transport.enqueue(GetParam(), fixture("oauth2_token_201.json"));
  auto oauth = make();
  auto t = oauth.token();
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_THAT(t.value(), ::testing::StartsWith("eyJhbGciOiJSUzI1NiIs"));
}

INSTANTIATE_TEST_SUITE_P(Statuses, OAuth2SuccessStatus, ::testing::Values(200, 201));

TEST_F(OAuth2ClientTest, CachesTheTokenUntil120SecondsBeforeExpiry) {
  transport.enqueue(201, token_body("tok-1", 1799));
  transport.enqueue(201, token_body("tok-2", 1799));
  auto oauth = make();
  const auto obtained = clock.steady_now();
  // Every 30 s up to 1650 s: always the cached token.
  for (int i = 0; i <= 55; ++i) {
    auto t = oauth.token();
    ASSERT_TRUE(t);
    EXPECT_EQ(t.value(), "tok-1");
    clock.advance(seconds{30});
  }
  EXPECT_EQ(transport.requests.size(), 1U);

  // 1799 - 120 = 1679 s after the token was obtained.
  clock.set_steady_now(obtained + seconds{1679} - milliseconds{1});
  ASSERT_TRUE(oauth.token());
  EXPECT_EQ(transport.requests.size(), 1U) << "renewed too early";

  clock.advance(milliseconds{1});
  auto t = oauth.token();
  ASSERT_TRUE(t);
  EXPECT_EQ(t.value(), "tok-2");
  EXPECT_EQ(transport.requests.size(), 2U);
  EXPECT_EQ(oauth.token_requests(), 2);

  // The new token is cached in turn.
  clock.advance(seconds{1000});
  ASSERT_TRUE(oauth.token());
  EXPECT_EQ(transport.requests.size(), 2U);
}

TEST_F(OAuth2ClientTest, UsesTheSteadyClockNotTheWallClock) {
  transport.enqueue(201, token_body("tok-1", 1799));
  auto oauth = make();
  ASSERT_TRUE(oauth.token());
  // A wall-clock jump (NTP, DST, manual change) must not expire or extend the token.
  clock.set_system_now(clock.system_now() + std::chrono::hours{24});
  ASSERT_TRUE(oauth.token());
  EXPECT_EQ(transport.requests.size(), 1U);
}

struct LifetimeCase {
  long long expires_in;
  milliseconds renew_after;
};

class OAuth2Lifetime : public OAuth2ClientTest,
                       public ::testing::WithParamInterface<LifetimeCase> {};

TEST_P(OAuth2Lifetime, RenewsAtTheRightPoint) {
  const auto& c = GetParam();
  transport.enqueue(201, token_body("tok-1", c.expires_in));
  transport.enqueue(201, token_body("tok-2", c.expires_in));
  auto oauth = make();
  ASSERT_TRUE(oauth.token());
  if (c.renew_after > milliseconds{0}) {
    clock.advance(c.renew_after - milliseconds{1});
    auto t = oauth.token();
    ASSERT_TRUE(t);
    EXPECT_EQ(t.value(), "tok-1") << "expires_in " << c.expires_in;
    clock.advance(milliseconds{1});
  }
  auto t = oauth.token();
  ASSERT_TRUE(t);
  EXPECT_EQ(t.value(), "tok-2") << "expires_in " << c.expires_in;
  EXPECT_EQ(transport.requests.size(), 2U);
}

INSTANTIATE_TEST_SUITE_P(
    Lifetimes, OAuth2Lifetime,
    ::testing::Values(LifetimeCase{1799, seconds{1679}},
                      LifetimeCase{241, seconds{121}},  // window 120 < 241/2
                      LifetimeCase{240, seconds{120}},  // window == lifetime / 2
                      LifetimeCase{60, seconds{30}},    // short: renewed at half-life
                      LifetimeCase{2, seconds{1}},
                      LifetimeCase{1, seconds{1}},  // no window left: renewed at expiry
                      LifetimeCase{0, seconds{1}},  // nonsense lifetimes count as 1 s
                      LifetimeCase{-100, seconds{1}}));

TEST_F(OAuth2ClientTest, MissingOrNonIntegerExpiresInUsesTheDocumentedLifetime) {
  for (const std::string& body : {std::string{R"({"access_token":"tok-1"})"},
                                  std::string{R"({"access_token":"tok-1","expires_in":"600"})"},
                                  std::string{R"({"access_token":"tok-1","expires_in":600.5})"},
                                  std::string{R"({"access_token":"tok-1","expires_in":null})"}}) {
    FakeTransport local;
    FakeClock local_clock;
    local.enqueue(201, body);
    local.enqueue(201, token_body("tok-2"));
    OAuth2Client oauth{local, local_clock, Credentials{kClientId, kSecret, ""}, kBase};
    ASSERT_TRUE(oauth.token()) << body;
    local_clock.advance(seconds{1679} - milliseconds{1});
    ASSERT_TRUE(oauth.token());
    EXPECT_EQ(local.requests.size(), 1U) << body;
    local_clock.advance(milliseconds{1});
    ASSERT_TRUE(oauth.token());
    EXPECT_EQ(local.requests.size(), 2U) << body;
  }
}

TEST_F(OAuth2ClientTest, AHugeExpiresInNeitherOverflowsNorCachesForever) {
  transport.enqueue(201, token_body("tok-1", std::numeric_limits<long long>::max()));
  transport.enqueue(201, token_body("tok-2"));
  auto oauth = make();
  ASSERT_TRUE(oauth.token());
  clock.advance(seconds{60});
  auto t = oauth.token();
  ASSERT_TRUE(t);
  EXPECT_EQ(t.value(), "tok-1");
  // Falcon tokens live 30 minutes; whatever the server claims, a day later it is renewed.
  clock.advance(std::chrono::hours{24});
  t = oauth.token();
  ASSERT_TRUE(t);
  EXPECT_EQ(t.value(), "tok-2");
}

TEST_F(OAuth2ClientTest, InvalidateForcesANewRequest) {
  transport.enqueue(201, token_body("tok-1"));
  transport.enqueue(201, token_body("tok-2"));
  auto oauth = make();
  ASSERT_EQ(oauth.token().value(), "tok-1");
  ASSERT_EQ(oauth.token().value(), "tok-1");
  oauth.invalidate();
  ASSERT_EQ(oauth.token().value(), "tok-2");
  ASSERT_EQ(oauth.token().value(), "tok-2");
  EXPECT_EQ(transport.requests.size(), 2U);
  EXPECT_EQ(oauth.token_requests(), 2);
}

struct AuthFailureCase {
  int status;
  std::string fixture;
  std::string api_message;
  std::string trace_id;
};

class OAuth2AuthFailure : public OAuth2ClientTest,
                          public ::testing::WithParamInterface<AuthFailureCase> {};

TEST_P(OAuth2AuthFailure, IsKAuthWithTheApiMessageAndTraceId) {
  const auto& c = GetParam();
  transport.enqueue(c.status, fixture(c.fixture));
  auto oauth = make();
  auto t = oauth.token();
  ASSERT_FALSE(t);
  const Error& e = t.error();
  EXPECT_EQ(e.code, ErrorCode::kAuth);
  EXPECT_EQ(e.http_status, c.status);
  EXPECT_EQ(e.trace_id, c.trace_id);
  EXPECT_THAT(e.message, HasSubstr(c.api_message));
  EXPECT_THAT(e.message, HasSubstr(c.trace_id));
  EXPECT_THAT(e.message, HasSubstr(std::to_string(c.status)));
  EXPECT_FALSE(is_transient(e));
  expect_no_secrets(e);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, OAuth2AuthFailure,
    ::testing::Values(AuthFailureCase{400, "oauth2_token_400_bad_client.json",
                                      "Failed to generate access token for clientID=not-valid.",
                                      "00000000-0000-4000-8000-000000000400"},
                      AuthFailureCase{403, "oauth2_token_403_not_authorized.json",
                                      "Failed to issue access token - Not Authorized",
                                      "00000000-0000-4000-8000-000000000403"},
                      AuthFailureCase{403, "oauth2_token_403_ip_allowlist_CONSTRUCTED.json",
                                      "access denied, authorization failed",
                                      "00000000-0000-4000-8000-000000000413"}));

TEST_F(OAuth2ClientTest, RateLimitedCarriesTheRetryAfter) {
  const auto now_s =
      std::chrono::duration_cast<seconds>(clock.system_now().time_since_epoch()).count();
  transport.enqueue(429, fixture("error_429_rate_limited_CONSTRUCTED.json"),
                    {{"X-RateLimit-RetryAfter", std::to_string(now_s + 9)}});
  auto oauth = make();
  auto t = oauth.token();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(t.error().http_status, 429);
  EXPECT_EQ(t.error().retry_after, milliseconds{9000});
  EXPECT_THAT(t.error().message, HasSubstr("API rate limit exceeded."));
  EXPECT_TRUE(is_transient(t.error()));
  expect_no_secrets(t.error());
}

TEST_F(OAuth2ClientTest, ServerErrorIsKServer) {
  transport.enqueue(500, fixture("error_500_internal_CONSTRUCTED.json"));
  transport.enqueue(503, "<html>Service Unavailable</html>", {{"X-Cs-Traceid", "tr-503"}});
  auto oauth = make();
  auto t = oauth.token();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kServer);
  EXPECT_EQ(t.error().http_status, 500);
  EXPECT_EQ(t.error().trace_id, "00000000-0000-4000-8000-000000000500");
  expect_no_secrets(t.error());
  t = oauth.token();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kServer);
  EXPECT_EQ(t.error().trace_id, "tr-503");
  expect_no_secrets(t.error());
  EXPECT_EQ(oauth.token_requests(), 2);
}

TEST_F(OAuth2ClientTest, TransportErrorsPassThrough) {
  transport.enqueue_error(ErrorCode::kTimeout, "Operation timed out after 10000 milliseconds");
  transport.enqueue_error(ErrorCode::kTransport, "Could not resolve host");
  auto oauth = make();
  auto t = oauth.token();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kTimeout);
  expect_no_secrets(t.error());
  t = oauth.token();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kTransport);
  expect_no_secrets(t.error());
}

class OAuth2BadTokenBody : public OAuth2ClientTest,
                           public ::testing::WithParamInterface<std::string> {};

TEST_P(OAuth2BadTokenBody, IsKParseAndNeverEchoesTheBody) {
  transport.enqueue(201, GetParam(), {{"X-Cs-Traceid", "tr-201"}});
  auto oauth = make();
  auto t = oauth.token();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kParse);
  EXPECT_EQ(t.error().trace_id, "tr-201");
  expect_no_secrets(t.error(), "half-valid-token");
  // Nothing was cached: the next call asks again.
  transport.enqueue(201, token_body("tok-ok"));
  auto again = oauth.token();
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value(), "tok-ok");
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, OAuth2BadTokenBody,
    ::testing::Values("", "not json", "[]", "null", R"({"token_type":"bearer"})",
                      R"({"access_token":""})", R"({"access_token":null})",
                      R"({"access_token":42})", R"({"access_token":["half-valid-token"]})",
                      R"({"access_token":"half-valid-token")",  // truncated
                      R"({"access_token":"half-valid-token","expires_in":1799} trailing)"));

TEST_F(OAuth2ClientTest, AFailedRenewalDropsTheStaleToken) {
  transport.enqueue(201, token_body("tok-1", 60));
  transport.enqueue(500, "");
  auto oauth = make();
  ASSERT_TRUE(oauth.token());
  clock.advance(seconds{31});
  EXPECT_FALSE(oauth.token());
  transport.enqueue(201, token_body("tok-2"));
  EXPECT_EQ(oauth.token().value(), "tok-2");
}

TEST_F(OAuth2ClientTest, NeitherSecretNorTokenAppearInAnyErrorMessage) {
  // A token that was issued, then every failure a later renewal can meet.
  const std::string token = "very-secret-bearer-token";
  const auto now_s =
      std::chrono::duration_cast<seconds>(clock.system_now().time_since_epoch()).count();
  const std::vector<Result<HttpResponse>> failures = {
      FakeTransport::response(400, fixture("oauth2_token_400_bad_client.json")),
      FakeTransport::response(401, ""),
      FakeTransport::response(403, fixture("oauth2_token_403_ip_allowlist_CONSTRUCTED.json")),
      FakeTransport::response(404, "<html>nope</html>"),
      FakeTransport::response(429, "", {{"x-ratelimit-retryafter", std::to_string(now_s + 1)}}),
      FakeTransport::response(500, fixture("error_500_internal_CONSTRUCTED.json")),
      FakeTransport::response(308, "", {{"location", "https://api.us-2.crowdstrike.com"}}),
      FakeTransport::response(201, R"({"token":")" + token + R"("})"),
      FakeTransport::response(200, "{\"access_token\": \"" + token + "\""),
      Error{ErrorCode::kTransport, "Connection reset by peer"},
      Error{ErrorCode::kTimeout, "timed out"},
  };
  transport.enqueue(201, token_body(token, 60));
  auto oauth = make();
  ASSERT_EQ(oauth.token().value(), token);
  for (const auto& f : failures) {
    oauth.invalidate();
    transport.enqueue(f);
    auto t = oauth.token();
    ASSERT_FALSE(t);
    SCOPED_TRACE(t.error().message);
    expect_no_secrets(t.error(), token);
  }
}

}  // namespace
}  // namespace csbridge
