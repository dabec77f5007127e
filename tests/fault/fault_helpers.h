// Shared pieces of the fault tests: bounded polling, process liveness, slim fake records,
// and reading a set of NDJSON files back as one stream.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "csbridge/clock.h"
#include "fakes/alert_factory.h"
#include "integration/daemon_harness.h"

namespace csbridge::testing::fault {

using nlohmann::json;

inline int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

/// Polls `condition` every `interval` until it holds or `limit` has passed; returns whether it
/// held. The bounded wait on an observable condition the fault tests use instead of sleeps.
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit,
                       std::chrono::milliseconds interval = std::chrono::milliseconds{10}) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

/// Returns as soon as `file` changes size (or after `limit`): busy-polls, since the window it
/// aims for (after the output write, before the state save) lasts only milliseconds.
inline void wait_for_growth(const std::filesystem::path& file, std::chrono::seconds limit) {
  std::error_code ec;
  const auto before = std::filesystem::file_size(file, ec);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto now_size = std::filesystem::file_size(file, ec);
    if (!ec && now_size != before) return;
    std::this_thread::yield();
  }
}

/// Whether the child `pid` still runs (not exited, not a zombie). Does not reap it.
inline bool still_running(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
}

/// The daemon's command line without --once: the long-running daemon.
inline std::vector<std::string> loop_argv(const DaemonRun& run) {
  std::vector<std::string> argv = run.argv();
  argv.erase(std::find(argv.begin(), argv.end(), "--once"));
  return argv;
}

/// An alert cut down to its identifiers, timestamps and a few small fields: the tests are
/// about delivery, and the fake's response compression costs seconds per megabyte.
inline json slim_alert(const json& alert) {
  json out = json::object();
  for (const char* k : {"id", "composite_id", "cid", "created_timestamp", "updated_timestamp",
                        "timestamp", "product", "severity", "name", "description"}) {
    if (auto it = alert.find(k); it != alert.end()) out[k] = *it;
  }
  return out;
}

/// A case without its bulky nested fields (as IncidentsTest's `slim`), hosts kept.
inline json slim_case(json c) {
  for (const char* k : {"evidence", "sla", "fields", "workflows", "template", "creation_actor",
                        "update_actor", "description", "created_by", "last_updated_by"}) {
    c.erase(k);
  }
  for (const char* k : {"alerts", "cloud_assets", "events", "files", "leads", "users"}) {
    c["analysis_results"].erase(k);
  }
  return c;
}

/// Adds slim alerts while a daemon runs: `batch` every `period`, and with every other batch one
/// that becomes visible 90 s after its created_timestamp (late indexing). Owns `factory` while
/// it runs (AlertFactory is not thread-safe).
class SlimAlertFeeder {
 public:
  SlimAlertFeeder(FakeFalcon& fake, AlertFactory& factory, int batch,
                  std::chrono::milliseconds period)
      : fake_(fake), factory_(factory), batch_(batch), period_(period) {
    thread_ = std::thread([this] { run(); });
  }
  ~SlimAlertFeeder() { stop(); }
  SlimAlertFeeder(const SlimAlertFeeder&) = delete;
  SlimAlertFeeder& operator=(const SlimAlertFeeder&) = delete;
  void stop() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    int round = 0;
    // Paces the feed (a stimulus, not a synchronisation).
    while (!stop_.wait_for(period_)) {
      const std::int64_t now = now_ns();
      std::vector<json> alerts;
      for (auto& a : factory_.make_alerts(batch_, now - kSecond, kSecond / batch_)) {
        alerts.push_back(slim_alert(a));
      }
      if (++round % 2 == 0) alerts.push_back(slim_alert(factory_.make_alert(now - 90 * kSecond)));
      fake_.add_alerts(std::move(alerts));
    }
  }

  FakeFalcon& fake_;
  AlertFactory& factory_;
  int batch_;
  std::chrono::milliseconds period_;
  StopSignal stop_;
  std::thread thread_;
};

/// What a set of NDJSON files hold together.
struct NdjsonUnion {
  std::map<std::string, int> id_count;  ///< per "id" (or `id_key`), how many lines carry it
  std::vector<json> lines;
  std::size_t invalid{0};       ///< lines that are not a JSON object with a string id
  std::size_t unterminated{0};  ///< files whose last byte is not '\n'
  std::size_t unmarked{0};      ///< lines not starting with the marker contract's two keys
};

/// Adds the text of one NDJSON file to `u`.
inline void add_ndjson_text(NdjsonUnion& u, const std::string& text, const std::string& id_key) {
  if (text.empty()) return;
  if (text.back() != '\n') ++u.unterminated;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto doc = json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains(id_key) ||
        !doc[id_key].is_string()) {
      ++u.invalid;
      continue;
    }
    if (!line.starts_with(R"({"integration":"crowdstrike","cs_kind":")")) ++u.unmarked;
    ++u.id_count[doc[id_key].get<std::string>()];
    u.lines.push_back(std::move(doc));
  }
}

/// Every file in `dir` whose name starts with `prefix` (the output and its rotated copies).
inline std::vector<std::filesystem::path> files_starting_with(const std::filesystem::path& dir,
                                                              const std::string& prefix) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Every alert of `truth` exactly once in `u`, nothing else, every line complete and valid.
inline void expect_alerts_exactly_once(const NdjsonUnion& u, const std::vector<json>& truth) {
  std::size_t lost = 0, duplicated = 0, unknown = 0;
  std::map<std::string, int> want;
  for (const auto& a : truth) want[a.at("id").get<std::string>()] = 0;
  for (const auto& [id, n] : u.id_count) {
    if (!want.contains(id)) ++unknown;
    if (n > 1) ++duplicated;
  }
  for (const auto& [id, n] : want) {
    if (!u.id_count.contains(id)) ++lost;
  }
  EXPECT_EQ(u.unterminated, 0U) << "a file ends in a torn line";
  EXPECT_EQ(u.invalid, 0U) << "invalid lines";
  EXPECT_EQ(u.unmarked, 0U) << "lines without the marker first";
  EXPECT_EQ(duplicated, 0U) << "alerts written more than once";
  EXPECT_EQ(lost, 0U) << "alerts never written";
  EXPECT_EQ(unknown, 0U) << "lines that are no alert of the fake";
  EXPECT_EQ(u.lines.size(), truth.size());
  std::cout << "lines=" << u.lines.size() << " alerts=" << truth.size() << " lost=" << lost
            << " duplicated=" << duplicated << " invalid=" << u.invalid
            << " unterminated=" << u.unterminated << "\n";
}

}  // namespace csbridge::testing::fault
