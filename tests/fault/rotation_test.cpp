// Output rotation while the daemon runs (rename, delete, SIGHUP) and across crashes: every
// alert lands exactly once in the union of the files, and no file is ever truncated in place.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <regex>

#include "csbridge/file_util.h"
#include "fault/fault_helpers.h"

namespace csbridge::testing {
namespace {

using fault::NdjsonUnion;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kOutputName = "crowdstrike_alerts.jsonl";
constexpr const char* kLogName = "crowdstrike_integration.log";

/// Watches every file named `prefix`* in `dir` from its own thread and records it whenever one
/// of them (told apart by inode) got smaller: the daemon must never truncate a file in place.
class ShrinkWatch {
 public:
  ShrinkWatch(std::filesystem::path dir, std::string prefix)
      : dir_(std::move(dir)), prefix_(std::move(prefix)) {
    thread_ = std::thread([this] {
      while (!stop_.wait_for(2ms)) poll();
    });
  }
  ~ShrinkWatch() { stop(); }
  ShrinkWatch(const ShrinkWatch&) = delete;
  ShrinkWatch& operator=(const ShrinkWatch&) = delete;

  void stop() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
    poll();
  }
  [[nodiscard]] std::vector<std::string> shrinks() const {
    std::lock_guard lock(mu_);
    return shrinks_;
  }

 private:
  void poll() {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.starts_with(prefix_)) continue;
      struct stat sb {};
      if (::stat(it->path().c_str(), &sb) != 0) continue;  // renamed meanwhile
      std::lock_guard lock(mu_);
      auto& last = last_size_[sb.st_ino];
      if (sb.st_size < last) {
        shrinks_.push_back(name + " (inode " + std::to_string(sb.st_ino) + ") shrank from " +
                           std::to_string(last) + " to " + std::to_string(sb.st_size) + " bytes");
      }
      last = sb.st_size;
    }
  }

  std::filesystem::path dir_;
  std::string prefix_;
  mutable std::mutex mu_;
  std::map<ino_t, off_t> last_size_;
  std::vector<std::string> shrinks_;
  StopSignal stop_;
  std::thread thread_;
};

/// Everything readable through `fd` (from the start).
std::string read_fd(int fd) {
  std::string out;
  char buf[65536];
  off_t at = 0;
  while (true) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    at += n;
  }
  return out;
}

/// The inode and content of the file at `path` right now (read through one descriptor).
std::pair<ino_t, std::string> snapshot(const std::filesystem::path& path) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return {0, {}};
  struct stat sb {};
  if (::fstat(fd.get(), &sb) != 0) return {0, {}};
  return {sb.st_ino, read_fd(fd.get())};
}

