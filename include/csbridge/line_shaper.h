#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace csbridge {

/// Wazuh's logcollector drops (not truncates) a JSON line over 65 279 bytes, and loses the
/// next good line too. Lines are kept under a budget below that.
inline constexpr std::size_t kDefaultMaxLineBytes = 60'000;

/// Shrinks one compact JSON object line (without '\n') to at most `budget` bytes: the longest
/// string values are truncated first (deterministically, at UTF-8 boundaries), then, if that is
/// not enough, the largest arrays/objects are replaced by a truncated copy of their JSON text.
/// The record says what was cut: "cs_bridge":{"truncated":[{"field":"a.b","original_length":N}]}.
/// Returns nullopt if the line already fits or is not a JSON object.
[[nodiscard]] std::optional<std::string> shrink_line(std::string_view line, std::size_t budget);

/// Applies shrink_line to every line of an NDJSON buffer that is over `budget`; nullopt if no
/// line needed it (the common case costs one scan for newlines).
[[nodiscard]] std::optional<std::string> shrink_oversized_lines(std::string_view lines,
                                                                std::size_t budget);

}  // namespace csbridge
