#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace csbridge {

/// A one-way "please stop" flag that sleepers can wait on. Thread-safe.
class StopSignal {
 public:
  void request_stop();
  [[nodiscard]] bool stop_requested() const;
  /// Blocks up to `d`; returns true as soon as a stop is requested (also if it already was).
  bool wait_for(std::chrono::milliseconds d);

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_{false};
};

/// Time source, injected everywhere so tests never depend on real time.
class Clock {
 public:
  using SysTime = std::chrono::system_clock::time_point;
  using MonoTime = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  /// Wall clock: token expiry stamps, RetryAfter epochs, backfill start.
  [[nodiscard]] virtual SysTime system_now() const = 0;
  /// Monotonic clock: intervals and token lifetimes.
  [[nodiscard]] virtual MonoTime steady_now() const = 0;
  /// Blocks for `d` unless `stop` fires; returns false if interrupted by the stop.
  virtual bool sleep_for(std::chrono::milliseconds d, StopSignal& stop) = 0;
};

/// The real clock. The only place in the project that reads real time or sleeps.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] SysTime system_now() const override;
  [[nodiscard]] MonoTime steady_now() const override;
  bool sleep_for(std::chrono::milliseconds d, StopSignal& stop) override;
};

}  // namespace csbridge
