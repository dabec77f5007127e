// The state stays as small as the --lookback window, whatever the history: 300 000 alerts over
// 30 days read in many runs, starting from the seed's 100 000-id JSON array.
#include <gtest/gtest.h>

#include <unordered_set>

#include "fault/fault_helpers.h"

namespace csbridge::testing {
namespace {

using nlohmann::json;

constexpr const char* kOutputName = "crowdstrike_alerts.jsonl";
constexpr const char* kIdsName = "last_alert_ids.json";
constexpr const char* kWatermarkName = "last_alert_timestamp.txt";

/// A minimal alert: the test is about volume, and the fake compresses every response.
json history_alert(int i, std::int64_t created_ns) {
  const std::string id = "ind:hist:" + std::to_string(i);
  return {{"id", id},
          {"composite_id", "cidhist:" + id},
          {"created_timestamp", AlertFactory::format_rfc3339(created_ns)}};
}

std::uintmax_t size_of(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

TEST(StateSizeTest, StaysBoundedByTheLookbackWindowOverAMonthOfHistory) {
  constexpr int kAlerts = 300'000;
  constexpr int kSeedWritten = 1000;  // the first alerts, written by the seed
  constexpr int kSeedIds = 100'000;   // the seed's id array: those, and older ones
  constexpr int kRuns = 10;           // the rest of the month arrives in this many parts
  constexpr std::uintmax_t kMaxStateBytes = 200 * 1024;
  const std::int64_t now = now_ns();
  const std::int64_t month = 30LL * 86400 * kSecond;
  const std::int64_t step = month / kAlerts;  // 8.64 s: ~450 alerts within lookback + 1 h
  const std::int64_t start = now - month;
  const auto created = [&](int i) { return start + static_cast<std::int64_t>(i) * step; };

  FakeFalcon fake;
  TempDir work;
  const DaemonRun run{CSBRIDGE_DETECTIONS_BIN,
                      work.path(),
                      fake.base_url(),
                      {"--backfill-days", "31", "--page-limit", "1000"}};
  // What detections.py leaves after writing the first alerts: a plain timestamp and a JSON
  // array of every id it ever wrote.
  {
    std::vector<json> first;
    json ids = json::array();
    for (int i = 0; i < kSeedWritten; ++i) {
      first.push_back(history_alert(i, created(i)));
      ids.push_back(first.back()["id"]);
    }
    for (int i = kSeedWritten; i < kSeedIds; ++i)
      ids.push_back("ind:seed-only:" + std::to_string(i));
    fake.add_alerts(std::move(first));
    std::ofstream(work.path() / kWatermarkName)
        << AlertFactory::format_rfc3339(created(kSeedWritten - 1));
    std::ofstream(work.path() / kIdsName) << ids.dump();
  }
  const auto seed_bytes = size_of(work.path() / kIdsName);

  // First run: nothing new. The array migrates to v2 and keeps every id: they carry no time, so
  // they count as seen at the watermark and live one retention (the overlap window) past it.
  {
    const auto [rc, out] = run.run();
    ASSERT_EQ(rc, 0) << out;
    const json state = json::parse(slurp(work.path() / kIdsName));
    EXPECT_EQ(state.at("format"), "cs-bridge-state");
    EXPECT_EQ(state.at("version"), 2);
    EXPECT_EQ(state.at("seen").size(), static_cast<std::size_t>(kSeedIds));
    EXPECT_EQ(size_of(work.path() / kOutputName), 0U);
    std::cout << "seed id array: " << seed_bytes
              << " bytes; migrated v2: " << size_of(work.path() / kIdsName) << " bytes, "
              << state.at("seen").size() << " ids\n";
  }

  std::vector<std::uintmax_t> sizes;
  int added = kSeedWritten;
  for (int r = 1; r <= kRuns; ++r) {
    const int until = kSeedWritten + (kAlerts - kSeedWritten) * r / kRuns;
    std::vector<json> part;
    part.reserve(static_cast<std::size_t>(until - added));
    for (; added < until; ++added) part.push_back(history_alert(added, created(added)));
    fake.add_alerts(std::move(part));
    const auto [rc, out] = run.run();
    ASSERT_EQ(rc, 0) << out;
    const json state = json::parse(slurp(work.path() / kIdsName));
    sizes.push_back(size_of(work.path() / kIdsName));
    std::cout << "run " << r << ": " << added << " alerts in history, state " << sizes.back()
              << " bytes, " << state.at("seen").size() << " ids, watermark "
              << state.at("watermark").get<std::string>() << "\n";
    EXPECT_LE(sizes.back(), kMaxStateBytes) << "run " << r;
    if (r == 1) {
      // Once the watermark is past the seed's by more than the retention, its ids are gone.
      for (const auto& [id, stamp] : state.at("seen").items()) {
        ASSERT_FALSE(id.starts_with("ind:seed-only:")) << "seed id not pruned: " << id;
      }
    }
    EXPECT_EQ(AlertFactory::parse_rfc3339(state.at("watermark").get<std::string>()),
              created(added - 1));
  }
  // Not growing with the history: the last state is about the size of the first.
  EXPECT_LE(sizes.back(), sizes.front() * 3 / 2);
  EXPECT_GE(sizes.back(), sizes.front() * 2 / 3);

  // Every alert after the seed's exactly once.
  std::unordered_set<std::string> ids;
  std::size_t lines = 0, duplicates = 0;
  {
    std::ifstream in(work.path() / kOutputName);
    for (std::string line; std::getline(in, line);) {
      ++lines;
      const auto doc = json::parse(line, nullptr, false);
      ASSERT_TRUE(doc.is_object()) << line;
      if (!ids.insert(doc.at("id").get<std::string>()).second) ++duplicates;
    }
  }
  EXPECT_EQ(duplicates, 0U);
  EXPECT_EQ(lines, static_cast<std::size_t>(kAlerts - kSeedWritten));
  std::cout << "alerts processed: " << lines << " written, output "
            << size_of(work.path() / kOutputName) << " bytes, final state " << sizes.back()
            << " bytes\n";
}

}  // namespace
}  // namespace csbridge::testing
