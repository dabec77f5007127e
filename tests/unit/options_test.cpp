#include "csbridge/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "csbridge/curl_transport.h"

namespace csbridge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct UrlCase {
  std::string url;
  bool allowed;
};

class IsAllowedUrl : public ::testing::TestWithParam<UrlCase> {};

TEST_P(IsAllowedUrl, Decides) {
  EXPECT_EQ(is_allowed_url(GetParam().url), GetParam().allowed) << GetParam().url;
}

INSTANTIATE_TEST_SUITE_P(
    Https, IsAllowedUrl,
    ::testing::Values(UrlCase{"https://api.crowdstrike.com", true},
                      UrlCase{"https://api.eu-1.crowdstrike.com/oauth2/token", true},
                      UrlCase{"HTTPS://api.us-2.crowdstrike.com", true},
                      UrlCase{"https://10.0.0.1:8443", true}, UrlCase{"https://", false},
                      UrlCase{"", false}, UrlCase{"api.crowdstrike.com", false},
                      UrlCase{"ftp://api.crowdstrike.com", false},
                      UrlCase{"file:///etc/passwd", false}, UrlCase{"httpsx://a", false},
                      UrlCase{" https://api.crowdstrike.com", false}));

INSTANTIATE_TEST_SUITE_P(
    PlainHttp, IsAllowedUrl,
    ::testing::Values(
        UrlCase{"http://127.0.0.1:8080", true}, UrlCase{"http://127.0.0.1", true},
        UrlCase{"http://127.0.0.1:8080/oauth2/token", true}, UrlCase{"http://127.1.2.3:9/x", true},
        UrlCase{"http://localhost", true}, UrlCase{"http://localhost:8080/alerts", true},
        UrlCase{"http://[::1]:8080", true}, UrlCase{"http://[::1]", true},
        UrlCase{"HTTP://127.0.0.1:8080", true}, UrlCase{"http://example.com", false},
        UrlCase{"http://api.crowdstrike.com", false}, UrlCase{"http://127.evil.com", false},
        UrlCase{"http://127.0.0.1.evil.com", false}, UrlCase{"http://localhost.evil.com", false},
        UrlCase{"http://evil.com/127.0.0.1", false}, UrlCase{"http://evil.com?h=127.0.0.1", false},
        UrlCase{"http://evil.com#@127.0.0.1", false}, UrlCase{"http://127.0.0.1@evil.com", false},
        UrlCase{"http://localhost@evil.com:80", false}, UrlCase{"http://[::2]", false},
        UrlCase{"http://10.0.0.1", false}, UrlCase{"http://0.0.0.0", false},
        UrlCase{"http://", false}));

class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "csbridge-opts-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    options.workdir = dir;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  fs::path dir;
  CommonOptions options;
};

struct ValidateCase {
  std::string base_url;
  bool ok;
  std::string normalised;
};

class ValidateBaseUrl : public ValidateTest, public ::testing::WithParamInterface<ValidateCase> {};

TEST_P(ValidateBaseUrl, ChecksAndNormalises) {
  const auto& c = GetParam();
  options.base_url = c.base_url;
  Status st = validate(options);
  EXPECT_EQ(static_cast<bool>(st), c.ok) << c.base_url;
  if (c.ok) {
    EXPECT_EQ(options.base_url, c.normalised);
  } else {
    EXPECT_EQ(st.error().code, ErrorCode::kConfig);
    EXPECT_THAT(st.error().message, HasSubstr("--base-url"));
    EXPECT_THAT(st.error().message, HasSubstr(c.normalised));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Urls, ValidateBaseUrl,
    ::testing::Values(
        ValidateCase{"https://api.crowdstrike.com", true, "https://api.crowdstrike.com"},
        ValidateCase{"https://api.crowdstrike.com/", true, "https://api.crowdstrike.com"},
        ValidateCase{"https://api.us-2.crowdstrike.com///", true,
                     "https://api.us-2.crowdstrike.com"},
        ValidateCase{"http://127.0.0.1:8080", true, "http://127.0.0.1:8080"},
        ValidateCase{"http://127.0.0.1:8080/", true, "http://127.0.0.1:8080"},
        ValidateCase{"http://localhost", true, "http://localhost"},
        ValidateCase{"http://example.com", false, "http://example.com"},
        ValidateCase{"http://127.evil.com/", false, "http://127.evil.com"},
        ValidateCase{"https://", false, "https:"}, ValidateCase{"", false, ""},
        ValidateCase{"/", false, ""}));

TEST_F(ValidateTest, TheWorkdirMustBeAnExistingDirectory) {
  ASSERT_TRUE(validate(options));

  options.workdir = dir / "missing";
  Status st = validate(options);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kConfig);
  EXPECT_THAT(st.error().message, HasSubstr("--workdir"));
  EXPECT_THAT(st.error().message, HasSubstr((dir / "missing").string()));

  { std::ofstream(dir / "file") << "x"; }
  options.workdir = dir / "file";
  st = validate(options);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kConfig);
}

