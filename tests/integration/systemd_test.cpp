// The daemon as systemd runs it: sd_notify over a real $NOTIFY_SOCKET (READY, STATUS,
// WATCHDOG, STOPPING), the config file under flags, and --log-target.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "integration/daemon_harness.h"

namespace csbridge::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

/// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.string().size() >= sizeof(addr.sun_path)) throw std::runtime_error("path too long");
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("bind");
    }
    timeval tv{0, 200'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  /// Receives until `done(messages)` or the deadline; returns everything received.
  std::vector<std::string> receive_until(
      const std::function<bool(const std::vector<std::string>&)>& done,
      std::chrono::seconds deadline = std::chrono::seconds{30}) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!done(messages_) && std::chrono::steady_clock::now() < end) {
      std::array<char, 4096> buf{};
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n > 0) messages_.emplace_back(buf.data(), static_cast<std::size_t>(n));
    }
    return messages_;
  }

 private:
  std::filesystem::path path_;
  int fd_{-1};
  std::vector<std::string> messages_;
};

bool has_prefix(const std::vector<std::string>& m, const std::string& prefix) {
  return std::any_of(m.begin(), m.end(), [&](const auto& s) { return s.starts_with(prefix); });
}

std::size_t index_of(const std::vector<std::string>& m, const std::string& prefix) {
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i].starts_with(prefix)) return i;
  }
  return m.size();
}

class SystemdTest : public ::testing::Test {
 protected:
  FakeFalcon fake_;
  TempDir work_;
  TempDir run_;  // the "runtime directory" holding the socket
};

TEST_F(SystemdTest, ReadyStatusWatchdogAndStoppingOverTheNotifySocket) {
  NotifySocket sock{run_.path() / "notify"};
  const std::vector<std::string> argv{
      CSBRIDGE_DETECTIONS_BIN, "--base-url", fake_.base_url(), "--workdir", work_.path().string(),
      "--poll-interval",       "1.5",        "--config",       ""};
  // WatchdogSec=2s: pings every 0.5 s, also while sleeping between cycles.
  ChildProcess daemon{argv,
                      {{"CROWDSTRIKE_CLIENT_ID", "demo-client-id"},
                       {"CROWDSTRIKE_CLIENT_SECRET", "demo-client-secret"},
                       {"NOTIFY_SOCKET", sock.path().string()},
                       {"WATCHDOG_USEC", "2000000"}},
                      work_.path() / "daemon-output.txt"};
  auto m = sock.receive_until([](const auto& msgs) {
    return std::count_if(msgs.begin(), msgs.end(),
                         [](const auto& s) { return s.starts_with("STATUS=watermark"); }) >= 2 &&
           std::count(msgs.begin(), msgs.end(), "WATCHDOG=1") >= 3;
  });
  daemon.signal(SIGTERM);
  m = sock.receive_until([](const auto& msgs) { return has_prefix(msgs, "STOPPING=1"); });
  EXPECT_EQ(daemon.wait(), 0) << daemon.output();

  ASSERT_FALSE(m.empty());
  EXPECT_THAT(m.front(), AllOf(StartsWith("READY=1\nSTATUS=started, watermark none (backfill "),
                               HasSubstr("first cycle running")));
  EXPECT_THAT(m, Contains(StartsWith("STATUS=watermark none, 0 new, last error none")));
  EXPECT_THAT(m, Contains("WATCHDOG=1"));
  EXPECT_THAT(m.back(), StartsWith("STOPPING=1\nSTATUS=stopping"));
  EXPECT_LT(index_of(m, "READY=1"), index_of(m, "STATUS=watermark"));
}

TEST_F(SystemdTest, NothingIsSentWithoutANotifySocket) {
  // The same run outside systemd: no socket, no error, the usual exit.
  DaemonRun run{CSBRIDGE_DETECTIONS_BIN, work_.path(), fake_.base_url(), {"--config", ""}};
  run.env["NOTIFY_SOCKET"] = "";
  const auto [rc, out] = run.run();
  EXPECT_EQ(rc, 0) << out;
}

TEST_F(SystemdTest, TheConfigFileSetsFlagsAndTheCommandLineWins) {
  TempDir etc;
  const auto config = etc.path() / "detections.conf";
  // base-url is wrong in the file and right on the command line (DaemonRun passes it).
  std::ofstream(config) << "# cs-detections\nbase-url = \"http://127.0.0.1:1\"\n"
                           "page-limit = 7\nlog-target = \"journal\"\n";
  const auto [rc, out] = DaemonRun{
      CSBRIDGE_DETECTIONS_BIN,
      work_.path(),
      fake_.base_url(),
      {"--config",
       config.string()}}.run();
  ASSERT_EQ(rc, 0) << out;
  const auto requests = fake_.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_THAT(requests.back().body, HasSubstr("\"limit\":7"));
  EXPECT_FALSE(std::filesystem::exists(work_.path() / "crowdstrike_integration.log"));
}

TEST_F(SystemdTest, LogTargetJournalWritesNoLogFileAndFileWritesNoStderr) {
  {
    const auto [rc, out] = DaemonRun{
        CSBRIDGE_DETECTIONS_BIN,
        work_.path(),
        fake_.base_url(),
        {"--config", "", "--log-target",
         "journal"}}.run();
    ASSERT_EQ(rc, 0) << out;
    EXPECT_THAT(out, HasSubstr("health status=ok"));
    EXPECT_FALSE(std::filesystem::exists(work_.path() / "crowdstrike_integration.log"));
  }
  TempDir logs;
  TempDir work2;  // a fresh daemon-output.txt
  const auto [rc, out] = DaemonRun{
      CSBRIDGE_DETECTIONS_BIN,
      work2.path(),
      fake_.base_url(),
      {"--config", "", "--log-target", "file", "--log-dir",
       logs.path().string()}}.run();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, Not(HasSubstr("health status=ok")));
  EXPECT_THAT(slurp(logs.path() / "crowdstrike_integration.log"), HasSubstr("health status=ok"));
}

TEST_F(SystemdTest, JournalStreamGetsPriorityPrefixes) {
  DaemonRun run{CSBRIDGE_DETECTIONS_BIN,
                work_.path(),
                fake_.base_url(),
                {"--config", "", "--log-target", "journal"}};
  run.env["JOURNAL_STREAM"] = "8:1234";
  run.env["CROWDSTRIKE_CLIENT_SECRET"] = "wrong";
  const auto [rc, out] = run.run();
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("<6>Starting Alerts pipeline..."));
  EXPECT_THAT(out, HasSubstr("<3>health status=error"));
}

}  // namespace
}  // namespace csbridge::testing
