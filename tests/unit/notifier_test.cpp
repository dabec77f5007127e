// The systemd hooks: sd_notify messages from the poll loop, watchdog pings during waits and
// requests. A fake Notifier records what would have gone to $NOTIFY_SOCKET.
#include "csbridge/notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <string>
#include <vector>

#include "csbridge/poll_loop.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_transport.h"

namespace csbridge {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

/// Records every notification; the watchdog timeout is what systemd would pass.
class FakeNotifier final : public Notifier {
 public:
  explicit FakeNotifier(std::chrono::microseconds watchdog = {}, const Clock* clock = nullptr)
      : watchdog_(watchdog), clock_(clock) {}
  void notify(const std::string& state) override {
    sent.push_back(state);
    if (clock_ != nullptr && state == "WATCHDOG=1") pings.push_back(clock_->steady_now());
  }
  [[nodiscard]] std::chrono::microseconds watchdog_timeout() const override { return watchdog_; }

  [[nodiscard]] int count(const std::string& state) const {
    return static_cast<int>(std::count(sent.begin(), sent.end(), state));
  }
  [[nodiscard]] std::vector<std::string> starting_with(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& s : sent) {
      if (s.starts_with(prefix)) out.push_back(s);
    }
    return out;
  }

  std::vector<std::string> sent;
  std::vector<Clock::MonoTime> pings;  ///< when each WATCHDOG=1 went out (with a clock)

 private:
  std::chrono::microseconds watchdog_;
  const Clock* clock_;
};

TEST(Notifier, HelpersSendSdNotifyAssignmentsOnOneLineEach) {
  FakeNotifier n;
  n.ready("loaded");
  n.status("watermark x\nwith a newline");
  n.watchdog();
  n.stopping("bye");
  EXPECT_THAT(n.sent, ElementsAre("READY=1\nSTATUS=loaded", "STATUS=watermark x with a newline",
                                  "WATCHDOG=1", "STOPPING=1\nSTATUS=bye"));
}

TEST(Notifier, TheSystemdNotifierIsANoOpOutsideSystemd) {
  // No $NOTIFY_SOCKET / $WATCHDOG_USEC: nothing to talk to, and no watchdog.
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  auto n = make_systemd_notifier();
  n->ready("x");
  n->watchdog();
  n->stopping("y");
  EXPECT_EQ(n->watchdog_timeout().count(), 0);
}

