#include "csbridge/ticking_clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace csbridge {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;

TEST(TickingClockTest, CutsASleepIntoTicksAndCallsTheHookAfterEach) {
  testing::FakeClock inner;
  int ticks = 0;
  TickingClock clock{inner, milliseconds{1000}, [&] { ++ticks; }};
  StopSignal stop;
  EXPECT_TRUE(clock.sleep_for(milliseconds{2500}, stop));
  EXPECT_THAT(inner.sleeps, ElementsAre(milliseconds{1000}, milliseconds{1000}, milliseconds{500}));
  EXPECT_EQ(ticks, 3);
}

TEST(TickingClockTest, AStopEndsTheSleepWithoutFurtherTicks) {
  testing::FakeClock inner;
  int ticks = 0;
  TickingClock clock{inner, milliseconds{1000}, [&] { ++ticks; }};
  StopSignal stop;
  inner.on_sleep = [&](milliseconds, StopSignal& s) {
    if (inner.sleeps.size() == 2) s.request_stop();
  };
  EXPECT_FALSE(clock.sleep_for(milliseconds{10'000}, stop));
  EXPECT_EQ(inner.sleeps.size(), 2U);
  EXPECT_EQ(ticks, 1);
}

TEST(TickingClockTest, TimeComesFromTheInnerClock) {
  testing::FakeClock inner;
  TickingClock clock{inner, milliseconds{0}, {}};
  EXPECT_EQ(clock.system_now(), inner.system_now());
  EXPECT_EQ(clock.steady_now(), inner.steady_now());
  StopSignal stop;
  EXPECT_TRUE(clock.sleep_for(milliseconds{3000}, stop));
  EXPECT_THAT(inner.sleeps, ElementsAre(milliseconds{3000}));  // no tick: one piece
}

}  // namespace
}  // namespace csbridge