TEST(CommonOptions, ConvertsToTheComponentsOptions) {
  CommonOptions o;
  o.poll_interval_s = 0.25;
  o.once = true;
  o.connect_timeout_s = 2.5;
  o.request_timeout_s = 90;
  o.ca_bundle = "/etc/ssl/x.pem";
  o.proxy = "http://proxy:3128";
  o.max_attempts = 4;

  const PollOptions p = o.poll_options();
  EXPECT_EQ(p.interval, std::chrono::milliseconds{250});
  EXPECT_TRUE(p.once);

  const CurlOptions c = o.curl_options();
  EXPECT_EQ(c.connect_timeout, std::chrono::milliseconds{2500});
  EXPECT_EQ(c.total_timeout, std::chrono::milliseconds{90'000});
  EXPECT_EQ(c.ca_bundle, "/etc/ssl/x.pem");
  EXPECT_EQ(c.proxy, "http://proxy:3128");
  EXPECT_THAT(c.user_agent, ::testing::StartsWith("cs-bridge/"));

  EXPECT_EQ(o.retry_policy().max_attempts, 4);
}

TEST(CommonOptions, DefaultsMatchTheSeed) {
  const CommonOptions o;
  EXPECT_EQ(o.base_url, "https://api.crowdstrike.com");
  EXPECT_FALSE(o.once);
  EXPECT_EQ(o.poll_options().interval, std::chrono::seconds{30});
  EXPECT_EQ(o.backfill_days, 1);
  EXPECT_EQ(o.page_limit, 1000);
}

TEST(AddCommonOptions, ParsesTheSharedFlags) {
  CLI::App app{"test"};
  CommonOptions o;
  add_common_options(app, o, 500);
  std::vector<std::string> args = {"--base-url", "http://127.0.0.1:9", "--once", "--poll-interval",
                                   "5",          "--page-limit",       "500",    "--max-attempts",
                                   "3"};
  std::reverse(args.begin(), args.end());  // CLI11 parses a vector back to front
  ASSERT_NO_THROW(app.parse(args));
  EXPECT_EQ(o.base_url, "http://127.0.0.1:9");
  EXPECT_TRUE(o.once);
  EXPECT_EQ(o.poll_interval_s, 5.0);
  EXPECT_EQ(o.page_limit, 500);
  EXPECT_EQ(o.max_attempts, 3);
}

TEST(AddCommonOptions, RejectsOutOfRangeValues) {
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--page-limit", "501"},
                                              std::vector<std::string>{"--page-limit", "0"},
                                              std::vector<std::string>{"--poll-interval", "0"},
                                              std::vector<std::string>{"--max-attempts", "0"},
                                              std::vector<std::string>{"--log-level", "verbose"}}) {
    CLI::App app{"test"};
    CommonOptions o;
    add_common_options(app, o, 500);
    std::vector<std::string> args(bad.rbegin(), bad.rend());
    EXPECT_THROW(app.parse(args), CLI::ParseError) << bad[0] << " " << bad[1];
  }
}

}  // namespace
}  // namespace csbridge
