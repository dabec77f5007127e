#include "csbridge/ticking_clock.h"

#include <algorithm>

namespace csbridge {

bool TickingClock::sleep_for(std::chrono::milliseconds d, StopSignal& stop) {
  if (tick_.count() <= 0) return inner_.sleep_for(d, stop);
  // Counted down by the pieces asked for, not by reading the clock: exact under a FakeClock.
  auto left = d;
  do {
    const auto piece = std::min(left, tick_);
    if (!inner_.sleep_for(piece, stop)) return false;
    left -= piece;
    if (on_tick_) on_tick_();
  } while (left.count() > 0);
  return true;
}

}  // namespace csbridge
