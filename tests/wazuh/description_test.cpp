// $(field) expansion and the 1024-byte limit (ParseRuleComment).

#include "wazuh/description.h"

#include <gtest/gtest.h>

namespace wazuh {
namespace {

TEST(Description, ExpandsStaticAndDynamicFields) {
  const DecodedEvent ev =
      decode(R"({"id":"X1","Severity":"90","a":{"b":[1,2]},"srcip":"1.2.3.4"})");
  EXPECT_EQ(expand_description("$(id) $(severity) $(a.b) $(srcip) $(missing)|", ev),
            "X1 90 [1, 2] 1.2.3.4 |");
  EXPECT_EQ(expand_description("$(ID)", ev), "");  // static names are case-sensitive
  EXPECT_EQ(expand_description("no close $(id", ev), "no close $(id");
  EXPECT_EQ(expand_description("$(hostname)$(program_name)", ev), "");
}

TEST(Description, FallsBackToTheTemplateAt1024Bytes) {
  const std::string tmpl = "P $(d)";
  const auto line = [](std::size_t n) { return "{\"d\":\"" + std::string(n, 'x') + "\"}"; };
  EXPECT_EQ(expand_description(tmpl, decode(line(1021))).size(), 1023U);
  EXPECT_EQ(expand_description(tmpl, decode(line(1022))), tmpl);
  const std::string long_tmpl(1100, 't');
  EXPECT_EQ(expand_description(long_tmpl, decode("{}")), long_tmpl);
}

}  // namespace
}  // namespace wazuh
