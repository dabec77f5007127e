#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csbridge/result.h"

namespace csbridge {

/// One entry of the Falcon envelope's errors[] (a missing or non-integer code reads as 0).
struct ApiError {
  int code{0};
  std::string message{};
};

/// One object of resources[]: its compacted JSON is lines[offset, offset + length), and the
/// '\n' that ends its NDJSON line follows at lines[offset + length].
struct ScannedRecord {
  std::size_t offset{0};
  std::size_t length{0};
  /// Decoded (escapes resolved, UTF-8 sanitized) string values of ScanSpec::keys, same order;
  /// nullopt if the key is absent at the record's top level or its first occurrence is not a
  /// string. Keys nested deeper (e.g. device.id) are never matched.
  std::vector<std::optional<std::string>> fields{};
};

/// What scan_page extracts besides the lines.
struct ScanSpec {
  std::vector<std::string> keys{};  ///< top-level record keys to extract, e.g. {"id"}
  std::size_t max_depth{128};       ///< envelope = depth 1; deeper nesting is a parse error
  /// Members written at the start of every record line, right after its '{' (e.g.
  /// `"integration":"crowdstrike","cs_kind":"alert"`), followed by ',' unless the record is
  /// empty; must be valid JSON members without braces. ScannedRecord::offset/length cover it;
  /// the record's own keys follow unchanged. Empty: records are copied as served.
  std::string record_prefix{};
};

/// The scanned Falcon envelope {"meta":{...},"errors":[...],"resources":[...]}.
struct ScannedPage {
  std::string lines{};  ///< each object of resources[], compacted, followed by '\n'
  std::vector<ScannedRecord> records{};
  bool has_resources{false};           ///< resources present and an array (possibly empty)
  std::optional<std::string> after{};  ///< meta.pagination.after if a string
  std::optional<std::int64_t> total{}, offset{}, limit{};  ///< meta.pagination.* if integers
  std::string trace_id{};                                  ///< meta.trace_id
  std::vector<ApiError> errors{};
  std::vector<std::string> string_resources{};  ///< string entries of resources[], decoded

  /// The compacted JSON of `record` (without its '\n').
  [[nodiscard]] std::string_view line(const ScannedRecord& record) const {
    return std::string_view(lines).substr(record.offset, record.length);
  }
};

/// Validates `body` as one RFC 8259 JSON object in a single pass (no DOM) and extracts the
/// above. Every record line is compact JSON equal to the input value, except that raw control
/// characters inside strings become \u00XX escapes, invalid UTF-8 becomes U+FFFD (one per
/// maximal invalid subpart) and escaped lone surrogates become \ufffd, so that every line is
/// valid for strict parsers and never contains a raw newline. Numbers and valid escapes are
/// copied verbatim. resources[] entries other than objects and strings are a parse error.
/// Envelope keys may come in any order; unknown keys are validated and skipped; a repeated
/// envelope key is processed again (records append, scalars are overwritten).
/// Never throws: malformed input yields Error{kParse, "<what> at byte N"}, and running out of
/// memory yields Error{kTooLarge}.
[[nodiscard]] Result<ScannedPage> scan_page(std::string_view body, const ScanSpec& spec);

}  // namespace csbridge
