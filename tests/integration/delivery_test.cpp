// Delivery guarantees of cs-detections end to end (issue 4): the --lookback overlap catches
// late-indexed alerts exactly once, and a corrupt or hostile state file stops the daemon before
// it sends any request or touches the output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "fakes/alert_factory.h"
#include "integration/daemon_harness.h"

namespace csbridge::testing {
namespace {

using nlohmann::json;

constexpr const char* kOutput = "crowdstrike_alerts.jsonl";
constexpr const char* kWatermark = "last_alert_timestamp.txt";
constexpr const char* kIds = "last_alert_ids.json";

class DeliveryTest : public ::testing::Test {
 protected:
  DaemonRun daemon(std::vector<std::string> extra = {}) {
    return DaemonRun{CSBRIDGE_DETECTIONS_BIN, work_.path(), fake_.base_url(), std::move(extra)};
  }
  [[nodiscard]] std::filesystem::path path(const char* name) const { return work_.path() / name; }

  /// How many lines of the output carry each id.
  [[nodiscard]] std::map<std::string, int> id_counts() const {
    std::map<std::string, int> out;
    for (const auto& line : read_ndjson(path(kOutput))) ++out[line.at("id").get<std::string>()];
    return out;
  }

  /// The newest created_timestamp in the output, in ns.
  [[nodiscard]] std::int64_t newest_written_ns() const {
    std::int64_t newest = 0;
    for (const auto& line : read_ndjson(path(kOutput))) {
      const auto ns = AlertFactory::parse_rfc3339(line.at("created_timestamp").get<std::string>());
      EXPECT_TRUE(ns.has_value());
      newest = std::max(newest, ns.value_or(0));
    }
    return newest;
  }

  /// Runs once, adds an alert created 90 s before the newest one written (visible only now:
  /// late indexing), runs twice more. Returns the late alert's id.
  std::string run_with_a_late_alert(const std::vector<std::string>& flags) {
    fake_.add_alerts(factory_.make_alerts(200, now_ns() - 1200 * kSecond, 5 * kSecond));
    const auto [rc, out] = daemon(flags).run();
    EXPECT_EQ(rc, 0) << out;
    json late = factory_.make_alert(newest_written_ns() - 90 * kSecond);
    fake_.add_alert(late);
    for (int i = 0; i < 2; ++i) {
      const auto [rc2, out2] = daemon(flags).run();
      EXPECT_EQ(rc2, 0) << out2;
    }
    return late.at("id").get<std::string>();
  }

