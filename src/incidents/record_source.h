#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api_pages.h"
#include "attack_enricher.h"
#include "csbridge/daemon.h"
#include "csbridge/poll_loop.h"
#include "source_spec.h"

namespace csbridge::incidents {

/// The behaviour flags of cs-incidents.
struct SourceOptions {
  bool emit_updates{false};       ///< --emit-updates: a new version gives new "updated" rows
  bool enrich_techniques{false};  ///< --enrich-techniques: cases get techniques/tactics
};

/// One polling cycle of cs-incidents, for cases or legacy incidents:
/// 1. the window [watermark - lookback (or the backfill start), now] of the spec's time field is
/// read
///    through its ids query, ascending, all pages, split when it exceeds the offset ceiling
///    (WindowWalker);
/// 2. per page, ids not yet written are hydrated through the entities call in chunks, matched
///    by id (ids that come back missing are logged and not marked as seen);
/// 3. each record becomes rows (build_rows), deduped by id (or id + version with
///    --emit-updates), and the page is committed through Delivery (output fsync, then state)
///    before the next page is asked for. The watermark is the newest time field written,
///    capped at the window's end (a record updated after the query must not move it past
///    records the query has not seen).
/// A 404 from the decommissioned Incidents API becomes an error naming --source cases that
/// asks the poll loop to wait an hour. Not thread-safe.
class RecordSource {
 public:
  RecordSource(DaemonContext& ctx, SourceSpec spec, SourceOptions options);

  [[nodiscard]] Result<CycleStats> run_cycle(StopSignal& stop);

 private:
  Result<IdPage> query_ids(const TimeWindow& window, int limit, std::int64_t offset,
                           StopSignal& stop);
  Status deliver(const TimeWindow& window, std::vector<std::string> ids, bool provisional,
                 StopSignal& stop);
  /// Moves the watermark to the newest time held back from an offset-paged window's pages.
  Status settle(const TimeWindow& window);
  Result<MatchedEntities> hydrate(const std::vector<std::string>& ids, StopSignal& stop);
  /// Technique/tactic names of the alerts the cases name (--enrich-techniques).
  Result<AttackNamesById> lookup_attack(const std::vector<nlohmann::ordered_json>& records,
                                        StopSignal& stop);

  /// One page's output: what Delivery::commit takes, plus counts for warnings.
  struct PageRows {
    std::string lines{};
    std::size_t rows{0};
    std::vector<std::string> keys{};
    std::optional<Timestamp> newest{};
    std::size_t bad_times{0};  ///< records without a usable time field
  };
  /// Dedupes the page's records against the seen set and renders the rows to write; `newest`
  /// only counts records up to the end of the page's window.
  [[nodiscard]] PageRows render(const std::vector<nlohmann::ordered_json>& records,
                                const AttackNamesById* attack, Timestamp window_end) const;
  [[nodiscard]] Error explain(Error e) const;

  DaemonContext& ctx_;
  SourceSpec spec_;
  SourceOptions options_;
  int page_limit_;
  // Per cycle.
  Timestamp now_{};
  std::optional<Timestamp> start_watermark_{};
  std::optional<Timestamp> held_newest_{};  ///< from provisional pages, until settled
  CycleStats stats_{};
};

/// The error for a 404 from the decommissioned Incidents API: says so, names --source cases,
/// and sets retry_after to an hour so the daemon does not hammer a dead endpoint.
[[nodiscard]] Error incidents_decommissioned(Error e);

}  // namespace csbridge::incidents
