#include "csbridge/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace csbridge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "csbridge-creds-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// An EnvLookup over `env` only: the process environment is never read.
  [[nodiscard]] EnvLookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    };
  }
  void file(const std::string& name, const std::string& content) const {
    std::ofstream out(dir / name, std::ios::binary);
    out << content;
  }

  fs::path dir;
  std::map<std::string, std::string> env;
};

TEST_F(CredentialsTest, ReadsTheEnvironment) {
  env = {{"CROWDSTRIKE_CLIENT_ID", "env-id"}, {"CROWDSTRIKE_CLIENT_SECRET", "env-secret"}};
  auto c = load_credentials(lookup());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().client_id, "env-id");
  EXPECT_EQ(c.value().client_secret, "env-secret");
  EXPECT_EQ(c.value().member_cid, "");
}

TEST_F(CredentialsTest, TrimsSurroundingWhitespace) {
  env = {{"CROWDSTRIKE_CLIENT_ID", " env-id\n"}, {"CROWDSTRIKE_CLIENT_SECRET", "\tsec ret\r\n"}};
  auto c = load_credentials(lookup());
  ASSERT_TRUE(c);
  EXPECT_EQ(c.value().client_id, "env-id");
  EXPECT_EQ(c.value().client_secret, "sec ret");
}

TEST_F(CredentialsTest, CredentialFilesWinOverTheEnvironment) {
  file("client_id", "file-id\n");
  file("client_secret", "file-secret\n");
  env = {{"CREDENTIALS_DIRECTORY", dir.string()},
         {"CROWDSTRIKE_CLIENT_ID", "env-id"},
         {"CROWDSTRIKE_CLIENT_SECRET", "env-secret"}};
  auto c = load_credentials(lookup());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().client_id, "file-id");
  EXPECT_EQ(c.value().client_secret, "file-secret");
}

TEST_F(CredentialsTest, CredentialFilesAloneAreEnough) {
  file("client_id", "file-id");  // no trailing newline
  file("client_secret", "file-secret\r\n");
  env = {{"CREDENTIALS_DIRECTORY", dir.string()}};
  auto c = load_credentials(lookup());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().client_id, "file-id");
  EXPECT_EQ(c.value().client_secret, "file-secret");
}

TEST_F(CredentialsTest, AMissingCredentialFileFallsBackToTheEnvironment) {
  file("client_id", "file-id\n");
  env = {{"CREDENTIALS_DIRECTORY", dir.string()}, {"CROWDSTRIKE_CLIENT_SECRET", "env-secret"}};
  auto c = load_credentials(lookup());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().client_id, "file-id");
  EXPECT_EQ(c.value().client_secret, "env-secret");
}

struct MissingCase {
  std::map<std::string, std::string> env;
};

class CredentialsMissing : public CredentialsTest,
                           public ::testing::WithParamInterface<MissingCase> {};

TEST_P(CredentialsMissing, IsAConfigErrorNamingTheVariables) {
  env = GetParam().env;
  auto c = load_credentials(lookup());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kConfig);
  EXPECT_THAT(c.error().message, HasSubstr("CROWDSTRIKE_CLIENT_ID"));
  EXPECT_THAT(c.error().message, HasSubstr("CROWDSTRIKE_CLIENT_SECRET"));
  EXPECT_THAT(c.error().message, HasSubstr("CREDENTIALS_DIRECTORY"));
  // Whatever half was present is not echoed.
  EXPECT_THAT(c.error().message, Not(HasSubstr("only-secret")));
}

INSTANTIATE_TEST_SUITE_P(
    Envs, CredentialsMissing,
    ::testing::Values(MissingCase{{}}, MissingCase{{{"CROWDSTRIKE_CLIENT_ID", "id"}}},
                      MissingCase{{{"CROWDSTRIKE_CLIENT_SECRET", "only-secret"}}},
                      MissingCase{{{"CROWDSTRIKE_CLIENT_ID", ""},
                                   {"CROWDSTRIKE_CLIENT_SECRET", "only-secret"}}},
                      MissingCase{{{"CROWDSTRIKE_CLIENT_ID", " \n"},
                                   {"CROWDSTRIKE_CLIENT_SECRET", "only-secret"}}},
                      MissingCase{{{"CREDENTIALS_DIRECTORY", "/nonexistent-csbridge-dir"}}}));

TEST_F(CredentialsTest, EmptyCredentialFilesDoNotCount) {
  file("client_id", "\n");
  file("client_secret", "");
  env = {{"CREDENTIALS_DIRECTORY", dir.string()}};
  auto c = load_credentials(lookup());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kConfig);
}

TEST_F(CredentialsTest, AnOversizedCredentialFileIsAConfigError) {
  file("client_id", "id");
  file("client_secret", std::string(5000, 's'));
  env = {{"CREDENTIALS_DIRECTORY", dir.string()}};
  auto c = load_credentials(lookup());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kConfig);
  EXPECT_THAT(c.error().message, HasSubstr("client_secret"));
  EXPECT_THAT(c.error().message, Not(HasSubstr("sss")));
}

}  // namespace
}  // namespace csbridge
