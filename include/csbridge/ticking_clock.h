#pragma once

#include <chrono>
#include <functional>

#include "csbridge/clock.h"

namespace csbridge {

/// A Clock whose sleeps are cut into pieces of at most `tick`, calling `on_tick` after each:
/// the daemon follows a rotated output file and a SIGHUP within a second, also while it waits
/// for the next cycle (Wazuh forgets a rotated path whose new file does not exist yet).
class TickingClock final : public Clock {
 public:
  TickingClock(Clock& inner, std::chrono::milliseconds tick, std::function<void()> on_tick)
      : inner_(inner), tick_(tick), on_tick_(std::move(on_tick)) {}
  [[nodiscard]] SysTime system_now() const override { return inner_.system_now(); }
  [[nodiscard]] MonoTime steady_now() const override { return inner_.steady_now(); }
  bool sleep_for(std::chrono::milliseconds d, StopSignal& stop) override;

 private:
  Clock& inner_;
  std::chrono::milliseconds tick_;
  std::function<void()> on_tick_;
};

}  // namespace csbridge
