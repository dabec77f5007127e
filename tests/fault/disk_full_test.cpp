// A full disk (ENOSPC) under the running daemon, on a small tmpfs: at the output write
// mid-page, and at the state save after the output write. The daemon names the file, keeps its
// state level with the output, leaves no partial line, stays alive and recovers by itself once
// there is room again; every alert lands exactly once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "csbridge/file_util.h"
#include "fault/fault_helpers.h"

namespace csbridge::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kOutputName = "crowdstrike_alerts.jsonl";
constexpr const char* kIdsName = "last_alert_ids.json";
constexpr const char* kWatermarkName = "last_alert_timestamp.txt";
constexpr const char* kLogName = "crowdstrike_integration.log";

/// A tmpfs of `size` mounted on a fresh directory, unmounted (and removed) afterwards.
class Tmpfs {
 public:
  explicit Tmpfs(const std::string& size) : dir_(parent_.path() / "disk") {
    std::filesystem::create_directory(dir_);
    const std::string data = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0) {
      error_ = std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~Tmpfs() {
    if (mounted_) (void)::umount2(dir_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::filesystem::path& path() const { return dir_; }

  [[nodiscard]] std::uint64_t free_bytes() const {
    struct statvfs sv {};
    if (::statvfs(dir_.c_str(), &sv) != 0) return 0;
    return static_cast<std::uint64_t>(sv.f_bavail) * sv.f_frsize;
  }

  /// Fills the file system with `name` until at most `leave` bytes are free.
  void fill_leaving(const std::string& name, std::uint64_t leave) const {
    UniqueFd fd{::open((dir_ / name).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)};
    ASSERT_TRUE(fd) << std::strerror(errno);
    const std::string block(64 * 1024, 'f');
    while (true) {
      const std::uint64_t free = free_bytes();
      if (free <= leave) break;
      const std::uint64_t n = std::min<std::uint64_t>(block.size(), (free - leave) / 4096 * 4096);
      if (n == 0) break;
      ASSERT_EQ(::write(fd.get(), block.data(), n), static_cast<ssize_t>(n))
          << std::strerror(errno);
    }
  }

 private:
  TempDir parent_;
  std::filesystem::path dir_;
  bool mounted_{false};
  std::string error_;
};

#define MOUNT_TMPFS_OR_SKIP(var, size)                                                      \
  Tmpfs var{size};                                                                          \
  if (!(var).mounted()) {                                                                   \
    GTEST_SKIP() << "cannot mount a tmpfs (" << (var).error()                               \
                 << "): the disk-full tests need root or CAP_SYS_ADMIN (mount -t tmpfs -o " \
                    "size=" size " tmpfs DIR)";                                             \
  }

/// The ids of the NDJSON lines of `text`; counts torn and invalid lines too.
fault::NdjsonUnion lines_of(const std::filesystem::path& file) {
  fault::NdjsonUnion u;
  fault::add_ndjson_text(u, slurp(file), "id");
  return u;
}

/// The ids in the v2 state file, and its watermark.
struct SavedState {
  std::set<std::string> seen;
  std::optional<std::int64_t> watermark_ns;
};

SavedState saved_state(const std::filesystem::path& file) {
  SavedState s;
  const json doc = json::parse(slurp(file), nullptr, false);
  if (!doc.is_object()) return s;
  for (const auto& [id, stamp] : doc.at("seen").items()) s.seen.insert(id);
  if (doc.at("watermark").is_string()) {
    s.watermark_ns = AlertFactory::parse_rfc3339(doc.at("watermark").get<std::string>());
  }
  return s;
}

/// Temporary files of the atomic state save left behind.
std::vector<std::string> temp_files(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(".last_alert_")) out.push_back(name);
  }
  return out;
}

/// Slim alerts with a ~2 KB description: pages of 50 are ~110 KB.
std::vector<json> padded_alerts(AlertFactory& factory, int n, std::int64_t start_ns) {
  std::vector<json> out;
  for (auto& a : factory.make_alerts(n, start_ns, kSecond)) {
    json s = fault::slim_alert(a);
    s["description"] = std::string(2000, 'd');
    out.push_back(std::move(s));
  }
  return out;
}

class DiskFullTest : public ::testing::Test {
 protected:
  DaemonRun daemon(const std::filesystem::path& workdir) const {
    return DaemonRun{
        CSBRIDGE_DETECTIONS_BIN,
        workdir,
        fake_.base_url(),
        {"--poll-interval", "0.2", "--page-limit", "50", "--log-dir", logs_.path().string()}};
  }
  [[nodiscard]] std::string log() const { return slurp(logs_.path() / kLogName); }
  [[nodiscard]] std::filesystem::path console() const { return logs_.path() / "daemon-output.txt"; }

