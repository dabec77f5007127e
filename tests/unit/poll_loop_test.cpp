#include "csbridge/poll_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <vector>

#include "fakes/fake_clock.h"

namespace csbridge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using testing::FakeClock;

/// A cycle that plays a script of results; once the script is exhausted it requests the stop
/// (so a loop always ends) and reports kStopped.
class ScriptedCycle {
 public:
  void ok() { script_.emplace_back(CycleStats{3, 2, 1, "2026-05-26T12:00:00Z"}); }
  void fail(ErrorCode code, std::string message = "boom") {
    script_.emplace_back(Error{code, std::move(message)});
  }
  /// A failure that asks for a pause of `retry_after` before the next attempt.
  void fail_with_retry_after(ErrorCode code, milliseconds retry_after) {
    Error e{code, "boom"};
    e.retry_after = retry_after;
    script_.emplace_back(std::move(e));
  }

  PollLoop::Cycle cycle() {
    return [this](StopSignal& stop) -> Result<CycleStats> {
      ++runs;
      if (script_.empty()) {
        stop.request_stop();
        return Error{ErrorCode::kStopped, "stopped"};
      }
      auto next = std::move(script_.front());
      script_.pop_front();
      return next;
    };
  }

  int runs = 0;

 private:
  std::deque<Result<CycleStats>> script_;
};

PollOptions options(bool once, milliseconds interval = seconds{30}) {
  PollOptions o;
  o.interval = interval;
  o.once = once;
  o.once_attempts = 3;
  o.max_error_backoff = seconds{600};
  return o;
}

class PollLoopTest : public ::testing::Test {
 protected:
  int run(PollOptions o) {
    PollLoop loop{clock, o, script.cycle()};
    return loop.run(stop);
  }

  FakeClock clock;
  StopSignal stop;
  ScriptedCycle script;
};

