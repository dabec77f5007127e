#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace csbridge {

/// A UTC instant with nanosecond resolution. Falcon timestamps carry 0-9 fractional digits,
/// so they are compared as instants, never as strings ("...:34Z" sorts after "...:34.5Z").
struct Timestamp {
  std::int64_t ns{0};  ///< nanoseconds since the Unix epoch
  auto operator<=>(const Timestamp&) const = default;
};

/// Parses RFC 3339 ("2026-05-26T12:14:34.85475758Z", 0-9 fractional digits, 'Z' or +hh:mm).
/// Returns nullopt for anything else, including values that could not be rendered back safely.
[[nodiscard]] std::optional<Timestamp> parse_rfc3339(std::string_view text);

/// Renders as UTC "YYYY-MM-DDTHH:MM:SS[.fraction]Z", trailing fractional zeros trimmed
/// (Go's RFC3339Nano, the format Falcon itself emits).
[[nodiscard]] std::string format_rfc3339(Timestamp t);

[[nodiscard]] Timestamp to_timestamp(std::chrono::system_clock::time_point tp);

}  // namespace csbridge
