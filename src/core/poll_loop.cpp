#include "csbridge/poll_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>

namespace csbridge {

int PollLoop::run(StopSignal& stop) {
  int consecutive_failures = 0;
  while (!stop.stop_requested()) {
    const auto started = clock_.steady_now();
    auto result = cycle_(stop);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - started);
    if (result) {
      consecutive_failures = 0;
      const CycleStats& s = result.value();
      spdlog::info("health status=ok watermark={} fetched={} written={} pages={} duration_ms={}",
                   s.watermark.empty() ? "none" : s.watermark, s.fetched, s.written, s.pages,
                   took.count());
      if (options_.once) return kExitOk;
    } else {
      const Error& e = result.error();
      if (e.code == ErrorCode::kStopped) break;
      ++consecutive_failures;
      spdlog::error("health status=error error='{}' consecutive_failures={} duration_ms={}",
                    e.message, consecutive_failures, took.count());
      if (e.code == ErrorCode::kConfig) return kExitConfig;
      // --once retries only what may heal by itself (network, server, rate limit).
      if (options_.once && (!is_transient(e) || consecutive_failures >= options_.once_attempts)) {
        return kExitFailure;
      }
    }
    auto wait = options_.interval;
    if (consecutive_failures > 0) {
      // Back off after failures (400/403/404 must not be hammered), at least one interval.
      const int shift = std::min(consecutive_failures - 1, 10);
      const std::chrono::milliseconds base = std::max(options_.interval, std::chrono::milliseconds{5000});
      wait = std::min(options_.max_error_backoff,
                      std::chrono::milliseconds{base.count() * (std::int64_t{1} << shift)});
      if (options_.once) wait = std::min(wait, std::chrono::milliseconds{5000});
      spdlog::warn("retrying the cycle in {}s", wait.count() / 1000);
    }
    if (!clock_.sleep_for(wait, stop)) break;
  }
  spdlog::info("Stopping: state is saved and covers only what was written.");
  return kExitOk;
}

}  // namespace csbridge
