// OS_Regex / OS_Match subset used by the rules, decoders and the stock model.

#include "wazuh/os_regex.h"

#include <gtest/gtest.h>

namespace wazuh {
namespace {

bool re(std::string_view pattern, std::string_view subject) {
  std::string error;
  const auto r = OsRegex::compile(pattern, &error);
  EXPECT_TRUE(r) << pattern << ": " << error;
  return r && r->matches(subject);
}

TEST(OsRegex, DotPlusMeansNonEmpty) {
  for (const char* v : {"0", " ", "\n", "null", "false", "[]"}) EXPECT_TRUE(re("\\.+", v)) << v;
  EXPECT_FALSE(re("\\.+", ""));
}

TEST(OsRegex, AnchorsAlternativesAndCase) {
  EXPECT_TRUE(re("^crowdstrike$", "crowdstrike"));
  EXPECT_TRUE(re("^crowdstrike$", "CrowdStrike"));  // case-insensitive
  EXPECT_FALSE(re("^crowdstrike$", "crowdstrike2"));
  EXPECT_FALSE(re("^crowdstrike$", " crowdstrike"));
  EXPECT_TRUE(re("aws", "xawsx"));  // unanchored
  EXPECT_TRUE(re("^incident$|^case$", "case"));
  EXPECT_FALSE(re("^incident$|^case$", "cases"));
}

TEST(OsRegex, Classes) {
  EXPECT_TRUE(re("^\\d+$", "0123"));
  EXPECT_FALSE(re("^\\d+$", "12a"));
  EXPECT_TRUE(re("^\\w+$", "a-b_c@d9"));
  EXPECT_FALSE(re("^\\w+$", "a b"));
  EXPECT_TRUE(re("^{\\s*\"", "{  \"a\""));
  EXPECT_FALSE(re("^{\\s*\"", "{\t\"a\""));  // \s is the space character only
  EXPECT_TRUE(re("^a\\p\\d*$", "a:"));
  EXPECT_TRUE(re("x\\.y", "xZy"));  // \. is any character
  EXPECT_FALSE(re("x.y", "xZy"));   // a bare dot is a dot
  EXPECT_TRUE(re("^ab\\.*cd$", "abXXcd"));
}

TEST(OsRegex, UnmodelledSyntaxIsRefused) {
  std::string error;
  EXPECT_FALSE(OsRegex::compile("(a)", &error));
  EXPECT_FALSE(OsRegex::compile("a+", &error));
  EXPECT_FALSE(OsRegex::compile("\\q", &error));
  EXPECT_FALSE(OsRegex::compile("abc\\", &error));
}

TEST(OsMatch, SubstringPrefixSuffix) {
  const auto m = OsMatch::compile("error| bad |^start|end$", nullptr);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->matches("An ERROR occurred"));
  EXPECT_TRUE(m->matches("a bad thing"));
  EXPECT_FALSE(m->matches("badge"));
  EXPECT_TRUE(m->matches("Start here"));
  EXPECT_FALSE(m->matches("not start"));
  EXPECT_TRUE(m->matches("the end"));
  EXPECT_FALSE(OsMatch::compile("", nullptr));
}

TEST(OsWordMatch, FindsGroupWords) {
  EXPECT_TRUE(os_word_match("csb_alert_root", "crowdstrike,csb_alert_root,"));
  EXPECT_FALSE(os_word_match("csb_alert_root", "crowdstrike,csb_alert_gate,"));
  EXPECT_TRUE(os_word_match("^crowd", "crowdstrike,"));
}

}  // namespace
}  // namespace wazuh
