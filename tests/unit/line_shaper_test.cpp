#include "csbridge/line_shaper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace csbridge {
namespace {

using nlohmann::json;

json alert_with(const std::string& key, json value) {
  json a{{"id", "ind:1"}, {"severity", 80}, {"device", {{"platform_id", "0"}}}};
  a[key] = std::move(value);
  return a;
}

TEST(LineShaperTest, ALineWithinBudgetIsLeftAlone) {
  const std::string line = alert_with("cmdline", "short").dump();
  EXPECT_FALSE(shrink_line(line, 1000));
  EXPECT_FALSE(shrink_oversized_lines(line + "\n" + line + "\n", 1000));
}

TEST(LineShaperTest, AHugeCommandLineIsTruncatedAndNoted) {
  const std::string line = alert_with("cmdline", std::string(70'000, 'x')).dump();
  const auto shrunk = shrink_line(line, kDefaultMaxLineBytes);
  ASSERT_TRUE(shrunk);
  EXPECT_LE(shrunk->size(), kDefaultMaxLineBytes);
  const json doc = json::parse(*shrunk);
  EXPECT_EQ(doc["id"], "ind:1");
  EXPECT_EQ(doc["severity"], 80);
  EXPECT_EQ(doc["device"]["platform_id"], "0");
  EXPECT_LT(doc["cmdline"].get<std::string>().size(), 70'000U);
  ASSERT_EQ(doc["cs_bridge"]["truncated"].size(), 1U);
  EXPECT_EQ(doc["cs_bridge"]["truncated"][0]["field"], "cmdline");
  EXPECT_EQ(doc["cs_bridge"]["truncated"][0]["original_length"], 70'000);
}

TEST(LineShaperTest, ManySmallValuesAreFoldedUntilTheLineFits) {
  json files = json::array();
  for (int i = 0; i < 300; ++i) {
    files.push_back({{"filename", "file" + std::to_string(i) + ".exe"},
                     {"filepath", "\\Device\\HarddiskVolume3\\Users\\jdoe\\AppData\\Local\\Temp\\" +
                                      std::string(150, 'a')},
                     {"sha256", std::string(64, 'f')}});
  }
  const std::string line = alert_with("quarantined_files", files).dump();
  ASSERT_GT(line.size(), kDefaultMaxLineBytes);
  const auto shrunk = shrink_line(line, kDefaultMaxLineBytes);
  ASSERT_TRUE(shrunk);
  EXPECT_LE(shrunk->size(), kDefaultMaxLineBytes);
  const json doc = json::parse(*shrunk);
  EXPECT_EQ(doc["severity"], 80);
  EXPECT_FALSE(doc["cs_bridge"]["truncated"].empty());
}

TEST(LineShaperTest, TruncationNeverSplitsAUtf8Character) {
  std::string text;
  for (int i = 0; i < 30'000; ++i) text += "\xE6\x9D\xB1";  // 東, 3 bytes each
  const std::string line = alert_with("description", text).dump();
  const auto shrunk = shrink_line(line, 20'000);
  ASSERT_TRUE(shrunk);
  EXPECT_LE(shrunk->size(), 20'000U);
  const json doc = json::parse(*shrunk);  // throws on invalid UTF-8
  EXPECT_EQ(doc["description"].get<std::string>().size() % 3, 0U);
}

TEST(LineShaperTest, OnlyTheOversizedLineOfABufferChanges) {
  const std::string small = alert_with("cmdline", "a").dump();
  const std::string big = alert_with("cmdline", std::string(5000, 'b')).dump();
  const std::string buffer = small + "\n" + big + "\n" + small + "\n";
  const auto out = shrink_oversized_lines(buffer, 2000);
  ASSERT_TRUE(out);
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = out->find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(out->substr(start, nl - start));
  }
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0], small);
  EXPECT_EQ(lines[2], small);
  EXPECT_LE(lines[1].size(), 2000U);
  EXPECT_TRUE(json::parse(lines[1]).contains("cs_bridge"));
}

TEST(LineShaperTest, IdsAndTimestampsAreNeverCutAndOneHugeArrayGoesFirst) {
  json a = alert_with("quarantined_files", json::array());
  a["id"] = "ind:" + std::string(96, 'd');  // longer than what a cut keeps
  a["created_timestamp"] = "2026-05-26T12:14:34.123456789Z";
  a["falcon_host_link"] = "https://falcon.example/" + std::string(200, 'l');
  for (int i = 0; i < 300; ++i) {
    a["quarantined_files"].push_back(
        {{"sha256", std::string(64, 'f')}, {"filepath", "C:\\Temp\\" + std::string(150, 'a')}});
  }
  const auto shrunk = shrink_line(a.dump(), kDefaultMaxLineBytes);
  ASSERT_TRUE(shrunk);
  const json doc = json::parse(*shrunk);
  EXPECT_EQ(doc["id"], a["id"]);
  EXPECT_EQ(doc["created_timestamp"], a["created_timestamp"]);
  EXPECT_EQ(doc["falcon_host_link"], a["falcon_host_link"]);  // the array was the one cut
  EXPECT_TRUE(doc["quarantined_files"].is_string());
}

// ---- the field count (agreement with the Wazuh decoder model: tests/wazuh) ----

TEST(LineShaperTest, CountsFieldsAsWazuhsJsonDecoder) {
  EXPECT_EQ(count_wazuh_fields("{}"), 0U);
  EXPECT_EQ(count_wazuh_fields(R"({"a":1})"), 1U);
  EXPECT_EQ(count_wazuh_fields(R"({"a":null,"b":true,"c":"x","d":-1.5e3})"), 4U);
  EXPECT_EQ(count_wazuh_fields(R"({"a":{"b":{"c":1,"d":[1,{"e":2}]}},"f":{}})"), 2U);
  EXPECT_EQ(count_wazuh_fields(R"({"a":[[["]"],"[",{"x":"}"}]],"b":"\"}\\","c":"q"})"), 3U);
  // Top-level static slots do not count; nested, the same names do.
  EXPECT_EQ(count_wazuh_fields(R"({"id":"x","status":"new","data":{"x":1},"d":{"id":1}})"), 2U);
  EXPECT_EQ(count_wazuh_fields(R"({"user":"a","user":"b"})"), 1U);  // dstuser, then a field
  EXPECT_EQ(count_wazuh_fields(R"({"dstuser":"a","user":"b"})"), 1U);
  EXPECT_EQ(count_wazuh_fields(R"({"\u0069d":"x","st\u0061tus":1})"), 0U);  // escaped names
  EXPECT_EQ(count_wazuh_fields(R"( { "a" : 1 , "b" : { "c" : [ 1 , 2 ] } } )"), 2U);
  EXPECT_EQ(count_wazuh_fields(R"({"integration":"crowdstrike","cs_kind":"alert"})"), 2U);
  // Not an object, or cut short: bounded, no crash.
  EXPECT_EQ(count_wazuh_fields("[1,2]"), 0U);
  EXPECT_EQ(count_wazuh_fields(""), 0U);
  EXPECT_LE(count_wazuh_fields(R"({"a":"unterminated)"), 1U);
  EXPECT_LE(count_wazuh_fields(R"({"a":[1,2)"), 1U);
}

using ojson = nlohmann::ordered_json;

/// An alert line's object (key order kept) with `extra_fields` fields under "extra".
ojson wide_alert(int extra_fields, bool severity_last) {
  ojson a = ojson::object();
  a["integration"] = "crowdstrike";
  a["cs_kind"] = "alert";
  a["id"] = "ind:1";
  if (!severity_last) a["severity"] = 85;
  for (int i = 0; i < extra_fields; ++i) {
    a["extra"]["f" + std::to_string(1000 + i)] = "value " + std::to_string(i);
  }
  a["device"] = {{"device_id", "d1"}, {"platform_id", "0"}};
  a["description"] = "Credential dumping";
  if (severity_last) a["severity"] = 85;
  return a;
}

/// `doc` with the objects of `overflow` merged back in (deep).
void merge_into(json& doc, const json& overflow) {
  for (auto it = overflow.begin(); it != overflow.end(); ++it) {
    if (it->is_object() && doc.contains(it.key()) && doc[it.key()].is_object()) {
      merge_into(doc[it.key()], *it);
    } else {
      doc[it.key()] = *it;
    }
  }
}

TEST(LineShaperTest, ALineWithinBothLimitsIsLeftAlone) {
  const std::string line = wide_alert(250, true).dump();
  ASSERT_EQ(count_wazuh_fields(line), 256U);
  EXPECT_FALSE(shape_line(line, {}));
  EXPECT_FALSE(shape_lines(line + "\n" + line + "\n", {}));
}

TEST(LineShaperTest, FieldsPastTheCapAreFoldedAndTheRuleFieldsStay) {
  const std::string line = wide_alert(400, true).dump();
  const json original = json::parse(line);
  ASSERT_EQ(count_wazuh_fields(line), 406U);
  ShapeReport report;
  const auto shaped = shape_line(line, {}, &report);
  ASSERT_TRUE(shaped);
  EXPECT_TRUE(report.folded);
  EXPECT_FALSE(report.shrunk);
  EXPECT_LE(count_wazuh_fields(*shaped), kWazuhFieldCap);
  const auto doc = nlohmann::ordered_json::parse(*shaped);
  EXPECT_EQ(doc.begin().key(), "integration");  // the order of what stays is kept
  EXPECT_EQ(std::next(doc.begin()).key(), "cs_kind");
  EXPECT_EQ(doc["severity"], 85);  // the last field, but a rule field
  EXPECT_EQ(doc["device"]["platform_id"], "0");
  EXPECT_EQ(doc["description"], "Credential dumping");
  EXPECT_EQ(doc["extra"]["f1000"], "value 0");  // the first fields stay
  EXPECT_FALSE(doc["extra"].contains("f1399"));
  // Nothing is lost: the overflow merged back gives the record again.
  json back = json::parse(*shaped);
  const json overflow = json::parse(back["cs_bridge"]["overflow"].get<std::string>());
  EXPECT_TRUE(overflow["extra"].contains("f1399"));
  back.erase("cs_bridge");
  merge_into(back, overflow);
  EXPECT_EQ(back, original);
}

TEST(LineShaperTest, AnObjectEmptiedByTheFoldLeavesTheLine) {
  json a = json::parse(wide_alert(0, false).dump());
  for (int i = 0; i < 300; ++i) a["z" + std::to_string(1000 + i)] = {{"only", i}};
  a["served_empty"] = json::object();
  const auto shaped = shape_line(a.dump(), {});
  ASSERT_TRUE(shaped);
  const json doc = json::parse(*shaped);
  EXPECT_FALSE(doc.contains("z1299"));
  EXPECT_TRUE(doc.contains("z1000"));
  EXPECT_TRUE(doc["served_empty"].is_object());  // no field either way; kept as served
  json back = doc;
  back.erase("cs_bridge");
  merge_into(back, json::parse(doc["cs_bridge"]["overflow"].get<std::string>()));
  EXPECT_EQ(back, a);
}

TEST(LineShaperTest, FoldThenShrinkComposes) {
  ojson a = wide_alert(500, true);
  for (int i = 0; i < 500; ++i) a["extra"]["f" + std::to_string(1000 + i)] = std::string(300, 'v');
  a["cmdline"] = std::string(70'000, 'x');
  const std::string line = a.dump();
  ShapeReport report;
  const auto shaped = shape_line(line, {}, &report);
  ASSERT_TRUE(shaped);
  EXPECT_TRUE(report.folded);
  EXPECT_TRUE(report.shrunk);
  EXPECT_LE(shaped->size(), kDefaultMaxLineBytes);
  EXPECT_LE(count_wazuh_fields(*shaped), kWazuhFieldCap);
  const json doc = json::parse(*shaped);
  EXPECT_EQ(doc["severity"], 85);
  EXPECT_EQ(doc["device"]["platform_id"], "0");
  EXPECT_TRUE(doc["cs_bridge"].contains("overflow"));
  EXPECT_FALSE(doc["cs_bridge"]["truncated"].empty());
}

TEST(LineShaperTest, ALineAtTheCapThatMustShrinkIsFoldedToMakeRoomForTheNote) {
  ojson a = wide_alert(250, true);
  a["extra"]["f1000"] = std::string(70'000, 'x');
  const std::string line = a.dump();
  ASSERT_EQ(count_wazuh_fields(line), 256U);
  const auto shaped = shape_line(line, {});
  ASSERT_TRUE(shaped);
  EXPECT_LE(shaped->size(), kDefaultMaxLineBytes);
  EXPECT_LE(count_wazuh_fields(*shaped), kWazuhFieldCap);
}

TEST(LineShaperTest, InvalidUtf8InALineToShapeBecomesReplacementCharacters) {
  std::string line = wide_alert(0, false).dump();
  line.insert(line.size() - 1,
              R"(,"bad":"x)" + std::string("\xC3\x28\xFF") + std::string(70'000, 'y') + "\"");
  const auto shaped = shape_line(line, {});
  ASSERT_TRUE(shaped);
  const json doc = json::parse(*shaped);  // strict: throws on invalid UTF-8
  EXPECT_EQ(doc["bad"].get<std::string>().substr(0, 8), "x\xEF\xBF\xBD(\xEF\xBF\xBD");
}

TEST(LineShaperTest, ShapeLinesCountsWhatItDid) {
  const std::string small = wide_alert(1, true).dump();
  const std::string wide = wide_alert(300, true).dump();
  const std::string buffer = small + "\n" + wide + "\n" + small + "\n";
  const auto out = shape_lines(buffer, {});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->folded, 1U);
  EXPECT_EQ(out->shrunk, 0U);
  EXPECT_TRUE(out->text.starts_with(small + "\n"));
  EXPECT_TRUE(out->text.ends_with("\n" + small + "\n"));
  EXPECT_EQ(std::count(out->text.begin(), out->text.end(), '\n'), 3);
}

}  // namespace
}  // namespace csbridge
