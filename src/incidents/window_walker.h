#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api_pages.h"
#include "csbridge/clock.h"
#include "csbridge/result.h"
#include "source_spec.h"

namespace csbridge::incidents {

/// Limits of an offset-paged ids query.
struct WalkOptions {
  int page_limit{500};                 ///< ids per page
  std::int64_t offset_ceiling{10000};  ///< Falcon: offset + limit must stay ≤ this
  int max_passes{3};                   ///< walks of an unsplittable window until two agree (≥ 2)
  std::int64_t min_split_ns{1'000'000};  ///< windows this short are not split any more
  /// Splits of windows without totals that reached the ceiling; bounds the queries against an
  /// API that sends no total and ignores the time filter (~640 000 ids at Falcon's ceiling).
  std::size_t max_ceiling_splits{64};
  /// Ids queries a walk may send; past them it ends early (see WalkStats::ended_early).
  std::size_t max_queries{10000};
};

/// What a walk did, for logs and tests.
struct WalkStats {
  std::size_t queries{0};         ///< ids queries sent (pages and total checks)
  std::size_t ids{0};             ///< ids handed to the consumer (repeats included)
  std::size_t splits{0};          ///< windows split in two
  std::size_t ceiling_splits{0};  ///< of which windows without totals at the offset ceiling
  std::size_t repeats{0};         ///< extra passes over unsplittable windows
  std::int64_t unreachable{0};    ///< ids beyond the ceiling in windows that could not be split
  std::size_t unnarrowed{0};      ///< windows the API did not narrow (offset-paged instead)
  /// A window kept changing, or max_queries ran out: later windows were left for next cycle.
  bool ended_early{false};
};

/// Reads every id of a time window through a query sorted ascending on the time field, oldest
/// first, handing each page to the consumer before asking for the next.
/// Offset paging drifts when records change mid-walk: a record updated past the window shifts
/// later ones left past the offset, one is never read, and a record arriving at the same time
/// hides that from the total (Falcon cases have no cursor). So a window is only read in one
/// query, without offsets: one whose ids do not fit in one page (its total is above what came
/// back) is split in two halves by time, recursively, oldest half first.
/// Offset-paged instead, as far as the offset ceiling allows (the rest is reported in
/// WalkStats::unreachable and a warning), and walked again until two consecutive passes read
/// the same ids, as many as the total at their end (up to max_passes), are only: a window shorter
/// than 2 × min_split_ns (many ids at one instant); one whose halves show that the API ignores the
/// time filter (an error is logged); and, from an API that sends no total, a window with more than
/// one page (split when a full page reaches the ceiling, at most max_ceiling_splits times a walk).
/// Such pages are handed over as provisional, and the window settled once two passes agree; a
/// window that never settles ends the walk (WalkStats::ended_early), since later windows would move
/// the watermark past it. A walk also ends early after max_queries queries, whatever the API does.
/// The consumer must therefore tolerate ids it has seen before (halves share their midpoint).
/// Not thread-safe; errors from the query or the consumer end the walk at once.
class WindowWalker {
 public:
  /// Fetches one page: ids of `window` from `offset`, at most `limit`.
  using Query =
      std::function<Result<IdPage>(const TimeWindow& window, int limit, std::int64_t offset)>;
  /// Handles one page of ids of `window` (e.g. hydrates and commits them). The window matters
  /// for the watermark: a record whose time is now past its end changed after the query and
  /// says nothing about how far the walk got. A `provisional` page comes from an offset-paged
  /// window, where drift may have skipped ids: it must not move the watermark until Settle.
  using Consumer = std::function<Status(const TimeWindow& window, std::vector<std::string> ids,
                                        bool provisional)>;
  /// Called once every id of an offset-paged window has been handed over (two passes agreed):
  /// the watermark may now move up to the window's end.
  using Settle = std::function<Status(const TimeWindow& window)>;

  WindowWalker(WalkOptions options, Query query, Consumer consumer, Settle settle);

  /// Walks `window` (from ≤ to). Returns the first error, or kStopped once `stop` fires.
  [[nodiscard]] Status walk(const TimeWindow& window, StopSignal& stop);

  [[nodiscard]] const WalkStats& stats() const { return stats_; }

 private:
  struct PagesOutcome {
    std::size_t pages{0};
    bool more_past_ceiling{false};             ///< a full page ended at the ceiling, total unknown
    std::optional<std::int64_t> last_total{};  ///< the total on the pass's last page
  };

  /// `first`: the window's first page if already fetched.
  Status walk_window(const TimeWindow& window, std::optional<IdPage> first, StopSignal& stop);
  Status split(const TimeWindow& window, IdPage whole, StopSignal& stop);
  Status walk_by_offset(const TimeWindow& window, IdPage first, std::string_view why,
                        StopSignal& stop);
  Result<PagesOutcome> walk_pages(const TimeWindow& window, IdPage first,
                                  std::set<std::string>& read, StopSignal& stop);
  Result<IdPage> query(const TimeWindow& window, int limit, std::int64_t offset);
  [[nodiscard]] bool splittable(const TimeWindow& window) const;

  WalkOptions options_;
  Query query_;
  Consumer consumer_;
  Settle settle_;
  WalkStats stats_{};
};

}  // namespace csbridge::incidents
