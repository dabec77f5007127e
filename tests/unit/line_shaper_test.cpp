#include "csbridge/line_shaper.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace csbridge