  FakeFalcon fake_;
  AlertFactory factory_{CSBRIDGE_TEST_DATA_DIR, 31};
  TempDir logs_;  // log and console output live off the full disk, to be read
};

TEST_F(DiskFullTest, OutputWriteFailsMidPageThenTheDaemonRecoversByItself) {
  MOUNT_TMPFS_OR_SKIP(disk, "2m");
  constexpr int kAlerts = 300, kPage = 50;
  const auto truth = padded_alerts(factory_, kAlerts, now_ns() - 1800 * kSecond);
  fake_.add_alerts(truth);
  const auto output = disk.path() / kOutputName;
  // Room for about two and a half pages (and the small state): the third page's write fails
  // part-way.
  ASSERT_NO_FATAL_FAILURE(disk.fill_leaving("filler", 300 * 1024));
  std::cout << "free before the daemon: " << disk.free_bytes() << " bytes\n";

  const DaemonRun run = daemon(disk.path());
  ChildProcess child{fault::loop_argv(run), run.env, console()};
  const std::string enospc = "write '" + output.string() + "': No space left on device";
  ASSERT_TRUE(fault::wait_until([&] { return log().find(enospc) != std::string::npos; }, 30s))
      << "no error naming the output:\n"
      << log();

  // Failed, and level: whole pages only, each line complete, the state covering exactly them.
  EXPECT_TRUE(fault::still_running(child.pid())) << child.output();
  const fault::NdjsonUnion written = lines_of(output);
  EXPECT_EQ(written.unterminated, 0U) << "a partial line stayed behind";
  EXPECT_EQ(written.invalid, 0U);
  EXPECT_GT(written.lines.size(), 0U);
  EXPECT_LT(written.lines.size(), static_cast<std::size_t>(kAlerts));
  EXPECT_EQ(written.lines.size() % kPage, 0U);
  std::cout << "written before the disk filled: " << written.lines.size() << " alerts\n";
  const SavedState state = saved_state(disk.path() / kIdsName);
  std::set<std::string> written_ids;
  std::int64_t newest_written = 0;
  for (const auto& line : written.lines) {
    written_ids.insert(line.at("id").get<std::string>());
    newest_written = std::max(
        newest_written,
        AlertFactory::parse_rfc3339(line.at("created_timestamp").get<std::string>()).value());
  }
  EXPECT_EQ(state.seen, written_ids) << "the state is not level with the output";
  EXPECT_EQ(state.watermark_ns, newest_written) << "the watermark passed unwritten alerts";
  EXPECT_EQ(AlertFactory::parse_rfc3339(slurp(disk.path() / kWatermarkName)).value_or(0),
            newest_written);

  // Room again: the daemon's next attempt goes through, without a restart.
  std::filesystem::remove(disk.path() / "filler");
  ASSERT_TRUE(fault::wait_until(
      [&] { return saved_state(disk.path() / kIdsName).seen.size() == truth.size(); }, 60s))
      << log();
  EXPECT_TRUE(fault::still_running(child.pid()));
  child.signal(SIGTERM);
  ASSERT_EQ(child.wait(), 0) << child.output();
  EXPECT_TRUE(temp_files(disk.path()).empty());
  fault::expect_alerts_exactly_once(lines_of(output), truth);
}

/// A v2 state with `n` ids seen within the lookback window of `watermark_ns`: big enough that
/// its atomic rewrite needs more room than one page of output.
std::string big_state(int n, std::int64_t watermark_ns) {
  std::string seen;
  for (int i = 0; i < n; ++i) {
    if (i != 0) seen += ',';
    seen +=
        "\"ind:seen-before-" + std::to_string(1'000'000 + i) + "\":" + std::to_string(watermark_ns);
  }
  return R"({"format":"cs-bridge-state","version":2,"watermark":")" +
         AlertFactory::format_rfc3339(watermark_ns) + R"(","seen":{)" + seen + "}}\n";
}

