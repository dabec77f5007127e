// cs-incidents (cases) exactly once across SIGKILL at any instant, with new cases (with and
// without hosts) and updates of earlier ones arriving: every case's rows, one per host, once.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "fault/fault_helpers.h"

#ifdef CSBRIDGE_INCIDENTS_BIN

namespace csbridge::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kOutputName = "crowdstrike_incidents.jsonl";

/// Adds cases while the daemon runs (0 to 3 hosts, cycling), and with every other batch
/// updates two earlier ones (new version, status, updated_timestamp now; same hosts).
class CaseFeeder {
 public:
  CaseFeeder(FakeFalcon& fake, AlertFactory& factory, std::vector<json> earlier)
      : fake_(fake), factory_(factory), cases_(std::move(earlier)) {
    thread_ = std::thread([this] { run(); });
  }
  ~CaseFeeder() { stop(); }
  CaseFeeder(const CaseFeeder&) = delete;
  CaseFeeder& operator=(const CaseFeeder&) = delete;
  void stop() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] int updates() const { return updates_; }

 private:
  void run() {
    std::mt19937 rng{7};
    int round = 0;
    // Paces the feed (a stimulus, not a synchronisation).
    while (!stop_.wait_for(300ms)) {
      const std::int64_t now = now_ns();
      for (int i = 0; i < 8; ++i) {
        cases_.push_back(fault::slim_case(factory_.make_case(now - kSecond + i * (kSecond / 8),
                                                             static_cast<int>(cases_.size() % 4))));
        fake_.add_case(cases_.back());
      }
      if (++round % 2 != 0) continue;
      for (int i = 0; i < 2; ++i) {
        json& c = cases_[std::uniform_int_distribution<std::size_t>{0, cases_.size() - 1}(rng)];
        c["version"] = c["version"].get<int>() + 1;
        c["status"] = c["status"] == "closed" ? "in_progress" : "closed";
        c["updated_timestamp"] = AlertFactory::format_rfc3339(now_ns(), 9);
        fake_.add_case(c);
        ++updates_;
      }
    }
  }

  FakeFalcon& fake_;
  AlertFactory& factory_;
  std::vector<json> cases_;
  std::atomic<int> updates_{0};
  StopSignal stop_;
  std::thread thread_;
};

TEST(IncidentsCrashTest, CasesExactlyOncePerHostAcrossRandomSigkills) {
  FakeFalcon fake;
  AlertFactory factory{CSBRIDGE_TEST_DATA_DIR, 51};
  TempDir work;
  std::vector<json> backlog;
  const std::int64_t t0 = now_ns() - 3 * 3600 * kSecond;
  for (int i = 0; i < 400; ++i) {
    backlog.push_back(fault::slim_case(factory.make_case(t0 + i * 20 * kSecond, i % 4)));
    fake.add_case(backlog.back());
  }
  const int kills = fault::env_int("CSBRIDGE_FAULT_KILLS", 50);
  const auto seed = static_cast<unsigned>(fault::env_int("CSBRIDGE_FAULT_SEED", 20261203));
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> delay_ms{20, 700};
  std::cout << "kills=" << kills << " seed=" << seed << "\n";

  const DaemonRun run{CSBRIDGE_INCIDENTS_BIN,
                      work.path(),
                      fake.base_url(),
                      {"--poll-interval", "0.2", "--page-limit", "100"}};
  const auto output = work.path() / kOutputName;
  int updates = 0;
  {
    CaseFeeder feeder{fake, factory, backlog};
    for (int k = 0; k < kills; ++k) {
      ChildProcess child{fault::loop_argv(run), run.env, work.path() / "daemon-output.txt"};
      if (k % 2 == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(rng)});  // kill moment
      } else {
        // Kill the moment the output grows: mid-write, or between the write and the state save.
        fault::wait_for_growth(output, 5s);
      }
      child.signal(SIGKILL);
      ASSERT_EQ(child.wait(), 128 + SIGKILL);
    }
    feeder.stop();
    updates = feeder.updates();
  }
  const auto [rc, out] = run.run();
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(run.run().first, 0);

  // Rows by case id.
  const std::string text = slurp(output);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "torn last line";
  std::map<std::string, std::vector<json>> rows;
  std::size_t lines = 0, invalid = 0;
  {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      ++lines;
      auto doc = json::parse(line, nullptr, false);
      if (!doc.is_object() || !doc.contains("crowdstrike.id")) {
        ++invalid;
        continue;
      }
      rows[doc["crowdstrike.id"].get<std::string>()].push_back(std::move(doc));
    }
  }
  std::size_t lost = 0, wrong_rows = 0, mixed_versions = 0, unknown = 0, expected_rows = 0;
  std::set<std::string> known;
  for (const auto& c : fake.cases()) {
    const std::string id = c.at("id").get<std::string>();
    known.insert(id);
    const json& hosts = c.at("analysis_results").at("hosts").at("records");
    expected_rows += std::max<std::size_t>(1, hosts.size());
    const auto it = rows.find(id);
    if (it == rows.end()) {
      ++lost;
      continue;
    }
    // One row per host (one for a hostless case), all of one version: written once.
    std::multiset<std::string> want, got;
    for (const auto& h : hosts) want.insert(h.at("aid").get<std::string>());
    std::set<int> versions;
    for (const auto& row : it->second) {
      if (!hosts.empty()) got.insert(row.value("crowdstrike.device_id", std::string{"<none>"}));
      versions.insert(row.at("crowdstrike.version").get<int>());
    }
    const std::size_t n = std::max<std::size_t>(1, hosts.size());
    if (it->second.size() != n || got != want) {
      ++wrong_rows;
      ADD_FAILURE() << "case " << c.at("reference_id") << ": " << it->second.size() << " rows for "
                    << hosts.size() << " hosts";
    }
    if (versions.size() != 1) ++mixed_versions;
  }
  for (const auto& [id, r] : rows) {
    if (!known.contains(id)) ++unknown;
  }
  EXPECT_EQ(invalid, 0U);
  EXPECT_EQ(lost, 0U);
  EXPECT_EQ(wrong_rows, 0U);
  EXPECT_EQ(mixed_versions, 0U);
  EXPECT_EQ(unknown, 0U);
  EXPECT_EQ(lines, expected_rows);
  std::cout << "lines=" << lines << " cases=" << known.size() << " updates=" << updates
            << " lost=" << lost << " wrong_rows=" << wrong_rows
            << " mixed_versions=" << mixed_versions << " invalid=" << invalid << "\n";
}

}  // namespace
}  // namespace csbridge::testing

#endif  // CSBRIDGE_INCIDENTS_BIN