  FakeFalcon fake_;
  AlertFactory factory_{CSBRIDGE_TEST_DATA_DIR, 41};
  TempDir work_;
};

TEST_F(DeliveryTest, ALateIndexedAlertWithinTheLookbackIsWrittenExactlyOnce) {
  const std::string late = run_with_a_late_alert({});
  const auto counts = id_counts();
  EXPECT_EQ(counts.size(), 201U);
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << id;
  ASSERT_TRUE(counts.contains(late)) << "the late alert was missed";
  // The overlap re-reads the last 300 s every run; the seen set drops all of it but the new one.
  const std::string log = slurp(path("crowdstrike_integration.log"));
  EXPECT_NE(log.find("new_written=1"), std::string::npos);
}

TEST_F(DeliveryTest, WithoutTheLookbackALateIndexedAlertIsMissed) {
  // The control experiment: the overlap is what catches the late alert above.
  const std::string late = run_with_a_late_alert({"--lookback", "0"});
  const auto counts = id_counts();
  EXPECT_EQ(counts.size(), 200U);
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << id;
  EXPECT_FALSE(counts.contains(late));
}

/// One corrupt or hostile state; `file` is the one whose name the error must carry.
struct BadState {
  const char* name;
  std::optional<std::string> watermark;  ///< content of last_alert_timestamp.txt, if any
  std::optional<std::string> ids;        ///< content of last_alert_ids.json, if any
  const char* file;
};

std::string v2(const std::string& watermark_json, const std::string& seen_json,
               const std::string& version = "2") {
  return R"({"format":"cs-bridge-state","version":)" + version + R"(,"watermark":)" +
         watermark_json + R"(,"seen":)" + seen_json + "}";
}

class CorruptStateTest : public DeliveryTest, public ::testing::WithParamInterface<BadState> {};

TEST_P(CorruptStateTest, ExitsTwoNamingTheFileWithoutARequestOrAnOutputWrite) {
  const BadState& bad = GetParam();
  const auto truth = factory_.make_alerts(30, now_ns() - 600 * kSecond, kSecond);
  fake_.add_alerts(truth);
  if (bad.watermark) std::ofstream(path(kWatermark), std::ios::binary) << *bad.watermark;
  if (bad.ids) std::ofstream(path(kIds), std::ios::binary) << *bad.ids;
  // An output from earlier runs, which the refused run must leave alone.
  const std::string earlier = R"({"id":"earlier:1","created_timestamp":"2026-01-01T00:00:00Z"})"
                              "\n";
  std::ofstream(path(kOutput), std::ios::binary) << earlier;
  struct stat before {};
  ASSERT_EQ(::stat(path(kOutput).c_str(), &before), 0);

  const auto [rc, out] = daemon().run();
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find(std::string{"state file '"} + (work_.path() / bad.file).string() + "'"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("--reset-state"), std::string::npos) << "no way out named: " << out;
  EXPECT_EQ(fake_.token_requests(), 0);
  EXPECT_EQ(fake_.api_requests(), 0);
  struct stat after {};
  ASSERT_EQ(::stat(path(kOutput).c_str(), &after), 0);
  EXPECT_EQ(slurp(path(kOutput)), earlier);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  // The refused state is kept for the operator to look at.
  if (bad.watermark) {
    EXPECT_EQ(slurp(path(kWatermark)), *bad.watermark);
  }
  if (bad.ids) {
    EXPECT_EQ(slurp(path(kIds)), *bad.ids);
  }

  // --reset-state starts over: a --backfill-days backfill after the earlier output.
  const auto [rc2, out2] = daemon({"--reset-state"}).run();
  ASSERT_EQ(rc2, 0) << out2;
  const auto lines = read_ndjson(path(kOutput));
  ASSERT_EQ(lines.size(), 1 + truth.size());
  EXPECT_EQ(lines.front().at("id"), "earlier:1");
  const auto raw = read_lines(path(kOutput));
  for (std::size_t i = 0; i < truth.size(); ++i) {
    EXPECT_TRUE(marker_first(raw[i + 1])) << raw[i + 1].substr(0, 200);
    EXPECT_EQ(without_marker(lines[i + 1]), truth[i]);
  }
  const json state = json::parse(slurp(path(kIds)));
  EXPECT_EQ(state.at("version"), 2);
  EXPECT_EQ(state.at("seen").size(), truth.size());
  EXPECT_EQ(AlertFactory::parse_rfc3339(slurp(path(kWatermark))),
            AlertFactory::parse_rfc3339(truth.back().at("created_timestamp").get<std::string>()));
}

/// A string literal's bytes, NULs included.
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

const std::string kGoodStamp = "2026-01-01T00:00:00Z";

INSTANTIATE_TEST_SUITE_P(
    States, CorruptStateTest,
    ::testing::Values(
        BadState{"EmptyWatermark", "", std::nullopt, kWatermark},
        BadState{"TruncatedV2", std::nullopt,
                 v2("\"" + kGoodStamp + "\"", R"({"a":1,"b":2})").substr(0, 60), kIds},
        BadState{"GarbageIds", std::nullopt,
                 bytes("\x7f"
                       "ELF\x02\x01\x00\xff\xfe garbage"),
                 kIds},
        BadState{"GarbageWatermark", bytes("\xff\xfe\x00\x01\x9c binary"), std::nullopt,
                 kWatermark},
        BadState{"NotRfc3339", "2026/01/01 00:00:00", std::nullopt, kWatermark},
        BadState{"FqlInjection", "2026-01-01T00:00:00Z' + product:'x", std::nullopt, kWatermark},
        BadState{"FqlInjectionInV2", std::nullopt,
                 v2(R"("2026-01-01T00:00:00Z' + product:'x")", "{}"), kIds},
        BadState{"FarFuture", "2099-01-01T00:00:00Z", std::nullopt, kWatermark},
        BadState{"FarFutureInV2", std::nullopt, v2(R"("2099-01-01T00:00:00Z")", "{}"), kIds},
        BadState{"WrongVersion", std::nullopt, v2("\"" + kGoodStamp + "\"", "{}", "3"), kIds},
        BadState{"NonIntegerStamp", std::nullopt,
                 v2("\"" + kGoodStamp + "\"", R"({"ind:a":1.5,"ind:b":"x"})"), kIds},
        BadState{"NonStringIdInSeedArray", std::nullopt, R"(["ind:a", 17])", kIds}),
    [](const auto& param_info) { return std::string{param_info.param.name}; });

}  // namespace
}  // namespace csbridge::testing
