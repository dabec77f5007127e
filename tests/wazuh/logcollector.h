#pragma once

/// \file
/// What wazuh-logcollector (<log_format>json</log_format>, logcollector/read_json.c) does to one
/// line of a file before analysisd sees it:
/// * a line of more than 65 279 bytes (not counting its '\n') is dropped, not truncated. Wazuh
///   then also loses the line after the next good one (a bug, see wazuh.md §2): not modelled here,
///   one line at a time;
/// * a line holding a NUL byte is dropped;
/// * the line must parse (cJSON, leading whitespace allowed, trailing text ignored) as a JSON
///   object, else it is dropped;
/// * the object is re-serialised with cJSON_PrintUnformatted; that text is what rules see.

#include <cstddef>
#include <string>
#include <string_view>

namespace wazuh {

/// Longest JSON line logcollector forwards: fgets into OS_MAXSTR - OS_LOG_HEADER = 65 280 bytes.
inline constexpr std::size_t kMaxJsonLineBytes = 65279;

/// Outcome of reading one line.
struct CollectedLine {
  bool forwarded = false;  ///< false: logcollector drops the line silently
  std::string line{};      ///< the re-serialised line (when forwarded)
  std::string reason{};    ///< why it was dropped (when not forwarded)
};

/// Applies logcollector's JSON reader to `raw_line` (without its trailing '\n').
[[nodiscard]] CollectedLine collect_json_line(std::string_view raw_line);

}  // namespace wazuh
