// Exactly once across SIGKILL at any instant, with live and late-indexed alerts arriving.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "csbridge/clock.h"
#include "fakes/alert_factory.h"
#include "integration/daemon_harness.h"

namespace csbridge::testing {
namespace {

using nlohmann::json;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

/// Adds alerts while the daemon runs, in bursts, and now and then one that becomes visible
/// 90 s after its created_timestamp (late indexing).
class LiveFeeder {
 public:
  LiveFeeder(FakeFalcon& fake, AlertFactory& factory) : fake_(fake), factory_(factory) {
    thread_ = std::thread([this] { run(); });
  }
  ~LiveFeeder() { stop(); }
  void stop() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    int batch = 0;
    // Paces the feed (a stimulus, not a synchronisation): bursts big enough that most cycles
    // write megabytes, so kills land mid-write and between the write and the state save.
    while (!stop_.wait_for(std::chrono::milliseconds{300})) {
      const std::int64_t now = now_ns();
      fake_.add_alerts(factory_.make_alerts(300, now - kSecond, kSecond / 300));
      if (++batch % 2 == 0) fake_.add_alert(factory_.make_alert(now - 90 * kSecond));
    }
  }

  FakeFalcon& fake_;
  AlertFactory& factory_;
  StopSignal stop_;
  std::thread thread_;
};

/// Output lines, each complete and valid, with no id twice and exactly the fake's alerts.
void expect_exactly_once(const std::filesystem::path& output, const std::vector<json>& truth) {
  const std::string text = slurp(output);
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n') << "torn last line";
  std::map<std::string, json> written;
  std::size_t lines = 0, invalid = 0, duplicates = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    ++lines;
    auto doc = json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("id") || !marker_first(line)) {
      ++invalid;
      continue;
    }
    // The served alert after the marker, value for value.
    if (!written.emplace(doc["id"].get<std::string>(), without_marker(doc)).second) ++duplicates;
  }
  std::size_t lost = 0, changed = 0;
  for (const auto& alert : truth) {
    const auto it = written.find(alert["id"].get<std::string>());
    if (it == written.end()) {
      ++lost;
    } else if (it->second != alert) {
      ++changed;
    }
  }
  EXPECT_EQ(invalid, 0U);
  EXPECT_EQ(duplicates, 0U);
  EXPECT_EQ(lost, 0U);
  EXPECT_EQ(changed, 0U);
  EXPECT_EQ(written.size(), truth.size());
  std::cout << "lines=" << lines << " alerts=" << truth.size() << " lost=" << lost
            << " duplicated=" << duplicates << " invalid=" << invalid << "\n";
}

/// Returns as soon as `file` changes size (or after `limit`): busy-polls, since the window it
/// aims for (after the output write, before the state save) lasts only milliseconds.
void kill_when_output_grows(const std::filesystem::path& file, std::chrono::seconds limit) {
  std::error_code ec;
  const auto before = std::filesystem::file_size(file, ec);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto now_size = std::filesystem::file_size(file, ec);
    if (!ec && now_size != before) return;
    std::this_thread::yield();
  }
}

TEST(CrashTest, DetectionsExactlyOnceAcrossRandomSigkills) {
  FakeFalcon fake;
  AlertFactory factory;
  TempDir work;
  // A backlog of big pages makes the write window real: a kill often lands mid-write.
  fake.add_alerts(factory.make_alerts(12000, now_ns() - 6 * 3600 * kSecond, kSecond));
  const int kills = env_int("CSBRIDGE_FAULT_KILLS", 50);
  const auto seed = static_cast<unsigned>(env_int("CSBRIDGE_FAULT_SEED", 20261203));
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> delay_ms{20, 700};
  std::cout << "kills=" << kills << " seed=" << seed << "\n";

  DaemonRun run{CSBRIDGE_DETECTIONS_BIN,
                work.path(),
                fake.base_url(),
                {"--poll-interval", "0.2", "--page-limit", "1000"}};
  const auto output = work.path() / "crowdstrike_alerts.jsonl";
  {
    LiveFeeder feeder{fake, factory};
    for (int k = 0; k < kills; ++k) {
      std::vector<std::string> argv = run.argv();
      argv.erase(std::find(argv.begin(), argv.end(), "--once"));  // the long-running daemon
      ChildProcess child{argv, run.env, work.path() / "daemon-output.txt"};
      if (k % 2 == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(rng)});  // kill moment
      } else {
        // Kill the moment the output grows: between the write (or mid-write) and the state save.
        kill_when_output_grows(output, std::chrono::seconds{5});
      }
      child.signal(SIGKILL);
      ASSERT_EQ(child.wait(), 128 + SIGKILL);
    }
    feeder.stop();
  }
  // Late-indexed alerts of the last seconds become visible to a run that starts now.
  const auto [rc, out] = run.run();
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(run.run().first, 0);
  expect_exactly_once(output, fake.alerts());
}

}  // namespace
}  // namespace csbridge::testing