TEST(Notifier, TheSystemdNotifierReadsWatchdogSecForThisProcess) {
  ::setenv("WATCHDOG_USEC", "300000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(make_systemd_notifier()->watchdog_timeout(), minutes{5});
  ::setenv("WATCHDOG_PID", "1", 1);  // meant for another process
  EXPECT_EQ(make_systemd_notifier()->watchdog_timeout().count(), 0);
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

// --- WatchdogPinger / WatchdogClock / WatchdogTransport ----------------------------------------

TEST(WatchdogPinger, PingsAtMostOncePerQuarterOfTheTimeout) {
  testing::FakeClock clock;
  FakeNotifier n{minutes{4}};
  WatchdogPinger pinger{n, clock};
  EXPECT_EQ(pinger.interval(), minutes{1});
  pinger.kick();
  pinger.kick();
  EXPECT_EQ(n.count("WATCHDOG=1"), 1);
  clock.advance(seconds{59});
  pinger.kick();
  EXPECT_EQ(n.count("WATCHDOG=1"), 1);
  clock.advance(seconds{1});
  pinger.kick();
  EXPECT_EQ(n.count("WATCHDOG=1"), 2);
  pinger.kick(/*force=*/true);
  EXPECT_EQ(n.count("WATCHDOG=1"), 3);
}

TEST(WatchdogPinger, DoesNothingWithoutAWatchdog) {
  testing::FakeClock clock;
  FakeNotifier n;
  WatchdogPinger pinger{n, clock};
  pinger.kick(true);
  EXPECT_THAT(n.sent, IsEmpty());
}

TEST(WatchdogClock, ALongSleepIsCutIntoPiecesWithAPingBeforeEach) {
  testing::FakeClock inner;
  FakeNotifier n{seconds{40}};  // WatchdogSec=40s: pieces of 10 s
  WatchdogPinger pinger{n, inner};
  WatchdogClock clock{inner, pinger};
  StopSignal stop;
  EXPECT_TRUE(clock.sleep_for(seconds{35}, stop));
  EXPECT_THAT(inner.sleeps, ElementsAre(seconds{10}, seconds{10}, seconds{10}, seconds{5}));
  // A ping before each full piece: never 10 s without one (the last 5 s need none).
  EXPECT_EQ(n.count("WATCHDOG=1"), 4);
  EXPECT_EQ(clock.steady_now(), inner.steady_now());
  EXPECT_EQ(clock.system_now(), inner.system_now());
}

TEST(WatchdogClock, AStopDuringAPieceEndsTheWholeSleep) {
  testing::FakeClock inner;
  FakeNotifier n{seconds{40}};
  WatchdogPinger pinger{n, inner};
  WatchdogClock clock{inner, pinger};
  StopSignal stop;
  inner.on_sleep = [](milliseconds, StopSignal& s) { s.request_stop(); };
  EXPECT_FALSE(clock.sleep_for(minutes{10}, stop));
  EXPECT_THAT(inner.sleeps, ElementsAre(seconds{10}));
}

TEST(WatchdogClock, WithoutAWatchdogSleepsAreUntouched) {
  testing::FakeClock inner;
  FakeNotifier n;
  WatchdogPinger pinger{n, inner};
  WatchdogClock clock{inner, pinger};
  StopSignal stop;
  EXPECT_TRUE(clock.sleep_for(minutes{10}, stop));
  EXPECT_THAT(inner.sleeps, ElementsAre(minutes{10}));
  EXPECT_THAT(n.sent, IsEmpty());
}

TEST(WatchdogTransport, PingsBeforeRequestsSoALongCycleStaysAlive) {
  testing::FakeClock clock;
  testing::FakeTransport http;
  FakeNotifier n{seconds{40}};
  WatchdogPinger pinger{n, clock};
  WatchdogTransport transport{http, pinger};
  http.set_handler([&](const HttpRequest&) -> Result<HttpResponse> {
    clock.advance(seconds{6});  // a slow page
    return testing::FakeTransport::response(200, "{}");
  });
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(transport.send(HttpRequest{}));
  EXPECT_EQ(http.requests.size(), 10U);
  // 60 s of requests, 10 s ping interval: a ping every second request.
  EXPECT_EQ(n.count("WATCHDOG=1"), 5);
}

// --- PollLoop hooks -------------------------------------------------------------------------

class PollLoopNotifyTest : public ::testing::Test {
 protected:
  PollOptions options() const {
    PollOptions o;
    o.interval = seconds{30};
    return o;
  }

  testing::FakeClock clock;
  FakeNotifier notifier;
  StopSignal stop;
};

TEST_F(PollLoopNotifyTest, StatusAfterEveryCycleAndStoppingAtTheEnd) {
  int runs = 0;
  PollLoop loop{clock, options(),
                [&](StopSignal&) -> Result<CycleStats> {
                  ++runs;
                  if (runs == 2) return Error{ErrorCode::kServer, "HTTP 503 from POST /x"};
                  if (runs == 4) stop.request_stop();
                  CycleStats s;
                  s.written = runs == 1 ? 12 : 0;
                  s.fetched = s.written;
                  s.watermark = runs == 1 ? "2026-05-26T12:00:00Z" : "";
                  return s;
                },
                notifier};
  EXPECT_EQ(loop.run(stop), kExitOk);

  const auto statuses = notifier.starting_with("STATUS=");
  ASSERT_EQ(statuses.size(), 4U);
  EXPECT_EQ(statuses[0], "STATUS=watermark 2026-05-26T12:00:00Z, 12 new, last error none");
  EXPECT_THAT(statuses[1], AllOf(StartsWith("STATUS=watermark 2026-05-26T12:00:00Z, cycle "
                                            "failed (1 in a row), retrying in 30s, last error "),
                                 HasSubstr("HTTP 503 from POST /x")));
  // The last error is kept (with its time) after the loop recovers; the watermark too.
  EXPECT_THAT(statuses[2], AllOf(StartsWith("STATUS=watermark 2026-05-26T12:00:00Z, 0 new, "
                                            "last error 2026-05-26T12:00:30Z "),
                                 HasSubstr("HTTP 503")));
  EXPECT_EQ(notifier.sent.back(), "STOPPING=1\nSTATUS=stopping, watermark 2026-05-26T12:00:00Z");
  EXPECT_EQ(notifier.count("READY=1"), 0);  // READY is the daemon's, once state is loaded
}

TEST_F(PollLoopNotifyTest, AConfigErrorEndsWithStoppingAndTheReason) {
  PollLoop loop{clock, options(),
                [](StopSignal&) -> Result<CycleStats> {
                  return Error{ErrorCode::kConfig, "bad page limit"};
                },
                notifier};
  EXPECT_EQ(loop.run(stop), kExitConfig);
  EXPECT_EQ(notifier.sent.back(), "STOPPING=1\nSTATUS=configuration error: bad page limit");
}

TEST_F(PollLoopNotifyTest, WithAWatchdogClockPingsContinueThroughLongBackoffs) {
  FakeNotifier n{minutes{5}, &clock};  // the units' WatchdogSec=5min: pings every <= 75 s
  WatchdogPinger pinger{n, clock};
  WatchdogClock watchdog_clock{clock, pinger};
  int runs = 0;
  PollOptions o = options();
  o.max_error_backoff = minutes{10};
  PollLoop loop{watchdog_clock, o,
                [&](StopSignal&) -> Result<CycleStats> {
                  if (++runs == 6) stop.request_stop();
                  return Error{ErrorCode::kServer, "down"};
                },
                n};
  EXPECT_EQ(loop.run(stop), kExitOk);
  // Backoffs of 30 s, 60 s, 120 s, 240 s, 480 s, all in pieces of at most 75 s.
  EXPECT_THAT(clock.sleeps, Each(::testing::Le(milliseconds{75'000})));
  ASSERT_GE(n.pings.size(), 2U);
  for (std::size_t i = 1; i < n.pings.size(); ++i) {
    EXPECT_LE(n.pings[i] - n.pings[i - 1], seconds{75}) << "gap before ping " << i;
  }
  // ...from the first backoff to the last (930 s of waiting; the last ping may be up to one
  // interval before the end).
  EXPECT_GE(n.pings.back() - n.pings.front(), seconds{30 + 60 + 120 + 240 + 480 - 75});
  EXPECT_THAT(n.sent, Contains(StartsWith("STOPPING=1")));
}

TEST_F(PollLoopNotifyTest, WithoutANotifierNothingChanges) {
  // The default is the no-op notifier: existing callers compile and behave as before.
  int runs = 0;
  PollOptions o = options();
  o.once = true;
  PollLoop loop{clock, o, [&](StopSignal&) -> Result<CycleStats> {
                  ++runs;
                  return CycleStats{};
                }};
  EXPECT_EQ(loop.run(stop), kExitOk);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace csbridge
