#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace csbridge {

/// Wazuh's logcollector drops (not truncates) a JSON line over 65 279 bytes, and loses the
/// next good line too. Lines are kept under a budget below that.
inline constexpr std::size_t kDefaultMaxLineBytes = 60'000;

/// Wazuh's analysisd keeps only the first 256 fields its JSON decoder makes of a line
/// (analysisd.decoder_order_size) and drops the rest, in document order.
inline constexpr std::size_t kWazuhFieldCap = 256;

/// The fields that folding never moves out of a line (compared ignoring ASCII case, as Wazuh's
/// FindField): the marker, every field rules/crowdstrike.xml matches or shows, and the fields
/// crash recovery reads back (ids, timestamps, versions, cs_row).
[[nodiscard]] std::span<const std::string_view> kept_fields();

/// The number of dynamic fields Wazuh 4.x's JSON decoder makes of `line`, one compact or
/// spaced JSON object (no '\n'): each scalar (null included) is one field named by its
/// dot-joined path, each array one field, an object none itself (`{}` none at all); top-level
/// keys Wazuh puts into static slots (id, status, action, url, data, srcip, ...; `user` while
/// the dstuser slot is unset) do not count. One pass over the bytes, no allocation in the
/// common case. The result for text that is not a JSON object is unspecified (but bounded).
/// Not modelled: the json-msgraph decoder (a line holding "integration":"ms-graph" drops
/// nulls, so it has fewer fields than counted here) and cJSON's 1000-level nesting limit.
[[nodiscard]] std::size_t count_wazuh_fields(std::string_view line);

/// The limits a written line must respect.
struct LineLimits {
  std::size_t max_bytes{kDefaultMaxLineBytes};
  std::size_t max_fields{kWazuhFieldCap};
};

/// What shape_line did.
struct ShapeReport {
  bool folded{false};  ///< fields were moved into cs_bridge.overflow
  bool shrunk{false};  ///< values were cut (cs_bridge.truncated)
};

/// Brings one JSON object line (without '\n') within `limits`, or nullopt if it already is
/// (or is not a JSON object):
/// 1. fold: over max_fields fields, the first fields (and always kept_fields()) stay; the rest
///    leave the line and go, as the JSON text of an object with their original nesting, into
///    one string field "cs_bridge":{"overflow":"..."} (so nothing is lost, and merging it back
///    into the line gives the record again);
/// 2. shrink: over max_bytes bytes, shrink_line's cuts follow (the overflow text is a string
///    value like any other).
/// The result is valid JSON with at most max_fields fields (as count_wazuh_fields counts them)
/// and, unless every value is already tiny, at most max_bytes bytes. Invalid UTF-8 in a line
/// that needs shaping is replaced by U+FFFD first.
[[nodiscard]] std::optional<std::string> shape_line(std::string_view line, const LineLimits& limits,
                                                    ShapeReport* report = nullptr);

/// shape_line for every line of an NDJSON buffer; nullopt if no line needed it. The common
/// case costs one scan for newlines plus count_wazuh_fields per line, and no allocation.
struct ShapedLines {
  std::string text{};
  std::size_t folded{0};  ///< lines whose fields were folded
  std::size_t shrunk{0};  ///< lines whose values were cut
};
[[nodiscard]] std::optional<ShapedLines> shape_lines(std::string_view lines,
                                                     const LineLimits& limits);

/// Shrinks one compact JSON object line (without '\n') to at most `budget` bytes, one value at
/// a time: the longest string is truncated (deterministically, at UTF-8 boundaries), unless an
/// array/object is over 4 times larger, which is then replaced by a truncated copy of its JSON
/// text. Never cut: "id" and kept_fields() strings up to 1 024 bytes, objects holding a kept
/// field.
/// The record says what was cut: "cs_bridge":{"truncated":[{"field":"a.b","original_length":N}]}.
/// Returns nullopt if the line already fits or is not a JSON object.
[[nodiscard]] std::optional<std::string> shrink_line(std::string_view line, std::size_t budget);

/// Applies shrink_line to every line of an NDJSON buffer that is over `budget`; nullopt if no
/// line needed it (the common case costs one scan for newlines).
[[nodiscard]] std::optional<std::string> shrink_oversized_lines(std::string_view lines,
                                                                std::size_t budget);

}  // namespace csbridge
