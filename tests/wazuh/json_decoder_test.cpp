// Decoder behaviours beyond the vectors: the cap as an option, static slots, NUL handling.

#include "wazuh/json_decoder.h"

#include <gtest/gtest.h>

namespace wazuh {
namespace {

TEST(JsonDecoder, ChoosesTheDecoder) {
  EXPECT_EQ(decode(R"({"a":1})").decoder, "json");
  EXPECT_EQ(decode(R"({ "a":1})").decoder, "json");
  EXPECT_EQ(decode(" {\"a\":1}").decoder, "");
  EXPECT_EQ(decode("{}").decoder, "");  // the prematch needs a quote after the brace
  EXPECT_EQ(decode(R"({"x":1,"integration":"ms-graph"})").decoder, "json-msgraph");
  EXPECT_EQ(decode(R"({"integration": "ms-graph"})").decoder, "json");
}

TEST(JsonDecoder, MalformedJsonIsDecodedWithoutFields) {
  const DecodedEvent ev = decode(R"({"a":1,"b":)");
  EXPECT_EQ(ev.decoder, "json");
  EXPECT_FALSE(ev.json_parsed);
  EXPECT_TRUE(ev.fields.empty());
}

TEST(JsonDecoder, MarkerFirstSurvivesTheCap) {
  std::string line = R"({"integration":"crowdstrike","cs_kind":"alert")";
  for (int i = 0; i < 300; ++i) line += ",\"f" + std::to_string(i) + "\":1";
  line += ",\"severity\":90}";
  const DecodedEvent ev = decode(line);
  ASSERT_EQ(ev.fields.size(), kDefaultDecoderOrderSize);
  EXPECT_EQ(ev.dropped_fields, 302U + 1U - kDefaultDecoderOrderSize);
  ASSERT_NE(ev.find_field("integration"), nullptr);
  EXPECT_EQ(ev.find_field("severity"), nullptr);
  EXPECT_EQ(decode(line, DecoderOptions{1024}).dropped_fields, 0U);
}

TEST(JsonDecoder, StaticSlotsAndUser) {
  const DecodedEvent ev = decode(R"({"id":"a","status":"new","user":"u","user":"v","Id":"c"})");
  ASSERT_NE(ev.static_slot("id"), nullptr);
  EXPECT_EQ(*ev.static_slot("id"), "a");
  EXPECT_EQ(*ev.static_slot("dstuser"), "u");
  ASSERT_NE(ev.find_field("user"), nullptr);
  EXPECT_EQ(*ev.find_field("user"), "v");
  EXPECT_EQ(*ev.find_field("ID"), "c");  // field lookup ignores case
  EXPECT_EQ(ev.find_field("status"), nullptr);
}

TEST(JsonDecoder, ALineIsCutAtANulByte) {
  const std::string line("{\"a\":1}\0{\"b\":2}", 15);
  const DecodedEvent ev = decode(line);
  EXPECT_EQ(ev.log, "{\"a\":1}");
  EXPECT_EQ(ev.fields.size(), 1U);
}

}  // namespace
}  // namespace wazuh
