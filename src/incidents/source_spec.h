#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "csbridge/timestamp.h"
#include "incident_rows.h"

namespace csbridge::incidents {

/// A closed time window [from, to] of the source's time field.
struct TimeWindow {
  Timestamp from{};
  Timestamp to{};
};

/// What differs between the Case Management API and the legacy Incidents API.
struct SourceSpec {
  RecordKind kind{RecordKind::kCase};
  std::string noun{};               ///< "case" / "incident": log wording
  std::string query_path{};         ///< GET, returns ids
  std::string entities_path{};      ///< POST {"ids":[...]}, returns the records
  std::string time_field{};         ///< filter, sort and watermark field
  std::string id_field{};           ///< the record's id
  std::string version_field{};      ///< what changes with every update (--emit-updates)
  std::size_t entities_chunk{100};  ///< ids per entities call
  int max_limit{500};               ///< the query's maximum limit
};

/// GET /cases/queries/cases/v1 + POST /cases/entities/cases/v2, on updated_timestamp, keyed by
/// id and version, ≤ 100 ids per entities call, limit ≤ 10000.
[[nodiscard]] SourceSpec cases_spec();

/// GET /incidents/queries/incidents/v1 + POST /incidents/entities/incidents/GET/v1, on
/// modified_timestamp, keyed by incident_id (version: modified_timestamp), ≤ 500 ids a call,
/// limit ≤ 500. Decommissioned by CrowdStrike on 2026-03-09.
[[nodiscard]] SourceSpec incidents_spec();

/// The FQL filter of a window, single-quoted RFC 3339:
/// "<field>:>='<from>'+<field>:<='<to>'".
[[nodiscard]] std::string window_filter(std::string_view field, const TimeWindow& window);

/// The request target of one ids query: path?filter=…&sort=<field>.asc&limit=…&offset=…, every
/// value form-urlencoded (so FQL's '+' travels as %2B).
[[nodiscard]] std::string query_target(const SourceSpec& spec, const TimeWindow& window, int limit,
                                       std::int64_t offset);

}  // namespace csbridge::incidents
