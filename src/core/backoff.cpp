#include "csbridge/backoff.h"

#include <charconv>

namespace csbridge {
namespace {

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
    v.remove_suffix(1);
  return v;
}

std::optional<std::int64_t> parse_non_negative(std::string_view v) {
  v = trim(v);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n < 0) return std::nullopt;
  return n;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_rate_limit_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  const auto n = parse_non_negative(value);
  if (!n) return std::nullopt;
  constexpr std::int64_t kMillisecondThreshold = 100'000'000'000;  // 1e11 s is year 5138
  const std::chrono::milliseconds at = *n > kMillisecondThreshold
                                           ? std::chrono::milliseconds{*n}
                                           : std::chrono::milliseconds{*n * 1000};
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  return std::max(std::chrono::milliseconds{0}, at - since_epoch);
}

std::optional<std::chrono::milliseconds> parse_retry_after_seconds(std::string_view value) {
  const auto n = parse_non_negative(value);
  if (!n || *n > 86'400) return std::nullopt;
  return std::chrono::milliseconds{*n * 1000};
}

}  // namespace csbridge
