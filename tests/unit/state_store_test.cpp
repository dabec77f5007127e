#include "csbridge/state_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "csbridge/file_util.h"

namespace csbridge {
namespace {

/// The ids a saved v2 state file holds, sorted (the "seen" object's keys).
inline std::vector<std::string> saved_ids(const std::filesystem::path& p) {
  std::ifstream in(p);
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  std::vector<std::string> out;
  if (!doc.is_object() || !doc.contains("seen")) return {"<not v2 state>"};
  for (const auto& [k, v] : doc["seen"].items()) out.push_back(k);
  return out;
}

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

/// A fresh directory under the test temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "csbridge-state-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

Timestamp ts(std::string_view s) {
  const auto t = parse_rfc3339(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(Timestamp{});
}

const Timestamp kNow = ts("2026-05-26T12:30:00Z");

class StateStoreTest : public ::testing::Test {
 protected:
  StateFiles files() const {
    return StateFiles{dir.path() / "last_alert_timestamp.txt", dir.path() / "last_alert_ids.json"};
  }
  Result<StateStore> load() const { return StateStore::load(files(), kNow); }

  TempDir dir;
};

TEST_F(StateStoreTest, MissingFilesMeanNoStateYet) {
  auto s = load();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s.value().watermark().has_value());
  EXPECT_EQ(s.value().seen_count(), 0U);
  EXPECT_FALSE(s.value().contains("a"));
  EXPECT_EQ(s.value().files().watermark, files().watermark);
  EXPECT_TRUE(listing(dir.path()).empty()) << "load must not create files";
}

struct SeedWatermarkCase {
  std::string content;
  std::string expected;
};

class StateStoreSeedWatermark : public StateStoreTest,
                                public ::testing::WithParamInterface<SeedWatermarkCase> {};

TEST_P(StateStoreSeedWatermark, LoadsThePythonFormat) {
  write(files().watermark, GetParam().content);
  auto s = load();
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(s.value().watermark().has_value());
  EXPECT_EQ(format_rfc3339(*s.value().watermark()), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, StateStoreSeedWatermark,
    ::testing::Values(
        SeedWatermarkCase{"2026-05-26T12:14:34.85475758Z", "2026-05-26T12:14:34.85475758Z"},
        SeedWatermarkCase{"2026-05-26T12:14:34.85475758Z\n", "2026-05-26T12:14:34.85475758Z"},
        SeedWatermarkCase{"2026-05-26T12:14:34.85475758Z\r\n", "2026-05-26T12:14:34.85475758Z"},
        SeedWatermarkCase{"  2026-05-26T12:14:34Z  \n", "2026-05-26T12:14:34Z"},
        SeedWatermarkCase{"2023-11-03T18:01:23.995794943Z", "2023-11-03T18:01:23.995794943Z"},
        SeedWatermarkCase{"2026-05-26T14:14:34+02:00\n", "2026-05-26T12:14:34Z"},
        // Less than a day ahead of now: clock skew between hosts is tolerated.
        SeedWatermarkCase{"2026-05-27T12:29:59Z", "2026-05-27T12:29:59Z"}));

TEST_F(StateStoreTest, LoadsThePythonIdsFile) {
  // Python: json.dump(sorted(ids), f)
  write(files().seen_ids, R"(["a", "b", "ldt:0000c1d1:42", "\u00e9t\u00e9"])");
  auto s = load();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s.value().seen_count(), 4U);
  EXPECT_TRUE(s.value().contains("a"));
  EXPECT_TRUE(s.value().contains("b"));
  EXPECT_TRUE(s.value().contains("ldt:0000c1d1:42"));
  EXPECT_TRUE(s.value().contains("\xC3\xA9t\xC3\xA9"));
  EXPECT_FALSE(s.value().contains("c"));
  EXPECT_FALSE(s.value().watermark().has_value());
}

TEST_F(StateStoreTest, LoadsEmptyAndPrettyPrintedIdArrays) {
  for (const std::string& content : {std::string{"[]"}, std::string{"[]\n"},
                                     std::string{"[\n  \"x\",\n  \"x\",\n  \"y\"\n]\n"}}) {
    write(files().seen_ids, content);
    auto s = load();
    ASSERT_TRUE(s) << content << ": " << s.error().message;
    EXPECT_EQ(s.value().seen_count(), content.find('x') == std::string::npos ? 0U : 2U);
  }
}

TEST_F(StateStoreTest, SaveWritesBothFilesAtomicallyAndReloadsEqual) {
  write(files().watermark, "2026-05-26T12:00:00Z\n");
  write(files().seen_ids, R"(["old"])");
  auto s = load();
  ASSERT_TRUE(s);
  const std::vector<std::string> ids = {"b", "a", "c\"quote", "a"};
  s.value().record(ids, ts("2026-05-26T12:14:34.85475758Z"));
  ASSERT_TRUE(s.value().save());

  // Python-compatible, sorted, exact bytes.
  EXPECT_EQ(saved_ids(files().seen_ids), (std::vector<std::string>{"a", "b", "c\"quote", "old"}));
  EXPECT_EQ(slurp(files().watermark), "2026-05-26T12:14:34.85475758Z");
  // No temp files left behind.
  EXPECT_EQ(listing(dir.path()),
            (std::set<std::string>{"last_alert_ids.json", "last_alert_timestamp.txt"}));
  // Private: they reveal what was collected.
  for (const auto& p : {files().watermark, files().seen_ids}) {
    struct stat sb {};
    ASSERT_EQ(::stat(p.c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 07777, 0600U) << p;
  }

  auto again = load();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again.value().watermark(), s.value().watermark());
  EXPECT_EQ(again.value().seen_count(), 4U);
  for (const char* id : {"a", "b", "c\"quote", "old"}) EXPECT_TRUE(again.value().contains(id));
}

TEST_F(StateStoreTest, AMillionAlertsLeaveTheStateAsSmallAsTheRetentionWindow) {
  // A month of 1 000 000 alerts (one every 2.6 s), recorded a page of 500 at a time and saved
  // every 10 pages, with the daemon's retention (lookback 300 s + 1 h): the saved state is as
  // big at the end as after the first hour.
  constexpr int kAlerts = 1'000'000;
  constexpr int kPage = 500;
  constexpr std::int64_t kStepNs = 2'600'000'000;
  const auto retention = std::chrono::seconds{300} + std::chrono::hours{1};
  auto s = StateStore::load(files(), kNow, retention);
  ASSERT_TRUE(s);
  const std::int64_t start = kNow.ns - std::int64_t{kAlerts} * kStepNs;
  std::uintmax_t size_after_first_hours = 0;
  std::uintmax_t max_size = 0;
  std::vector<std::string> page;
  for (int i = 0; i < kAlerts; i += kPage) {
    page.clear();
    for (int j = i; j < i + kPage; ++j) page.push_back("ind:" + std::to_string(j) + ":1234567890");
    s.value().record(page, Timestamp{start + std::int64_t{i + kPage - 1} * kStepNs});
    if ((i / kPage) % 10 != 9) continue;
    ASSERT_TRUE(s.value().save());
    const auto size = fs::file_size(files().seen_ids);
    max_size = std::max(max_size, size);
    if (size_after_first_hours == 0 && std::int64_t{i} * kStepNs > 4 * 3600 * 1'000'000'000LL) {
      size_after_first_hours = size;
    }
  }
  ASSERT_GT(size_after_first_hours, 0U);
  // About (3900 s / 2.6 s) ids of ~30 bytes each, plus a page of slack.
  const std::size_t window_ids = 3900 / 2 + kPage * 10;
  EXPECT_LT(s.value().seen_count(), window_ids);
  EXPECT_LT(max_size, window_ids * 40);
  EXPECT_LE(fs::file_size(files().seen_ids), size_after_first_hours * 11 / 10);
  std::cout << "seen ids kept: " << s.value().seen_count() << ", state file "
            << fs::file_size(files().seen_ids) << " bytes (max " << max_size << ")\n";
}

TEST_F(StateStoreTest, SaveWithoutAWatermarkWritesOnlyTheIds) {
  auto s = load();
  ASSERT_TRUE(s);
  const std::vector<std::string> ids = {"x"};
  s.value().record(ids, std::nullopt);
  ASSERT_TRUE(s.value().save());
  EXPECT_EQ(saved_ids(files().seen_ids), (std::vector<std::string>{"x"}));
  EXPECT_FALSE(fs::exists(files().watermark));
}

TEST_F(StateStoreTest, SaveWritesTheIdsBeforeTheWatermark) {
  write(files().watermark, "2026-05-26T12:00:00Z");
  write(files().seen_ids, R"(["old"])");
  auto s = load();
  ASSERT_TRUE(s);
  const std::vector<std::string> ids = {"new"};
  s.value().record(ids, ts("2026-05-26T12:10:00Z"));

  // The watermark cannot be replaced (a directory took its name): the ids still are.
  fs::remove(files().watermark);
  fs::create_directory(files().watermark);
  write(files().watermark / "keep", "x");
  auto st = s.value().save();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_EQ(saved_ids(files().seen_ids), (std::vector<std::string>{"new", "old"}));

  // The ids cannot be replaced: the watermark must not move ahead of them.
  fs::remove_all(files().watermark);
  write(files().watermark, "2026-05-26T12:00:00Z");
  fs::remove(files().seen_ids);
  fs::create_directory(files().seen_ids);
  write(files().seen_ids / "keep", "x");
  st = s.value().save();
  ASSERT_FALSE(st);
  EXPECT_EQ(slurp(files().watermark), "2026-05-26T12:00:00Z");
  // No temp files were left behind by either failure.
  EXPECT_EQ(listing(dir.path()),
            (std::set<std::string>{"last_alert_ids.json", "last_alert_timestamp.txt"}));
}

TEST_F(StateStoreTest, TheVersionedStateWinsOverAHandEditedWatermarkFileAndSaysSo) {
  {
    auto s = load();
    ASSERT_TRUE(s);
    const std::vector<std::string> ids = {"a"};
    s.value().record(ids, ts("2026-05-26T12:10:00Z"));
    ASSERT_TRUE(s.value().save());
  }
  write(files().watermark, "2026-05-26T11:00:00Z\n");  // an operator's edit
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
  auto s = load();
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(s);
  EXPECT_EQ(s.value().watermark(), ts("2026-05-26T12:10:00Z"));
  EXPECT_THAT(log.str(), HasSubstr(files().watermark.string() + "' says 2026-05-26T11:00:00Z"));
  EXPECT_THAT(log.str(), HasSubstr(files().seen_ids.string() + "' says 2026-05-26T12:10:00Z"));
}

TEST_F(StateStoreTest, TheWatermarkOnlyMovesForward) {
  auto s = load();
  ASSERT_TRUE(s);
  StateStore& st = s.value();
  const std::vector<std::string> none;
  st.record(none, ts("2026-05-26T12:14:34.5Z"));
  st.record(none, ts("2026-05-26T12:14:34Z"));  // older (string order would say newer)
  EXPECT_EQ(format_rfc3339(*st.watermark()), "2026-05-26T12:14:34.5Z");
  st.record(none, std::nullopt);
  EXPECT_EQ(format_rfc3339(*st.watermark()), "2026-05-26T12:14:34.5Z");
  st.record(none, ts("2026-05-26T12:14:34.500000001Z"));
  EXPECT_EQ(format_rfc3339(*st.watermark()), "2026-05-26T12:14:34.500000001Z");
}

TEST_F(StateStoreTest, ALoadedWatermarkIsNotMovedBack) {
  write(files().watermark, "2026-05-26T12:14:34Z");
  auto s = load();
  ASSERT_TRUE(s);
  const std::vector<std::string> ids = {"late"};
  s.value().record(ids, ts("2026-05-20T00:00:00Z"));
  ASSERT_TRUE(s.value().save());
  EXPECT_EQ(slurp(files().watermark), "2026-05-26T12:14:34Z");
  EXPECT_TRUE(s.value().contains("late"));
}

class StateStoreCorruptWatermark : public StateStoreTest,
                                   public ::testing::WithParamInterface<std::string> {};

TEST_P(StateStoreCorruptWatermark, IsAConfigErrorNamingTheFile) {
  write(files().watermark, GetParam());
  auto s = load();
  ASSERT_FALSE(s) << "accepted '" << GetParam() << "'";
  EXPECT_EQ(s.error().code, ErrorCode::kConfig);
  EXPECT_THAT(s.error().message, HasSubstr(files().watermark.string()));
}

INSTANTIATE_TEST_SUITE_P(Contents, StateStoreCorruptWatermark,
                         ::testing::Values("", "\n", "garbage", "2026-13-01T00:00:00Z",
                                           "2026-02-30T00:00:00Z", "2026-01-01T00:00:00Z' , x:'",
                                           "2026-01-01T00:00:00Z'+name:'x'", "2026-01-01T00:00:00",
                                           "1700000000", "\"2026-01-01T00:00:00Z\"",
                                           "2099-01-01T00:00:00Z",  // far future
                                           "2026-05-27T12:30:01Z",  // just over a day ahead of now
                                           "2262-04-12T00:00:00Z",  // beyond int64 ns
                                           std::string(5000, '2')));  // too large

TEST_F(StateStoreTest, AWatermarkThatCannotBeReadIsAConfigError) {
  // A symlink loop: stat(2) fails with ELOOP. This must not read as "no state" (which would
  // silently start a full backfill).
  fs::create_symlink("last_alert_timestamp.txt", files().watermark);
  auto s = load();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kConfig);
  EXPECT_THAT(s.error().message, HasSubstr(files().watermark.string()));
}

TEST_F(StateStoreTest, AnIdsFileThatCannotBeReadIsAConfigError) {
  fs::create_symlink("last_alert_ids.json", files().seen_ids);
  auto s = load();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kConfig);
  EXPECT_THAT(s.error().message, HasSubstr(files().seen_ids.string()));
}

