// The rule tree: sibling order, if_sid vs if_group attachment, noalert, duplicates.

#include "wazuh/ruleset.h"

#include <gtest/gtest.h>

#include "wazuh/evaluator.h"

namespace wazuh {
namespace {

Verdict run(std::string_view xml, std::string_view line) {
  return Evaluator::from_xml(xml, "t.xml", {.stock = StockRules::kNone}).evaluate(line);
}

TEST(Ruleset, LevelZeroRootsComeFirstThenHighestLevel) {
  const std::string xml =
      "<group name=\"t,\">"
      "<rule id=\"10\" level=\"2\"><match>x</match><description>two</description></rule>"
      "<rule id=\"11\" level=\"9\"><match>x</match><description>nine</description></rule>"
      "<rule id=\"12\" level=\"0\"><match>x</match><description>zero</description></rule>"
      "<rule id=\"13\" level=\"0\"><match>x</match><description>zero too</description></rule>"
      "</group>";
  EXPECT_EQ(run(xml, "x").rule_id, 12);  // level 0 first; equal levels keep load order
  const std::string no_zero =
      "<group name=\"t,\">"
      "<rule id=\"10\" level=\"2\"><match>x</match><description>two</description></rule>"
      "<rule id=\"11\" level=\"9\"><match>x</match><description>nine</description></rule>"
      "</group>";
  EXPECT_EQ(run(no_zero, "x").rule_id, 11);
}

TEST(Ruleset, AMatchedLevelZeroParentStopsTheSearch) {
  const std::string xml =
      "<group name=\"t,\">"
      "<rule id=\"10\" level=\"0\"><match>x</match><description>parent</description></rule>"
      "<rule id=\"11\" "
      "level=\"5\"><if_sid>10</if_sid><match>y</match><description>c</description></rule>"
      "<rule id=\"12\" level=\"3\"><match>x</match><description>other root</description></rule>"
      "</group>";
  const Verdict v = run(xml, "x");
  EXPECT_EQ(v.rule_id, 10);
  EXPECT_FALSE(v.alert);
  EXPECT_EQ(run(xml, "xy").rule_id, 11);
}

TEST(Ruleset, NoalertWithoutMatchingChildLetsTheSearchGoOn) {
  const std::string xml =
      "<group name=\"t,\">"
      "<rule id=\"10\" level=\"0\" "
      "noalert=\"1\"><match>x</match><description>p</description></rule>"
      "<rule id=\"11\" "
      "level=\"5\"><if_sid>10</if_sid><match>y</match><description>c</description></rule>"
      "<rule id=\"12\" level=\"3\"><match>x</match><description>other</description></rule>"
      "</group>";
  EXPECT_EQ(run(xml, "x").rule_id, 12);
  EXPECT_EQ(run(xml, "xy").rule_id, 11);
}

// A child by if_sid hangs under only the first copy of a multi-parent rule; by if_group under all.
TEST(Ruleset, IfSidReachesOneCopyIfGroupAll) {
  const std::string parents =
      "<group name=\"t,\">"
      "<rule id=\"101\" level=\"0\"><match>a</match><description>A</description></rule>"
      "<rule id=\"102\" level=\"0\"><match>b</match><description>B</description></rule>"
      "<rule id=\"3\" level=\"0\"><if_sid>101,102</if_sid><group>mid,</group><match>m</match>"
      "<description>M</description></rule>";
  const std::string by_sid =
      parents +
      "<rule id=\"4\" level=\"5\"><if_sid>3</if_sid><match>z</match><description>Z</description>"
      "</rule></group>";
  const std::string by_group = parents +
                               "<rule id=\"4\" level=\"5\"><if_group>mid</if_group><match>z</match>"
                               "<description>Z</description></rule></group>";
  EXPECT_EQ(run(by_sid, "amz").rule_id, 4);
  EXPECT_EQ(run(by_sid, "bmz").rule_id, 3);  // the copy under 102 has no child
  EXPECT_EQ(run(by_group, "amz").rule_id, 4);
  EXPECT_EQ(run(by_group, "bmz").rule_id, 4);
}

TEST(Ruleset, UnknownParentsAreLoadErrorsDuplicatesAreSkipped) {
  EXPECT_THROW(
      (void)Evaluator::from_xml("<group name=\"t,\"><rule id=\"5\" level=\"3\"><if_sid>4</if_sid>"
                                "<description>d</description></rule></group>",
                                "t.xml", {.stock = StockRules::kNone}),
      LoadError);
  EXPECT_THROW((void)Evaluator::from_xml(
                   "<group name=\"t,\"><rule id=\"5\" level=\"3\"><if_group>nope</if_group>"
                   "<description>d</description></rule></group>",
                   "t.xml", {.stock = StockRules::kNone}),
               LoadError);
  const Evaluator ev = Evaluator::from_xml(
      "<group name=\"t,\"><rule id=\"5\" "
      "level=\"3\"><match>x</match><description>first</description>"
      "</rule><rule id=\"5\" level=\"9\"><match>x</match><description>second</description>"
      "</rule></group>",
      "t.xml", {.stock = StockRules::kNone});
  EXPECT_EQ(ev.warnings().size(), 1U);
  EXPECT_EQ(ev.evaluate("x").description, "first");
}

TEST(Ruleset, DecodedAsAndFields) {
  const std::string xml =
      "<group name=\"t,\"><rule id=\"5\" level=\"3\"><decoded_as>json</decoded_as>"
      "<field name=\"a.b\" type=\"pcre2\">^1$</field><field name=\"c\" negate=\"yes\">x</field>"
      "<description>d</description></rule></group>";
  EXPECT_EQ(run(xml, R"({"a":{"b":1},"c":"y"})").rule_id, 5);
  EXPECT_EQ(run(xml, R"({"a":{"b":1},"c":"x"})").rule_id, 0);
  EXPECT_EQ(run(xml, R"({"a":{"b":1}})").rule_id, 0);  // negate does not help a missing field
  EXPECT_EQ(run(xml, R"({"A.B":1,"c":"y"})").rule_id, 5);
  EXPECT_EQ(run(xml, R"( {"a":{"b":1},"c":"y"})").rule_id, 0);  // no decoder
}

}  // namespace
}  // namespace wazuh