std::uintmax_t size_or_zero(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

TEST(RotationTest, RenamedAndDeletedOutputWhileRunningLosesAndRepeatsNothing) {
  FakeFalcon fake;
  AlertFactory factory{CSBRIDGE_TEST_DATA_DIR, 21};
  TempDir work;
  {
    std::vector<json> backlog;
    for (auto& a : factory.make_alerts(6000, now_ns() - 4 * 3600 * kSecond, 2 * kSecond)) {
      backlog.push_back(fault::slim_alert(a));
    }
    fake.add_alerts(std::move(backlog));
  }
  const DaemonRun run{CSBRIDGE_DETECTIONS_BIN,
                      work.path(),
                      fake.base_url(),
                      {"--poll-interval", "0.2", "--page-limit", "200"}};
  const auto output = work.path() / kOutputName;
  const auto log = work.path() / kLogName;
  constexpr int kRotations = 6;
  constexpr int kDeleteAt = 3;  // this rotation deletes the output instead of renaming it
  // The first rotation comes early in the backlog's long first cycle and is followed by SIGHUP
  // (and a renamed log): it must be honoured within a page, not at the end of the cycle.
  constexpr int kHangupAt = 1;

  ShrinkWatch watch{work.path(), kOutputName};
  std::map<ino_t, std::string> snapshots;  // what each file held just before it was rotated
  UniqueFd deleted;                        // keeps the deleted output readable
  ino_t deleted_inode = 0;
  {
    fault::SlimAlertFeeder feeder{fake, factory, 20, 100ms};
    ChildProcess daemon{fault::loop_argv(run), run.env, work.path() / "daemon-output.txt"};
    for (int r = 1; r <= kRotations; ++r) {
      // Records keep landing in the current file.
      ASSERT_TRUE(fault::wait_until([&] { return size_or_zero(output) > 0; }, 30s))
          << "nothing written to a new " << output << " before rotation " << r << "\n"
          << daemon.output();
      if (r == kDeleteAt) {
        deleted.reset(::open(output.c_str(), O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(deleted);
        struct stat sb {};
        ASSERT_EQ(::fstat(deleted.get(), &sb), 0);
        deleted_inode = sb.st_ino;
        snapshots[sb.st_ino] = read_fd(deleted.get());
        ASSERT_EQ(::unlink(output.c_str()), 0);
        continue;
      }
      auto [inode, content] = snapshot(output);
      ASSERT_NE(inode, 0U);
      snapshots[inode] = std::move(content);
      const auto rotated = work.path() / (std::string{kOutputName} + "." + std::to_string(r));
      ASSERT_EQ(::rename(output.c_str(), rotated.c_str()), 0);
      if (r == kHangupAt) {
        // logrotate's way: rename both, then SIGHUP. The log is reopened only by SIGHUP.
        ASSERT_EQ(::rename(log.c_str(), (log.string() + ".1").c_str()), 0);
        daemon.signal(SIGHUP);
        const auto sent = std::chrono::steady_clock::now();
        ASSERT_TRUE(fault::wait_until(
            [&] { return std::filesystem::exists(output) && std::filesystem::exists(log); }, 3s))
            << "after SIGHUP: output " << std::filesystem::exists(output) << ", log "
            << std::filesystem::exists(log) << "\n"
            << daemon.output().substr(daemon.output().size() > 3000 ? daemon.output().size() - 3000
                                                                    : 0);
        std::cout << "SIGHUP: new output and log after "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - sent)
                         .count()
                  << " ms\n";
      }
    }
    ASSERT_TRUE(fault::wait_until([&] { return size_or_zero(output) > 0; }, 30s));
    feeder.stop();
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait(), 0) << daemon.output();
  }
  EXPECT_NE(slurp(log).find("Reopened"), std::string::npos) << "SIGHUP was not logged";
  // Late-indexed alerts of the last seconds become visible to a run that starts now.
  const auto [rc, out] = run.run();
  ASSERT_EQ(rc, 0) << out;
  watch.stop();

  for (const auto& s : watch.shrinks()) ADD_FAILURE() << "truncated in place: " << s;
  std::map<ino_t, std::string> final_content;
  NdjsonUnion all;
  const auto files = fault::files_starting_with(work.path(), kOutputName);
  EXPECT_EQ(files.size(), static_cast<std::size_t>(kRotations));  // 5 renamed + the current
  for (const auto& f : files) {
    auto [inode, content] = snapshot(f);
    fault::add_ndjson_text(all, content, "id");
    final_content[inode] = std::move(content);
  }
  final_content[deleted_inode] = read_fd(deleted.get());
  fault::add_ndjson_text(all, final_content[deleted_inode], "id");
  // A rotated file only ever grew: what it held before its rotation is a prefix of it now.
  for (const auto& [inode, before] : snapshots) {
    const auto it = final_content.find(inode);
    ASSERT_NE(it, final_content.end()) << "a rotated file vanished (inode " << inode << ")";
    EXPECT_TRUE(it->second.starts_with(before))
        << "inode " << inode << " is no longer a continuation of its content at rotation ("
        << before.size() << " bytes then, " << it->second.size() << " now)";
  }
  EXPECT_GT(final_content[deleted_inode].size(), 0U);
  fault::expect_alerts_exactly_once(all, fake.alerts());
}

TEST(RotationTest, ARotationDuringTheWaitBetweenCyclesCreatesTheNewFileAtOnce) {
  // Wazuh checks a rotated path every 64 s and forgets it if the new file is missing then; a
  // file it finds later is read from its end. So the new file must exist, empty, right after
  // the rotation, also when the next cycle (and the next record) is an hour away.
  FakeFalcon fake;
  AlertFactory factory{CSBRIDGE_TEST_DATA_DIR, 23};
  TempDir work;
  fake.add_alerts(factory.make_alerts(5, now_ns() - 3600 * kSecond, kSecond));
  const DaemonRun run{
      CSBRIDGE_DETECTIONS_BIN, work.path(), fake.base_url(), {"--poll-interval", "3600"}};
  const auto output = work.path() / kOutputName;
  ChildProcess daemon{fault::loop_argv(run), run.env, work.path() / "daemon-output.txt"};
  // The first cycle wrote the backlog; the daemon now waits an hour for the next one.
  ASSERT_TRUE(fault::wait_until(
      [&] { return slurp(work.path() / kLogName).find("health status=ok") != std::string::npos; },
      30s))
      << daemon.output();
  const std::string before = slurp(output);
  ASSERT_EQ(std::count(before.begin(), before.end(), '\n'), 5);
  const auto rotated = work.path() / (std::string{kOutputName} + ".1");
  ASSERT_EQ(::rename(output.c_str(), rotated.c_str()), 0);
  EXPECT_TRUE(fault::wait_until([&] { return std::filesystem::exists(output); }, 10s))
      << "the rotated output was not recreated during the wait\n"
      << daemon.output();
  EXPECT_EQ(size_or_zero(output), 0U);
  // Deleted instead of renamed: the same.
  ASSERT_EQ(::unlink(output.c_str()), 0);
  EXPECT_TRUE(fault::wait_until([&] { return std::filesystem::exists(output); }, 10s));
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), 0) << daemon.output();
  EXPECT_EQ(slurp(rotated), before);
  // No second cycle ran: the file was recreated by the wait, not by a write.
  std::size_t queries = 0;
  for (const auto& r : fake.requests()) queries += r.path == "/alerts/combined/alerts/v1" ? 1 : 0;
  EXPECT_EQ(queries, 1U);
}

