// cJSON behaviours the decoder depends on (beyond what the vectors pin down).

#include "wazuh/cjson.h"

#include <gtest/gtest.h>

namespace wazuh::cjson {
namespace {

std::string roundtrip(std::string_view text, bool formatted) {
  const auto parsed = parse(text);
  return parsed ? print(parsed->item, formatted) : "<fail>";
}

TEST(CJson, PrintsLikeCJson) {
  EXPECT_EQ(roundtrip(R"({"a":[1,2.5,"x",null,true,{"k":[]}],"b":{}})", false),
            R"({"a":[1,2.5,"x",null,true,{"k":[]}],"b":{}})");
  EXPECT_EQ(roundtrip(R"([{"a":1},{}])", true), "[{\n\t\t\"a\":\t1\n\t}, {\n\t}]");
  EXPECT_EQ(roundtrip(R"([1e-7, 12345678901234567890, 0.1])", true),
            "[1e-07, 1.2345678901234567e+19, 0.1]");
  EXPECT_EQ(roundtrip(R"(["\u0001\t\"\\\/é"])", false), "[\"\\u0001\\t\\\"\\\\/é\"]");
}

TEST(CJson, AcceptsWhatCJsonAccepts) {
  EXPECT_TRUE(parse("  {\"a\":1} trailing"));
  EXPECT_TRUE(parse("\xEF\xBB\xBF{}"));
  EXPECT_TRUE(parse("{\"a\":01}"));  // strtod reads leading zeros
  EXPECT_TRUE(parse("{\"a\":\"raw\ttab\"}"));
  const auto p = parse(R"({"s":"ab\u0000cd","\uZZZZ":"x"})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->item.children[0].text, "ab");
  EXPECT_EQ(p->item.children[1].key, "");  // an invalid \u digit decodes as U+0000
}

TEST(CJson, RejectsWhatCJsonRejects) {
  for (const char* bad :
       {"{\"a\":1,}", "{\"a\":'x'}", "{\"a\":yes}", "{\"a\":1", "{\"a\"1}", "{\"a\":\"\\x\"}",
        "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800x\"}", "", "   ", "{\"a\":+1}", "{\"a\":.5}"}) {
    EXPECT_FALSE(parse(bad)) << bad;
  }
}

TEST(CJson, NestingLimit) {
  std::string deep;
  for (std::size_t i = 0; i < kNestingLimit; ++i) deep += "[";
  for (std::size_t i = 0; i < kNestingLimit; ++i) deep += "]";
  EXPECT_TRUE(parse(deep));
  EXPECT_FALSE(parse("[" + deep + "]"));
}

TEST(CJson, NumbersSaturateTheIntValue) {
  const auto p = parse("[2147483648, -2147483649, 80.5, 1e400]");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->item.children[0].number_int, 2147483647);
  EXPECT_EQ(p->item.children[1].number_int, -2147483647 - 1);
  EXPECT_EQ(p->item.children[2].number_int, 80);
  EXPECT_EQ(print(p->item, false), "[2147483648,-2147483649,80.5,null]");
}

TEST(CJson, ANumberLongerThan63CharactersDoesNotParse) {
  EXPECT_TRUE(parse("{\"a\":" + std::string(63, '1') + "}"));
  EXPECT_FALSE(parse("{\"a\":" + std::string(64, '1') + "}"));
}

}  // namespace
}  // namespace wazuh::cjson
