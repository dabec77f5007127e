// The per-daemon config file (/etc/cs-bridge/<daemon>.conf): every flag is a key, flags
// override it, a missing default is fine, and --cloud / --member-cid / --log-* resolve.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "csbridge/credentials.h"
#include "csbridge/options.h"

namespace csbridge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "csbridge-conf-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    config = dir / "detections.conf";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& text) const { std::ofstream(config) << text; }

  /// Parses `args` (front to back) with `default_config` as the daemon's default file.
  void parse(std::vector<std::string> args, const std::string& default_config) {
    add_common_options(app, o, 1000, default_config);
    std::reverse(args.begin(), args.end());  // CLI11 parses a vector back to front
    app.parse(args);
  }

  fs::path dir;
  fs::path config;
  CLI::App app{"test"};
  CommonOptions o;
};

TEST(DefaultConfigPath, OnePerDaemonUnderEtcCsBridge) {
  EXPECT_EQ(default_config_path("cs-detections"), "/etc/cs-bridge/detections.conf");
  EXPECT_EQ(default_config_path("cs-incidents"), "/etc/cs-bridge/incidents.conf");
}

TEST_F(ConfigFileTest, TheDefaultFileIsReadWhenItExistsAndFlagsOverrideIt) {
  write(
      "base-url = \"http://127.0.0.1:9\"\npoll-interval = 12\npage-limit = 7\n"
      "log-target = \"journal\"\nmember-cid = \"abc\"\nonce = true\n");
  parse({"--page-limit", "9"}, config.string());
  EXPECT_EQ(o.base_url, "http://127.0.0.1:9");
  EXPECT_TRUE(o.base_url_given);
  EXPECT_EQ(o.poll_interval_s, 12.0);
  EXPECT_EQ(o.page_limit, 9);  // the flag wins
  EXPECT_EQ(o.log_target, "journal");
  EXPECT_EQ(o.member_cid, "abc");
  EXPECT_TRUE(o.once);
}

TEST_F(ConfigFileTest, AMissingDefaultFileIsNoError) {
  ASSERT_NO_THROW(parse({}, (dir / "absent.conf").string()));
  EXPECT_EQ(o.base_url, "https://api.crowdstrike.com");
  EXPECT_FALSE(o.base_url_given);
}

TEST_F(ConfigFileTest, AnExplicitConfigMustExist) {
  EXPECT_THROW(parse({"--config", (dir / "absent.conf").string()}, ""), CLI::FileError);
}

TEST_F(ConfigFileTest, AnExplicitConfigReplacesTheDefault) {
  write("poll-interval = 3\n");
  const fs::path other = dir / "other.conf";
  std::ofstream(other) << "poll-interval = 4\n";
  parse({"--config", other.string()}, config.string());
  EXPECT_EQ(o.poll_interval_s, 4.0);
}

TEST_F(ConfigFileTest, AMisspeltKeyIsAnError) {
  write("pol-interval = 3\n");
  EXPECT_THROW(parse({}, config.string()), CLI::ConfigError);
}

TEST_F(ConfigFileTest, ValuesAreCheckedLikeFlags) {
  write("cloud = \"eu-2\"\n");
  EXPECT_THROW(parse({}, config.string()), CLI::ValidationError);
}

TEST_F(ConfigFileTest, CloudSelectsTheBaseUrlUnlessBaseUrlIsGiven) {
  o.workdir = dir;
  write("cloud = \"eu-1\"\n");
  parse({}, config.string());
  ASSERT_TRUE(validate(o));
  EXPECT_EQ(o.base_url, "https://api.eu-1.crowdstrike.com");
  EXPECT_FALSE(o.cloud_autodiscovery());
}

TEST_F(ConfigFileTest, BaseUrlOverridesCloudWhereverEachComesFrom) {
  o.workdir = dir;
  write("base-url = \"http://127.0.0.1:9\"\n");
  parse({"--cloud", "auto"}, config.string());
  ASSERT_TRUE(validate(o));
  EXPECT_EQ(o.base_url, "http://127.0.0.1:9");
  EXPECT_FALSE(o.cloud_autodiscovery());
}

TEST_F(ConfigFileTest, AutoStartsAtUs1AndDiscovers) {
  o.workdir = dir;
  parse({"--cloud", "auto"}, "");
  ASSERT_TRUE(validate(o));
  EXPECT_EQ(o.base_url, "https://api.crowdstrike.com");
  EXPECT_TRUE(o.cloud_autodiscovery());
}

TEST_F(ConfigFileTest, LogTargetAndLogDirAreChecked) {
  o.workdir = dir;
  EXPECT_THROW(parse({"--log-target", "syslog"}, ""), CLI::ValidationError);
  CLI::App other{"test"};
  CommonOptions p;
  p.workdir = dir;
  add_common_options(other, p, 1000, "");
  other.parse(std::vector<std::string>{(dir / "nope").string(), "--log-dir"});
  auto st = validate(p);
  ASSERT_FALSE(st);
  EXPECT_THAT(st.error().message, HasSubstr("--log-dir"));
}

// --- member_cid as a credential -----------------------------------------------------------

TEST_F(ConfigFileTest, MemberCidComesFromTheCredentialsDirectoryOrTheEnvironment) {
  std::ofstream(dir / "client_id") << "id\n";
  std::ofstream(dir / "client_secret") << "secret\n";
  std::ofstream(dir / "member_cid") << " 0123456789abcdef0123456789abcdef\n";
  const std::string d = dir.string();
  auto from_dir = load_credentials([&](const char* n) -> const char* {
    return std::string_view{n} == "CREDENTIALS_DIRECTORY" ? d.c_str() : nullptr;
  });
  ASSERT_TRUE(from_dir) << from_dir.error().message;
  EXPECT_EQ(from_dir.value().member_cid, "0123456789abcdef0123456789abcdef");

  auto from_env = load_credentials([](const char* n) -> const char* {
    const std::string_view name{n};
    if (name == "CROWDSTRIKE_CLIENT_ID") return "id";
    if (name == "CROWDSTRIKE_CLIENT_SECRET") return "secret";
    if (name == "CROWDSTRIKE_MEMBER_CID") return "fedcba";
    return nullptr;
  });
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env.value().member_cid, "fedcba");
}

TEST_F(ConfigFileTest, BlankCredentialFilesFallBackToTheEnvironment) {
  // The units' SetCredential=client_id:\s fallbacks when /etc/cs-bridge/client_id is absent.
  std::ofstream(dir / "client_id") << " ";
  std::ofstream(dir / "client_secret") << " ";
  std::ofstream(dir / "member_cid") << " ";
  const std::string d = dir.string();
  auto c = load_credentials([&](const char* n) -> const char* {
    const std::string_view name{n};
    if (name == "CREDENTIALS_DIRECTORY") return d.c_str();
    if (name == "CROWDSTRIKE_CLIENT_ID") return "env-id";
    if (name == "CROWDSTRIKE_CLIENT_SECRET") return "env-secret";
    return nullptr;
  });
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().client_id, "env-id");
  EXPECT_EQ(c.value().client_secret, "env-secret");
  EXPECT_EQ(c.value().member_cid, "");
}

}  // namespace
}  // namespace csbridge
