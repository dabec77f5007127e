#include "csbridge/signals.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>

namespace csbridge {
namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

SignalThread::SignalThread(StopSignal& stop) : stop_(stop) {
  const sigset_t set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    while (!done_.load()) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (done_.load()) return;
      if (sig == SIGHUP) {
        // Logged before the count changes: the main thread replaces the logger once it sees
        // the new count, and must not free it while this thread still writes through it.
        spdlog::info("received SIGHUP, reopening output and log files");
        hangups_.fetch_add(1);
        continue;
      }
      spdlog::info("received signal {}, finishing the current step and stopping", sig);
      stop_.request_stop();
    }
  });
}

SignalThread::~SignalThread() {
  done_.store(true);
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

}  // namespace csbridge
