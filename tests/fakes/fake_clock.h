#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "csbridge/clock.h"

namespace csbridge::testing {

/// A Clock that never reads real time and never blocks. Both clocks start at fixed instants
/// and move only through set_*(), advance() and sleep_for().
class FakeClock final : public csbridge::Clock {
 public:
  /// 2026-05-26T12:00:00Z: a whole second, so X-RateLimit-RetryAfter arithmetic is exact.
  static constexpr std::chrono::seconds kDefaultEpoch{1'779'796'800};

  FakeClock() = default;
  FakeClock(SysTime system, MonoTime steady) : system_(system), steady_(steady) {}

  [[nodiscard]] SysTime system_now() const override { return system_; }
  [[nodiscard]] MonoTime steady_now() const override { return steady_; }

  void set_system_now(SysTime t) { system_ = t; }
  void set_steady_now(MonoTime t) { steady_ = t; }

  /// Moves both clocks forward by `d`.
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    system_ += std::chrono::duration_cast<SysTime::duration>(d);
    steady_ += std::chrono::duration_cast<MonoTime::duration>(d);
  }

  /// Records `d` in `sleeps`, advances both clocks by it, runs `on_sleep` (which may request
  /// the stop, to simulate a signal arriving during the wait) and reports whether the sleep
  /// ran to its end, i.e. !stop.stop_requested().
  bool sleep_for(std::chrono::milliseconds d, StopSignal& stop) override {
    sleeps.push_back(d);
    advance(d);
    if (on_sleep) on_sleep(d, stop);
    return !stop.stop_requested();
  }

  /// Every duration passed to sleep_for, in order.
  std::vector<std::chrono::milliseconds> sleeps{};
  /// Called after each sleep has been recorded and the clocks advanced.
  std::function<void(std::chrono::milliseconds, StopSignal&)> on_sleep{};

 private:
  SysTime system_{kDefaultEpoch};
  MonoTime steady_{std::chrono::hours{1000}};
};

}  // namespace csbridge::testing
