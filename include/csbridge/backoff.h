#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace csbridge {

/// Full-jitter capped exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))).
/// Pure: `unit` is the caller's random sample in [0, 1).
[[nodiscard]] constexpr std::chrono::milliseconds backoff_delay(int attempt,
                                                                std::chrono::milliseconds base,
                                                                std::chrono::milliseconds cap,
                                                                double unit) {
  const int shift = std::clamp(attempt - 1, 0, 30);  // overflow guard
  const auto ceiling = std::min(cap, base * (std::int64_t{1} << shift));
  return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(
      static_cast<double>(ceiling.count()) * std::clamp(unit, 0.0, 1.0))};
}

/// Falcon's X-RateLimit-RetryAfter: an absolute Unix time in seconds (the swagger says
/// milliseconds, so a value above 1e11 is taken as ms). Returns the wait from `now`
/// (zero if already past), or nullopt if the header is absent or not a number.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_rate_limit_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

/// RFC 9110 Retry-After in its delta-seconds form; nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after_seconds(
    std::string_view value);

}  // namespace csbridge
