#include "csbridge/poll_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>

#include "csbridge/timestamp.h"

namespace csbridge {
namespace {

/// "2026-05-26T12:00:00Z": when the last error happened, for the status line.
std::string now_rfc3339(const Clock& clock) {
  const Timestamp t = to_timestamp(clock.system_now());
  return format_rfc3339(Timestamp{t.ns / 1'000'000'000 * 1'000'000'000});
}

}  // namespace

int PollLoop::run(StopSignal& stop) {
  int consecutive_failures = 0;
  // For the service manager's status line (systemctl status: "Status: ...").
  std::string watermark = "none";
  std::string last_error = "none";
  while (!stop.stop_requested()) {
    std::chrono::milliseconds requested_wait{0};
    const auto started = clock_.steady_now();
    auto result = cycle_(stop);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - started);
    if (result) {
      consecutive_failures = 0;
      const CycleStats& s = result.value();
      spdlog::info("health status=ok watermark={} fetched={} written={} pages={} duration_ms={}",
                   s.watermark.empty() ? "none" : s.watermark, s.fetched, s.written, s.pages,
                   took.count());
      if (!s.watermark.empty()) watermark = s.watermark;
      notifier_.status(
          fmt::format("watermark {}, {} new, last error {}", watermark, s.written, last_error));
      if (options_.once) return kExitOk;
    } else {
      const Error& e = result.error();
      if (e.code == ErrorCode::kStopped) break;
      ++consecutive_failures;
      if (e.retry_after) requested_wait = std::min(*e.retry_after, options_.max_requested_wait);
      spdlog::error("health status=error error='{}' consecutive_failures={} duration_ms={}",
                    e.message, consecutive_failures, took.count());
      last_error = now_rfc3339(clock_) + " " + e.message;
      if (e.code == ErrorCode::kConfig) {
        notifier_.stopping("configuration error: " + e.message);
        return kExitConfig;
      }
      // --once retries only what may heal by itself (network, server, rate limit).
      if (options_.once && (!is_transient(e) || consecutive_failures >= options_.once_attempts)) {
        return kExitFailure;
      }
    }
    auto wait = options_.interval;
    if (consecutive_failures > 0) {
      // Back off after failures (400/403/404 must not be hammered), at least one interval.
      const int shift = std::min(consecutive_failures - 1, 10);
      const std::chrono::milliseconds base =
          std::max(options_.interval, std::chrono::milliseconds{5000});
      wait = std::min(options_.max_error_backoff,
                      std::chrono::milliseconds{base.count() * (std::int64_t{1} << shift)});
      // The failure asked for a longer pause (e.g. a decommissioned API): honour it as a floor.
      wait = std::max(wait, requested_wait);
      if (options_.once) wait = std::min(wait, std::chrono::milliseconds{5000});
      spdlog::warn("retrying the cycle in {}s", wait.count() / 1000);
      notifier_.status(
          fmt::format("watermark {}, cycle failed ({} in a row), retrying in {}s, "
                      "last error {}",
                      watermark, consecutive_failures, wait.count() / 1000, last_error));
    }
    if (!clock_.sleep_for(wait, stop)) break;
  }
  spdlog::info("Stopping: state is saved and covers only what was written.");
  notifier_.stopping("stopping, watermark " + watermark);
  return kExitOk;
}

}  // namespace csbridge
