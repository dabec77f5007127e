// Files that wazuh-analysisd refuses to load must fail here too (and unmodelled options loudly).

#include "wazuh/rule_loader.h"

#include <gtest/gtest.h>

#include "test_lines.h"
#include "wazuh/evaluator.h"

namespace wazuh {
namespace {

std::string rule_xml(std::string_view attributes, std::string_view body) {
  return "<group name=\"t,\"><rule " + std::string(attributes) + ">" + std::string(body) +
         "<description>d</description></rule></group>";
}

void expect_load_error(const std::string& xml, std::string_view message_part) {
  try {
    (void)parse_rules_xml(xml, "t.xml");
    ADD_FAILURE() << "loaded: " << xml;
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos) << e.what();
  }
}

TEST(RuleLoader, StaticFieldNamesAreLoadErrors) {
  for (const char* name : {"id", "status", "action", "url", "data", "user", "srcip", "dstip",
                           "srcport", "dstport", "protocol", "srcuser", "dstuser", "extra_data",
                           "system_name", "srcgeoip", "dstgeoip", "Status"}) {
    expect_load_error(
        rule_xml("id=\"100\" level=\"3\"", "<field name=\"" + std::string(name) + "\">x</field>"),
        "is static");
  }
  // Names that look static but are dynamic fields load fine.
  EXPECT_NO_THROW((void)parse_rules_xml(
      rule_xml("id=\"100\" level=\"3\"",
               "<field name=\"device.id\">x</field><field name=\"systemname\">y</field>"
               "<field name=\"hostname\">z</field>"),
      "t.xml"));
}

TEST(RuleLoader, IdAndLevelLimits) {
  expect_load_error(rule_xml("id=\"1234567\" level=\"3\"", ""), "max 6 digits");
  expect_load_error(rule_xml("id=\"12a\" level=\"3\"", ""), "Invalid rule id");
  expect_load_error(rule_xml("id=\"100\" level=\"17\"", ""), "Invalid level");
  expect_load_error(rule_xml("id=\"100\" level=\"3\" colour=\"red\"", ""), "Invalid attribute");
  EXPECT_NO_THROW((void)parse_rules_xml(rule_xml("id=\"999999\" level=\"16\"", ""), "t.xml"));
}

TEST(RuleLoader, PatternsMustCompile) {
  expect_load_error(
      rule_xml("id=\"100\" level=\"3\"", "<field name=\"a\" type=\"pcre2\">^(8[0-9]$</field>"),
      "PCRE2");
  expect_load_error(rule_xml("id=\"100\" level=\"3\"", "<field name=\"a\">(x)</field>"),
                    "not supported");
}

TEST(RuleLoader, VariablesAndDollarSigns) {
  // Without any <var>, "$(description)" and a pcre2 `$` are plain text.
  EXPECT_NO_THROW((void)parse_rules_xml(
      "<group name=\"t,\"><rule id=\"1\" level=\"3\"><field name=\"s\" type=\"pcre2\">^1$</field>"
      "<description>x $(description)</description></rule></group>",
      "t.xml"));
  // Once the file defines a variable, every `$` starts a variable name.
  const auto rules = parse_rules_xml(
      "<var name=\"WORDS\">a|b</var><group name=\"t,\"><rule id=\"1\" level=\"3\">"
      "<match>$WORDS</match>"
      "<description>d</description></rule></group>",
      "t.xml");
  ASSERT_EQ(rules.size(), 1U);
  EXPECT_EQ(rules[0].match->pattern(), "a|b");
  // OS_ApplyVariables skips texts of two bytes or less: "$W" stays "$W".
  const auto short_text = parse_rules_xml(
      "<var name=\"W\">a</var><group name=\"t,\"><rule id=\"1\" level=\"3\"><match>$W</match>"
      "<description>d</description></rule></group>",
      "t.xml");
  EXPECT_EQ(short_text[0].match->pattern(), "$W");
  expect_load_error(
      "<var name=\"W\">a</var><group name=\"t,\"><rule id=\"1\" level=\"3\">"
      "<description>$(description)</description></rule></group>",
      "Unknown variable");
}

TEST(RuleLoader, UnmodelledOptionsAreRefused) {
  expect_load_error(rule_xml("id=\"100\" level=\"3\"", "<regex>x</regex>"), "not modelled");
  expect_load_error(rule_xml("id=\"100\" level=\"3\"", "<if_matched_sid>5</if_matched_sid>"),
                    "not modelled");
  expect_load_error(rule_xml("id=\"100\" level=\"3\" frequency=\"4\"", ""), "not modelled");
  expect_load_error(rule_xml("id=\"100\" level=\"3\"", "<decoded_as>syslog</decoded_as>"),
                    "Invalid decoder name");
  expect_load_error(rule_xml("id=\"100\" level=\"3\"", "<options>no_such</options>"),
                    "Invalid option");
  expect_load_error("<rule id=\"1\" level=\"0\"><description>x</description></rule>",
                    "invalid root element");
  expect_load_error("<group name=\"t,\"><rule id=\"1\" level=\"0\"></rule></group>",
                    "no <description>");
  expect_load_error("<group name=\"t,\"><rule id=\"1\" level=\"0\">", "XML error");
}

TEST(RuleLoader, GroupsAndConcatenatedMatches) {
  const auto rules = parse_rules_xml(
      "<group name=\"a,b,\"><rule id=\"7\" level=\"5\"><match>x|</match><match>y</match>"
      "<group>c,</group><if_sid>1, 2 3</if_sid><description>p</description>"
      "<description>q</description></rule></group>",
      "t.xml");
  ASSERT_EQ(rules.size(), 1U);
  EXPECT_EQ(rules[0].group, "a,b,c,");
  EXPECT_EQ(rules[0].match->pattern(), "x|y");
  EXPECT_EQ(rules[0].if_sid, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(rules[0].description, "pq");
}

TEST(RuleLoader, TheProjectAndSeedFilesLoad) {
  EXPECT_NO_THROW((void)Evaluator::load(testing::rules_file()));
  EXPECT_NO_THROW((void)Evaluator::load(testing::data_dir() + "/wazuh-vectors/seed_crowdstrike.xml",
                                        {.stock = StockRules::kNone}));
  // Our file hangs rules under the stock suricata rules: without them it cannot load, as on a
  // manager that excludes 0475-suricata_rules.xml.
  EXPECT_THROW((void)Evaluator::load(testing::rules_file(), {.stock = StockRules::kNone}),
               LoadError);
}

}  // namespace
}  // namespace wazuh