TEST(RotationTest, CrashThenRenameBeforeTheRestartRecoversFromTheRenamedFile) {
  FakeFalcon fake;
  AlertFactory factory{CSBRIDGE_TEST_DATA_DIR, 22};
  TempDir work;
  {
    std::vector<json> backlog;
    for (auto& a : factory.make_alerts(4000, now_ns() - 3 * 3600 * kSecond, 2 * kSecond)) {
      backlog.push_back(fault::slim_alert(a));
    }
    fake.add_alerts(std::move(backlog));
  }
  const int kills = fault::env_int("CSBRIDGE_FAULT_ROTATION_KILLS", 12);
  std::cout << "kills=" << kills << "\n";
  const DaemonRun run{CSBRIDGE_DETECTIONS_BIN,
                      work.path(),
                      fake.base_url(),
                      {"--poll-interval", "0.2", "--page-limit", "250"}};
  const auto output = work.path() / kOutputName;
  int rotated = 0;
  {
    fault::SlimAlertFeeder feeder{fake, factory, 20, 100ms};
    for (int k = 0; k < kills; ++k) {
      ChildProcess child{fault::loop_argv(run), run.env, work.path() / "daemon-output.txt"};
      ASSERT_TRUE(fault::wait_until([&] { return std::filesystem::exists(output); }, 10s));
      // Kill the moment the output grows: mid-write, or between the write and the state save.
      fault::wait_for_growth(output, 10s);
      child.signal(SIGKILL);
      ASSERT_EQ(child.wait(), 128 + SIGKILL);
      // Rotated while the daemon is down: the restart finds its last file by inode.
      const auto to = work.path() / (std::string{kOutputName} + "." + std::to_string(++rotated));
      ASSERT_EQ(::rename(output.c_str(), to.c_str()), 0);
    }
    feeder.stop();
  }
  const auto [rc, out] = run.run();
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(run.run().first, 0);

  // How often a restart took over records from a renamed file.
  const std::string log = slurp(work.path() / kLogName);
  const std::regex recovered{R"(Recovered (\d+) alerts written to \S+\.jsonl\.\d+ )"};
  int recoveries = 0, records = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), recovered);
       it != std::sregex_iterator(); ++it) {
    ++recoveries;
    records += std::stoi((*it)[1].str());
  }
  std::cout << "restarts that recovered from a renamed file: " << recoveries << " (" << records
            << " alerts)\n";
  EXPECT_GE(recoveries, 1) << "no kill landed between a write and its state save";

  NdjsonUnion all;
  for (const auto& f : fault::files_starting_with(work.path(), kOutputName)) {
    fault::add_ndjson_text(all, slurp(f), "id");
  }
  fault::expect_alerts_exactly_once(all, fake.alerts());
}

}  // namespace
}  // namespace csbridge::testing
