#include "csbridge/api_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace csbridge {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(CSBRIDGE_TEST_DATA_DIR) + "/responses/" + name);
  EXPECT_TRUE(in) << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HttpResponse response(int status, std::string body,
                      std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

bool has_control_chars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

struct FixtureCase {
  std::string file;
  int status;
  ErrorCode code;
  std::string api_message;
  std::string trace_id;
};

class ApiErrorFixture : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(ApiErrorFixture, ExtractsMessageAndTraceId) {
  const auto& c = GetParam();
  const Error e = api_error(response(c.status, fixture(c.file)), "POST /alerts/combined/alerts/v1");
  EXPECT_EQ(e.code, c.code);
  EXPECT_EQ(e.http_status, c.status);
  EXPECT_EQ(e.trace_id, c.trace_id);
  EXPECT_THAT(e.message, HasSubstr("HTTP " + std::to_string(c.status)));
  EXPECT_THAT(e.message, HasSubstr("POST /alerts/combined/alerts/v1"));
  EXPECT_THAT(e.message, HasSubstr(c.api_message));
  if (c.trace_id.empty()) {
    EXPECT_THAT(e.message, Not(HasSubstr("trace_id")));
  } else {
    EXPECT_THAT(e.message, HasSubstr("(trace_id " + c.trace_id + ")"));
  }
  EXPECT_FALSE(has_control_chars(e.message));
}

INSTANTIATE_TEST_SUITE_P(
    Responses, ApiErrorFixture,
    ::testing::Values(
        FixtureCase{"error_403_missing_scope.json", 403, ErrorCode::kHttpStatus,
                    "access denied, authorization failed", "00000000-0000-4000-8000-000000000403"},
        FixtureCase{"error_500_internal_CONSTRUCTED.json", 500, ErrorCode::kServer,
                    "Internal Server Error: Please provide "
                    "trace-id='00000000-0000-4000-8000-000000000500' to support",
                    "00000000-0000-4000-8000-000000000500"},
        // No meta, no code field in errors[].
        FixtureCase{"incidents_decommissioned_404.json", 404, ErrorCode::kHttpStatus,
                    "No content was received for this request.", ""},
        FixtureCase{"error_404_gateway_page_not_found.json", 404, ErrorCode::kHttpStatus,
                    "404: Page Not Found", "00000000-0000-4000-8000-000000000404"},
        FixtureCase{"error_429_rate_limited_CONSTRUCTED.json", 429, ErrorCode::kRateLimited,
                    "API rate limit exceeded.", "00000000-0000-4000-8000-000000000429"},
        FixtureCase{"error_401_invalid_bearer_CONSTRUCTED.json", 401, ErrorCode::kHttpStatus,
                    "access denied, invalid bearer token", "00000000-0000-4000-8000-000000000401"},
        FixtureCase{"incidents_entities_400_empty_ids.json", 400, ErrorCode::kHttpStatus,
                    "The 'ids' parameter must be present at least once and can be present up "
                    "to 500 times.",
                    "00000000-0000-4000-8000-00000000b400"}));

TEST(ApiError, ClassifiesByStatus) {
  EXPECT_EQ(api_error(response(400, ""), "x").code, ErrorCode::kHttpStatus);
  EXPECT_EQ(api_error(response(308, ""), "x").code, ErrorCode::kHttpStatus);
  EXPECT_EQ(api_error(response(429, ""), "x").code, ErrorCode::kRateLimited);
  EXPECT_EQ(api_error(response(500, ""), "x").code, ErrorCode::kServer);
  EXPECT_EQ(api_error(response(502, ""), "x").code, ErrorCode::kServer);
  EXPECT_EQ(api_error(response(599, ""), "x").code, ErrorCode::kServer);
}

TEST(ApiError, FallsBackToTheTraceIdHeader) {
  const std::string body = fixture("incidents_decommissioned_404.json");  // no meta.trace_id
  const Error e = api_error(response(404, body, {{"x-cs-traceid", "hdr-trace"}}), "GET /x");
  EXPECT_EQ(e.trace_id, "hdr-trace");
  EXPECT_THAT(e.message, HasSubstr("(trace_id hdr-trace)"));
  EXPECT_THAT(e.message, HasSubstr("No content was received for this request."));
}

TEST(ApiError, PrefersTheBodyTraceIdOverTheHeader) {
  const Error e = api_error(
      response(403, fixture("error_403_missing_scope.json"), {{"x-cs-traceid", "hdr-trace"}}),
      "GET /x");
  EXPECT_EQ(e.trace_id, "00000000-0000-4000-8000-000000000403");
}

TEST(ApiError, JoinsSeveralMessagesAndSkipsMalformedEntries) {
  const Error e =
      api_error(response(400,
                         R"({"errors":[{"code":400,"message":"first"},"bare string",{"code":1},)"
                         R"({"message":7},{"message":"second"}],"meta":{"trace_id":42}})",
                         {{"x-cs-traceid", "hdr"}}),
                "GET /x");
  EXPECT_THAT(e.message, HasSubstr("'first; second'"));
  EXPECT_EQ(e.trace_id, "hdr");  // a non-string meta.trace_id is ignored
}

struct BodyCase {
  std::string body;
  std::string expected_fragment;
};

class ApiErrorBody : public ::testing::TestWithParam<BodyCase> {};

TEST_P(ApiErrorBody, NeverFailsOnOddBodies) {
  const Error e = api_error(response(502, GetParam().body), "GET /x");
  EXPECT_EQ(e.code, ErrorCode::kServer);
  EXPECT_THAT(e.message, HasSubstr(GetParam().expected_fragment));
  EXPECT_FALSE(has_control_chars(e.message));
  EXPECT_LT(e.message.size(), 500U);
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, ApiErrorBody,
    ::testing::Values(BodyCase{"", "(empty body)"},
                      BodyCase{"<html><body>502 Bad Gateway</body></html>", "(no API message)"},
                      BodyCase{"not json at all\n\x01", "(no API message)"},
                      BodyCase{"[1,2,3]", "(no API message)"}, BodyCase{"null", "(no API message)"},
                      BodyCase{R"({"errors":"oops"})", "(no API message)"},
                      BodyCase{R"({"errors":[]})", "(no API message)"},
                      BodyCase{R"({"errors":[{"message":"trunc)", "(no API message)"},
                      BodyCase{std::string(70 * 1024, ' ') + R"({"errors":[{"message":"x"}]})",
                               "(no API message)"},  // too large to parse
                      // Deep nesting must not blow the stack.
                      BodyCase{std::string(60'000, '[') + std::string(60'000, ']'),
                               "(no API message)"}));

TEST(ApiError, SanitisesControlCharactersInMessageAndTraceId) {
  const Error e = api_error(
      response(400, R"({"errors":[{"message":"line1\nFAKE LOG LINE\r\u001b[31mred\u0000end"}]})",
               {{"x-cs-traceid", "tr\nace\x7f"}}),
      "GET /x");
  EXPECT_FALSE(has_control_chars(e.message)) << e.message;
  EXPECT_FALSE(has_control_chars(e.trace_id));
  EXPECT_THAT(e.message, HasSubstr("line1"));
  EXPECT_THAT(e.message, HasSubstr("FAKE LOG LINE"));
  EXPECT_THAT(e.message, HasSubstr("end"));
}

TEST(ApiError, BoundsTheLength) {
  const std::string huge(10'000, 'm');
  const Error e =
      api_error(response(400, R"({"errors":[{"message":")" + huge + R"("}],"meta":{"trace_id":")" +
                                  std::string(1000, 't') + R"("}})"),
                "GET /x");
  EXPECT_LT(e.message.size(), 600U);
  EXPECT_LE(e.trace_id.size(), 83U);
  EXPECT_THAT(e.message, HasSubstr("mmmm..."));
}

TEST(SanitizeForLog, DropsControlCharacters) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string in = std::string("a") + static_cast<char>(c) + "b";
    EXPECT_FALSE(has_control_chars(sanitize_for_log(in))) << c;
  }
  EXPECT_FALSE(
      has_control_chars(sanitize_for_log("a\x7f"
                                         "b")));
  EXPECT_EQ(sanitize_for_log("plain text: ok"), "plain text: ok");
  // UTF-8 passes through.
  EXPECT_EQ(sanitize_for_log("caf\xC3\xA9"), "caf\xC3\xA9");
}

struct BoundCase {
  std::size_t input_len;
  std::size_t max_len;
  std::size_t expected_len;
  bool ellipsis;
};

class SanitizeBound : public ::testing::TestWithParam<BoundCase> {};

TEST_P(SanitizeBound, BoundsTheLength) {
  const auto& c = GetParam();
  const std::string out = sanitize_for_log(std::string(c.input_len, 'x'), c.max_len);
  EXPECT_EQ(out.size(), c.expected_len);
  if (c.ellipsis) {
    EXPECT_THAT(out, EndsWith("..."));
  } else {
    EXPECT_THAT(out, Not(EndsWith("...")));
  }
}

INSTANTIATE_TEST_SUITE_P(Lengths, SanitizeBound,
                         ::testing::Values(BoundCase{0, 10, 0, false}, BoundCase{9, 10, 9, false},
                                           BoundCase{10, 10, 10, false},
                                           BoundCase{11, 10, 13, true},
                                           BoundCase{5000, 300, 303, true},
                                           BoundCase{5, 0, 3, true}));

}  // namespace
}  // namespace csbridge
