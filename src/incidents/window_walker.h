#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api_pages.h"
#include "csbridge/clock.h"
#include "csbridge/result.h"
#include "source_spec.h"

namespace csbridge::incidents {

/// Limits of an offset-paged ids query.
struct WalkOptions {
  int page_limit{500};                   ///< ids per page
  std::int64_t offset_ceiling{10000};    ///< Falcon: offset + limit must stay ≤ this
  int max_passes{3};                     ///< walks of one window while its total keeps changing
  std::int64_t min_split_ns{1'000'000};  ///< windows this short are not split any more
};

/// What a walk did, for logs and tests.
struct WalkStats {
  std::size_t queries{0};       ///< ids queries sent (pages and total checks)
  std::size_t ids{0};           ///< ids handed to the consumer (repeats included)
  std::size_t splits{0};        ///< windows split in two
  std::size_t repeats{0};       ///< windows walked again because their total changed
  std::int64_t unreachable{0};  ///< ids beyond the ceiling in windows that could not be split
};

/// Reads every id of a time window through an offset-paged query sorted ascending on the time
/// field, oldest first, handing each page to the consumer before asking for the next:
/// * a window with more ids than the offset ceiling allows (total > ceiling, or a full page at
///   the ceiling when the API sends no total) is split in two halves by time, recursively,
///   oldest half first; below min_split_ns it is paged as far as the ceiling allows and the
///   rest is reported (WalkStats::unreachable, a warning);
/// * offset paging drifts when records change mid-walk (a record leaving the window shifts
///   later ones left past the offset): after a multi-page walk the window's total is asked
///   again (limit 1), and if it changed the window is walked again, up to max_passes times.
///   The consumer must therefore tolerate ids it has seen before.
/// Not thread-safe; errors from the query or the consumer end the walk at once.
class WindowWalker {
 public:
  /// Fetches one page: ids of `window` from `offset`, at most `limit`.
  using Query =
      std::function<Result<IdPage>(const TimeWindow& window, int limit, std::int64_t offset)>;
  /// Handles one page of ids (e.g. hydrates and commits them).
  using Consumer = std::function<Status(std::vector<std::string> ids)>;

  WindowWalker(WalkOptions options, Query query, Consumer consumer);

  /// Walks `window` (from ≤ to). Returns the first error, or kStopped once `stop` fires.
  [[nodiscard]] Status walk(const TimeWindow& window, StopSignal& stop);

  [[nodiscard]] const WalkStats& stats() const { return stats_; }

 private:
  struct PagesOutcome {
    std::size_t pages{0};
    bool more_past_ceiling{false};  ///< a full page ended at the ceiling, total unknown
  };

  Status walk_window(const TimeWindow& window, StopSignal& stop);
  Status split(const TimeWindow& window, StopSignal& stop);
  Result<PagesOutcome> walk_pages(const TimeWindow& window, IdPage first, StopSignal& stop);
  Result<IdPage> query(const TimeWindow& window, int limit, std::int64_t offset);
  [[nodiscard]] bool splittable(const TimeWindow& window) const;

  WalkOptions options_;
  Query query_;
  Consumer consumer_;
  WalkStats stats_{};
};

}  // namespace csbridge::incidents