TEST_F(StateStoreTest, AWatermarkDirectoryIsAConfigError) {
  fs::create_directory(files().watermark);
  auto s = load();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kConfig);
  EXPECT_THAT(s.error().message, HasSubstr(files().watermark.string()));
}

class StateStoreCorruptIds : public StateStoreTest,
                             public ::testing::WithParamInterface<std::string> {};

TEST_P(StateStoreCorruptIds, IsAConfigErrorNamingTheFile) {
  write(files().watermark, "2026-05-26T12:00:00Z");
  write(files().seen_ids, GetParam());
  auto s = load();
  ASSERT_FALSE(s) << "accepted '" << GetParam() << "'";
  EXPECT_EQ(s.error().code, ErrorCode::kConfig);
  EXPECT_THAT(s.error().message, HasSubstr(files().seen_ids.string()));
}

INSTANTIATE_TEST_SUITE_P(Contents, StateStoreCorruptIds,
                         ::testing::Values("", "not json", "[\"a\", ", R"({"ids": ["a"]})",
                                           R"("a")", "null", "[1, 2]", R"(["a", 2])",
                                           R"(["a", null])", R"([["a"]])", R"(["a"] ["b"])"));

// --- write_file_atomically ---------------------------------------------------------------

/// Runs `body` in a forked child and returns its exit status (or -signal).
template <class F>
int in_child(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1000;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TEST(WriteFileAtomically, ReplacesTheFileWithTheGivenMode) {
  TempDir dir;
  const fs::path p = dir.path() / "f";
  write(p, "old");
  ::chmod(p.c_str(), 0644);
  ASSERT_TRUE(write_file_atomically(p, "new content", 0640));
  EXPECT_EQ(slurp(p), "new content");
  struct stat sb {};
  ASSERT_EQ(::stat(p.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 07777, 0640U);
  EXPECT_EQ(listing(dir.path()), std::set<std::string>{"f"});
  ASSERT_TRUE(write_file_atomically(p, ""));
  EXPECT_EQ(slurp(p), "");
}

TEST(WriteFileAtomically, OnAReadOnlyDirectoryFailsAndKeepsTheOldFile) {
  TempDir dir;
  const fs::path p = dir.path() / "last_alert_timestamp.txt";
  write(p, "2026-05-26T12:00:00Z");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
  // root ignores directory permissions: drop to an unprivileged user in a child.
  const int rc = in_child([&] {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 10;
    Status st = write_file_atomically(p, "2026-05-27T00:00:00Z");
    if (st) return 11;
    if (st.error().code != ErrorCode::kIo) return 12;
    if (st.error().message.find(dir.path().string()) == std::string::npos) return 13;
    return 0;
  });
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  if (rc == 10) GTEST_SKIP() << "cannot drop root privileges here (no CAP_SETUID?)";
  EXPECT_EQ(rc, 0) << "10 setuid, 11 succeeded, 12 wrong code, 13 message without the path";
  EXPECT_EQ(slurp(p), "2026-05-26T12:00:00Z");
  EXPECT_EQ(listing(dir.path()), std::set<std::string>{"last_alert_timestamp.txt"});
}

TEST(WriteFileAtomically, AFailedWriteKeepsTheOldFileAndLeavesNoTempFile) {
  TempDir dir;
  const fs::path p = dir.path() / "last_alert_ids.json";
  write(p, R"(["a"])");
  // RLIMIT_FSIZE: the write fails (EFBIG) after the first 100 bytes.
  const int rc = in_child([&] {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{100, 100};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 10;
    Status st = write_file_atomically(p, std::string(1000, 'x'));
    if (st) return 11;
    if (st.error().code != ErrorCode::kIo) return 12;
    return 0;
  });
  EXPECT_EQ(rc, 0) << "10 setrlimit, 11 succeeded, 12 wrong code";
  EXPECT_EQ(slurp(p), R"(["a"])");
  EXPECT_EQ(listing(dir.path()), std::set<std::string>{"last_alert_ids.json"});
}

TEST(WriteFileAtomically, InAMissingDirectoryIsKIo) {
  TempDir dir;
  auto st = write_file_atomically(dir.path() / "nope" / "f", "x");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_THAT(st.error().message, HasSubstr((dir.path() / "nope").string()));
}

TEST(ReadFile, ReadsBoundedFiles) {
  TempDir dir;
  const fs::path p = dir.path() / "f";
  write(p, "0123456789");
  auto r = read_file(p, 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value(), "0123456789");
  r = read_file(p, 9);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  EXPECT_THAT(r.error().message, HasSubstr(p.string()));
  r = read_file(dir.path() / "missing", 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_THAT(r.error().message, HasSubstr("missing"));
}

}  // namespace
}  // namespace csbridge
