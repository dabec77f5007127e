#pragma once

#include <atomic>
#include <thread>

#include "csbridge/clock.h"

namespace csbridge {

/// Turns SIGTERM/SIGINT into a StopSignal request and counts SIGHUPs, on a dedicated
/// sigwait thread (no async handlers, no async-signal-safety traps). Construct it in main
/// before any other thread starts: it blocks those signals for the whole process.
class SignalThread {
 public:
  explicit SignalThread(StopSignal& stop);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

  /// SIGHUPs received so far (a change means: reopen output and log files).
  [[nodiscard]] unsigned hangups() const { return hangups_.load(); }

 private:
  StopSignal& stop_;
  std::atomic<unsigned> hangups_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace csbridge
