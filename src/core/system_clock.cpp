#include "csbridge/clock.h"

namespace csbridge {

void StopSignal::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::stop_requested() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

bool StopSignal::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, d, [this] { return stopped_; });
}

Clock::SysTime SystemClock::system_now() const { return std::chrono::system_clock::now(); }

Clock::MonoTime SystemClock::steady_now() const { return std::chrono::steady_clock::now(); }

bool SystemClock::sleep_for(std::chrono::milliseconds d, StopSignal& stop) {
  return !stop.wait_for(d);
}

}  // namespace csbridge
