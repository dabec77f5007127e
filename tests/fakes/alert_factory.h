#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#ifndef CSBRIDGE_TEST_DATA_DIR
#define CSBRIDGE_TEST_DATA_DIR ""
#endif

namespace csbridge::testing {

/// Generates realistic Falcon alerts, incidents and cases by cloning the anonymized fixtures in
/// `<data_dir>/{alerts,incidents,cases}` and giving every clone fresh identifiers and timestamps.
/// Everything not listed in the member docs is kept verbatim from the fixture, including the
/// quirks (alerts without `device` or `severity`, string epoch fields, year-2610 agent times).
///
/// Deterministic for a given seed. Identifiers are unique per factory instance: two factories
/// with the same seed produce the same identifiers, so give concurrent factories distinct seeds.
/// Not thread-safe.
class AlertFactory {
 public:
  /// Loads the fixtures; throws std::runtime_error if a fixture directory is missing or empty.
  explicit AlertFactory(std::string data_dir = CSBRIDGE_TEST_DATA_DIR, std::uint64_t seed = 1);

  /// Clones the next alert fixture (cycling through all of `alerts/` in file-name order):
  /// * `id` keeps the fixture's product-specific prefix (`ind:<aid>:`, `ods:<cid>:`,
  ///   `ngsiem:<cid>:` ...) with a fresh unique tail; `composite_id` is `<cid>:<id>`;
  /// * `created_timestamp` is exactly `created_ns` (RFC3339Nano: trailing zeros trimmed, so the
  ///   precision follows the value; use truncate_ns() or make_alerts() for coarser ones), unless
  ///   set_fraction_digits() fixed a precision;
  /// * `updated_timestamp` (and `crawled_timestamp`) equal or later than created, ns precision;
  ///   `timestamp`/`context_timestamp`/`start_time`/`end_time` slightly earlier, ms precision;
  /// * every fifth alert carries non-ASCII UTF-8 (user "jürgen.müller", host "東京-WS-…",
  ///   an emoji in the description) wherever the fixture has those fields.
  [[nodiscard]] nlohmann::json make_alert(std::int64_t created_ns);

  /// `n` alerts in groups of `group` sharing one identical `created_timestamp` (so a
  /// same-timestamp group can straddle a page boundary). Group k is created at about
  /// `start_ns + k * step_ns`: the instant is truncated to a precision cycling through 0..9
  /// fractional digits (Falcon emits all of them), never so far that it reaches the previous
  /// group, so groups stay strictly ordered for step_ns > 0. Returned in serving order
  /// (instant, then composite_id, like the API); read the exact instants back from the alerts.
  [[nodiscard]] std::vector<nlohmann::json> make_alerts(int n, std::int64_t start_ns,
                                                        std::int64_t step_ns, int group = 1);

  /// Clones the next incident fixture with a unique `incident_id` ("inc:<32hex>:<32hex>"),
  /// `modified_timestamp` at full ns precision, whole-second `created/start/end` before it and
  /// `hosts` freshly generated hosts (`host_ids` matches). With 0 hosts there is no `hosts` key
  /// and `host_ids` is empty, like the edge-case fixture.
  [[nodiscard]] nlohmann::json make_incident(std::int64_t modified_ns, int hosts);

  /// Clones the next case fixture with a unique ~110-char base64url `id`, a unique
  /// `reference_id`, `updated_timestamp` exactly `updated_ns` (or at the fixed precision),
  /// `analysis_results.hosts.records` of `hosts` hosts (0 allowed) and one
  /// `evidence.alerts.records[] {id, selector{id}}` per given alert composite id (none if empty).
  [[nodiscard]] nlohmann::json make_case(std::int64_t updated_ns, int hosts,
                                         const std::vector<std::string>& alert_composite_ids = {});

  /// Fixes the fractional precision (0..9) of generated alert created and case updated
  /// timestamps (instants are truncated to it, everywhere), or restores the default (exact in
  /// make_alert()/make_case(), cycling in make_alerts()) with nullopt.
  void set_fraction_digits(std::optional<int> digits);

  /// The loaded alert fixtures, unmodified.
  [[nodiscard]] const std::vector<nlohmann::json>& alert_fixtures() const { return alerts_; }

  /// UTC RFC 3339 with at most `digits` (0..9) fractional digits: the instant is truncated
  /// (floored) to that precision and trailing zeros are trimmed, e.g.
  /// format_rfc3339(1'000'000'000'500'000'000, 3) == "2001-09-09T01:46:40.5Z".
  [[nodiscard]] static std::string format_rfc3339(std::int64_t ns, int digits = 9);

  /// `ns` floored to a multiple of 10^(9-digits) ns, i.e. to `digits` (0..9) fractional digits.
  [[nodiscard]] static std::int64_t truncate_ns(std::int64_t ns, int digits);

  /// Parses RFC 3339 (0-9 fractional digits, 'Z' or ±hh:mm offset) to ns since the epoch;
  /// nullopt for anything else or for instants outside the int64 nanosecond range.
  [[nodiscard]] static std::optional<std::int64_t> parse_rfc3339(std::string_view text);

 private:
  nlohmann::json make_alert_with_digits(std::int64_t created_ns, int digits);
  int next_digits();
  std::string unique_alert_id(const std::string& fixture_id);
  std::string random_hex(std::size_t n);
  std::string random_digits(std::size_t n);
  std::string random_uuid();
  std::int64_t random_between(std::int64_t lo, std::int64_t hi);
  nlohmann::json make_host(int index, const std::string& cid);

  std::vector<nlohmann::json> alerts_;
  std::vector<nlohmann::json> incidents_;
  std::vector<nlohmann::json> cases_;
  std::vector<nlohmann::json> host_templates_;
  std::mt19937_64 rng_;
  std::unordered_set<std::string> used_ids_;
  std::optional<int> fixed_digits_;
  std::size_t digits_index_ = 0;
  std::size_t alert_counter_ = 0;
  std::size_t incident_counter_ = 0;
  std::size_t case_counter_ = 0;
  std::size_t host_counter_ = 0;
};

}  // namespace csbridge::testing