TEST_F(PollLoopTest, OnceRunsOneCycleAndExitsZero) {
  script.ok();
  script.ok();
  EXPECT_EQ(run(options(true)), kExitOk);
  EXPECT_EQ(script.runs, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST_F(PollLoopTest, OnceRetriesAFailingCycleThenExitsOne) {
  for (int i = 0; i < 5; ++i) script.fail(ErrorCode::kServer);
  EXPECT_EQ(run(options(true)), kExitFailure);
  EXPECT_EQ(script.runs, 3);
  // Short pauses between the attempts, none after the last.
  EXPECT_THAT(clock.sleeps, ElementsAre(milliseconds{5000}, milliseconds{5000}));
}

TEST_F(PollLoopTest, OnceSucceedsIfALaterAttemptDoes) {
  script.fail(ErrorCode::kTransport);
  script.fail(ErrorCode::kRateLimited);
  script.ok();
  EXPECT_EQ(run(options(true)), kExitOk);
  EXPECT_EQ(script.runs, 3);
  EXPECT_EQ(clock.sleeps.size(), 2U);
}

class PollLoopOncePermanent : public PollLoopTest,
                              public ::testing::WithParamInterface<ErrorCode> {};

TEST_P(PollLoopOncePermanent, GivesUpAtOnce) {
  // Retrying cannot fix bad credentials, a 403 or a disk error.
  script.fail(GetParam());
  script.ok();
  EXPECT_EQ(run(options(true)), kExitFailure);
  EXPECT_EQ(script.runs, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

INSTANTIATE_TEST_SUITE_P(Codes, PollLoopOncePermanent,
                         ::testing::Values(ErrorCode::kAuth, ErrorCode::kHttpStatus,
                                           ErrorCode::kIo));

class PollLoopLoopRetriesEverything : public PollLoopTest,
                                      public ::testing::WithParamInterface<ErrorCode> {};

TEST_P(PollLoopLoopRetriesEverything, ButNeverEndsTheDaemon) {
  script.fail(GetParam());
  script.fail(GetParam());
  script.ok();
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_EQ(script.runs, 4);
  EXPECT_THAT(clock.sleeps, ElementsAre(seconds{30}, seconds{60}, seconds{30}));
}

INSTANTIATE_TEST_SUITE_P(Codes, PollLoopLoopRetriesEverything,
                         ::testing::Values(ErrorCode::kAuth, ErrorCode::kHttpStatus, ErrorCode::kIo,
                                           ErrorCode::kServer, ErrorCode::kParse));

TEST_F(PollLoopTest, OnceAttemptsAreConfigurable) {
  for (int i = 0; i < 5; ++i) script.fail(ErrorCode::kServer);
  PollOptions o = options(true);
  o.once_attempts = 1;
  EXPECT_EQ(run(o), kExitFailure);
  EXPECT_EQ(script.runs, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

class PollLoopConfigError : public PollLoopTest, public ::testing::WithParamInterface<bool> {};

TEST_P(PollLoopConfigError, ExitsTwoAtOnce) {
  script.fail(ErrorCode::kConfig, "bad state file");
  script.ok();
  EXPECT_EQ(run(options(GetParam())), kExitConfig);
  EXPECT_EQ(script.runs, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

INSTANTIATE_TEST_SUITE_P(OnceAndLoop, PollLoopConfigError, ::testing::Bool());

TEST_F(PollLoopTest, LoopSleepsTheIntervalBetweenGoodCycles) {
  script.ok();
  script.ok();
  script.ok();
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_EQ(script.runs, 4);  // the fourth asks for the stop
  EXPECT_THAT(clock.sleeps, ElementsAre(seconds{30}, seconds{30}, seconds{30}));
}

TEST_F(PollLoopTest, LoopBacksOffAfterFailuresAndResetsOnSuccess) {
  for (int i = 0; i < 7; ++i) script.fail(ErrorCode::kHttpStatus, "HTTP 403");
  script.ok();
  script.fail(ErrorCode::kServer);
  script.ok();
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_THAT(clock.sleeps, ElementsAre(seconds{30}, seconds{60}, seconds{120}, seconds{240},
                                        seconds{480}, seconds{600}, seconds{600},  // capped
                                        seconds{30},  // success: back to the interval
                                        seconds{30},  // first failure again
                                        seconds{30}));
}

TEST_F(PollLoopTest, LoopBackoffStartsAtFiveSecondsForShortIntervals) {
  for (int i = 0; i < 3; ++i) script.fail(ErrorCode::kServer);
  script.ok();
  EXPECT_EQ(run(options(false, seconds{1})), kExitOk);
  EXPECT_THAT(clock.sleeps, ElementsAre(seconds{5}, seconds{10}, seconds{20}, seconds{1}));
}

TEST_F(PollLoopTest, LoopBackoffNeverOverflows) {
  for (int i = 0; i < 100; ++i) script.fail(ErrorCode::kServer);
  PollOptions o = options(false, seconds{86'400});
  o.max_error_backoff = std::chrono::hours{24 * 365};
  EXPECT_EQ(run(o), kExitOk);
  ASSERT_EQ(clock.sleeps.size(), 100U);
  for (const auto& s : clock.sleeps) {
    EXPECT_GE(s, seconds{86'400});
    EXPECT_LE(s, std::chrono::hours{24 * 365});
  }
}

TEST_F(PollLoopTest, LoopHonoursTheErrorsRetryAfterAsAFloor) {
  // E.g. a decommissioned API: one long pause instead of the short backoff, then back to normal.
  script.fail_with_retry_after(ErrorCode::kHttpStatus, std::chrono::hours{1});
  script.ok();
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_THAT(clock.sleeps, ElementsAre(std::chrono::hours{1}, seconds{30}));
}

TEST_F(PollLoopTest, ARetryAfterShorterThanTheBackoffChangesNothing) {
  script.fail(ErrorCode::kServer);
  script.fail_with_retry_after(ErrorCode::kRateLimited, seconds{7});
  script.ok();
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_THAT(clock.sleeps, ElementsAre(seconds{30}, seconds{60}, seconds{30}));
}

TEST_F(PollLoopTest, TheRequestedWaitIsCapped) {
  script.fail_with_retry_after(ErrorCode::kRateLimited, std::chrono::hours{10});
  script.ok();
  PollOptions o = options(false);
  o.max_requested_wait = std::chrono::hours{2};
  EXPECT_EQ(run(o), kExitOk);
  EXPECT_THAT(clock.sleeps, ElementsAre(std::chrono::hours{2}, seconds{30}));
}

TEST_F(PollLoopTest, OnceNeverWaitsLongEvenIfAsked) {
  script.fail_with_retry_after(ErrorCode::kServer, std::chrono::hours{1});
  script.ok();
  EXPECT_EQ(run(options(true)), kExitOk);
  EXPECT_THAT(clock.sleeps, ElementsAre(seconds{5}));
}

TEST_F(PollLoopTest, OnceGivesUpAtOnceOnAPermanentErrorWithARetryAfter) {
  script.fail_with_retry_after(ErrorCode::kHttpStatus, std::chrono::hours{1});
  script.ok();
  EXPECT_EQ(run(options(true)), kExitFailure);
  EXPECT_EQ(script.runs, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST_F(PollLoopTest, AStopDuringTheSleepEndsTheLoop) {
  script.ok();
  script.ok();
  clock.on_sleep = [](milliseconds, StopSignal& s) { s.request_stop(); };
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_EQ(script.runs, 1);
  EXPECT_EQ(clock.sleeps.size(), 1U);
}

TEST_F(PollLoopTest, AStopRequestedBeforehandRunsNothing) {
  script.ok();
  stop.request_stop();
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_EQ(script.runs, 0);
}

TEST_F(PollLoopTest, AStoppedCycleEndsTheLoopWithoutCountingAFailure) {
  script.fail(ErrorCode::kStopped, "stopped");
  script.ok();
  EXPECT_EQ(run(options(false)), kExitOk);
  EXPECT_EQ(script.runs, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

}  // namespace
}  // namespace csbridge