/// Starts the daemon with a ~230 KB state, waits for its first (empty) cycle, fills the disk
/// so that one alert's line fits but the state's rewrite does not, and adds that alert.
/// Returns once the failed state save is logged.
class StateSaveFullTest : public DiskFullTest {
 protected:
  void start_and_fill(const Tmpfs& disk, std::unique_ptr<ChildProcess>& child, json& alert) {
    const std::int64_t watermark = now_ns() - 600 * kSecond;
    const std::string state = big_state(5000, watermark);
    std::ofstream(disk.path() / kIdsName) << state;
    ASSERT_GT(state.size(), 200'000U);
    const DaemonRun run = daemon(disk.path());
    child = std::make_unique<ChildProcess>(fault::loop_argv(run), run.env, console());
    ASSERT_TRUE(
        fault::wait_until([&] { return log().find("health status=ok") != std::string::npos; }, 30s))
        << log();
    ASSERT_NO_FATAL_FAILURE(disk.fill_leaving("filler", 100 * 1024));
    alert = fault::slim_alert(factory_.make_alert(now_ns() - 5 * kSecond));
    fake_.add_alert(alert);
    ASSERT_TRUE(fault::wait_until(
        [&] { return log().find("No space left on device") != std::string::npos; }, 30s))
        << log();
  }
};

TEST_F(StateSaveFullTest, AFailedStateSaveWritesNothingTwiceAndIsRedoneOnceThereIsRoom) {
  MOUNT_TMPFS_OR_SKIP(disk, "2m");
  std::unique_ptr<ChildProcess> child;
  json first;
  ASSERT_NO_FATAL_FAILURE(start_and_fill(disk, child, first));
  const std::string log_text = log();
  // The error names the state file being written (its temporary twin).
  const std::string prefix = "write '" + (disk.path() / ".last_alert_ids.json.").string();
  EXPECT_NE(log_text.find(prefix), std::string::npos) << log_text;
  EXPECT_TRUE(fault::still_running(child->pid()));
  EXPECT_TRUE(temp_files(disk.path()).empty()) << "a temporary state file stayed behind";
  // The alert's line is written, once; the state on disk is the old one, intact.
  const auto output = disk.path() / kOutputName;
  EXPECT_EQ(lines_of(output).id_count,
            (std::map<std::string, int>{{first.at("id").get<std::string>(), 1}}));
  const SavedState stale = saved_state(disk.path() / kIdsName);
  EXPECT_EQ(stale.seen.size(), 5000U);
  EXPECT_FALSE(stale.seen.contains(first.at("id").get<std::string>()));

  // Further cycles while the disk is still full do not write it again.
  const auto cycles_logged = [&] {
    const std::string l = log();
    std::size_t n = 0;
    for (auto at = l.find("health status="); at != std::string::npos;
         at = l.find("health status=", at + 1)) {
      ++n;
    }
    return n;
  };
  const std::size_t cycles = cycles_logged();
  ASSERT_TRUE(fault::wait_until([&] { return cycles_logged() > cycles; }, 30s));
  EXPECT_EQ(lines_of(output).lines.size(), 1U);

  // Room again: the state is saved without waiting for a new alert.
  std::filesystem::remove(disk.path() / "filler");
  ASSERT_TRUE(fault::wait_until(
      [&] {
        return saved_state(disk.path() / kIdsName).seen.contains(first.at("id").get<std::string>());
      },
      60s))
      << "the state was not saved again after the disk had room:\n"
      << log();
  const json second = fault::slim_alert(factory_.make_alert(now_ns() - kSecond));
  fake_.add_alert(second);
  ASSERT_TRUE(fault::wait_until([&] { return lines_of(output).lines.size() == 2; }, 30s));
  child->signal(SIGTERM);
  ASSERT_EQ(child->wait(), 0) << child->output();
  fault::expect_alerts_exactly_once(lines_of(output), {first, second});
}

TEST_F(StateSaveFullTest, AStateLeftStaleByAFailedSaveIsRecoveredAfterACrash) {
  MOUNT_TMPFS_OR_SKIP(disk, "2m");
  std::unique_ptr<ChildProcess> child;
  json first;
  ASSERT_NO_FATAL_FAILURE(start_and_fill(disk, child, first));
  child->signal(SIGKILL);
  ASSERT_EQ(child->wait(), 128 + SIGKILL);
  std::filesystem::remove(disk.path() / "filler");
  // The restart finds the line past the saved output offset and records it: not written again.
  const auto [rc, out] = daemon(disk.path()).run();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(log().find("Recovered 1 alerts written to"), std::string::npos) << log();
  const auto output = disk.path() / kOutputName;
  fault::expect_alerts_exactly_once(lines_of(output), {first});
  EXPECT_TRUE(saved_state(disk.path() / kIdsName).seen.contains(first.at("id").get<std::string>()));
}

}  // namespace
}  // namespace csbridge::testing
