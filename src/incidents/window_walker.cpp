#include "window_walker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace csbridge::incidents {
namespace {

std::string describe(const TimeWindow& w) {
  return "['" + format_rfc3339(w.from) + "', '" + format_rfc3339(w.to) + "']";
}

Error stopped() { return Error{ErrorCode::kStopped, "stopped"}; }

/// Whether the first page of a window holds all of its ids. A total at the ceiling may be capped
/// by the API (as search backends do), so it proves nothing: with a page limit of 10 000 a full
/// page of a capped window would otherwise look complete.
bool holds_everything(const IdPage& first, int limit, std::int64_t ceiling) {
  const auto n = static_cast<std::int64_t>(first.ids.size());
  if (first.total) return *first.total < ceiling && *first.total <= n;
  return n < limit;  // without a total, only a short page is known to be the last
}

/// Whether a pass that read `read` distinct ids, its last page reporting `total`, read as many
/// as the window held at its end. (Without a usable total there is nothing to compare.)
bool count_agrees(std::optional<std::int64_t> total, std::size_t read, std::int64_t ceiling) {
  return !total || *total >= ceiling || *total == static_cast<std::int64_t>(read);
}

/// Whether the totals of a window's halves show an API that ignored a bound of the time filter:
/// then one half holds as many as the whole and both together more than a page beyond it.
/// (Honoured, they add up to the whole plus the ids exactly at the midpoint, counted twice.)
bool not_narrowed(std::int64_t whole, std::int64_t older, std::int64_t newer, int limit) {
  return (older >= whole || newer >= whole) && older + newer > whole + limit;
}

}  // namespace

WindowWalker::WindowWalker(WalkOptions options, Query query, Consumer consumer, Settle settle)
    : options_(options),
      query_(std::move(query)),
      consumer_(std::move(consumer)),
      settle_(std::move(settle)) {
  options_.page_limit = std::max(1, options_.page_limit);
  options_.offset_ceiling = std::max<std::int64_t>(options_.offset_ceiling, options_.page_limit);
  options_.max_passes = std::max(2, options_.max_passes);
}

Status WindowWalker::walk(const TimeWindow& window, StopSignal& stop) {
  return walk_window(window, std::nullopt, stop);
}

bool WindowWalker::splittable(const TimeWindow& w) const {
  return w.to.ns - w.from.ns >= 2 * options_.min_split_ns;
}

Result<IdPage> WindowWalker::query(const TimeWindow& window, int limit, std::int64_t offset) {
  ++stats_.queries;
  return query_(window, limit, offset);
}

Status WindowWalker::walk_window(const TimeWindow& w, std::optional<IdPage> first,
                                 StopSignal& stop) {
  if (stop.stop_requested()) return stopped();
  if (stats_.ended_early) return ok();  // a window before this one is to be read again
  if (stats_.queries >= options_.max_queries) {
    // Bounds a cycle whatever the API does (e.g. ignores the time filter on a tenant whose
    // totals reach the ceiling, where the halves' totals prove nothing). Nothing is lost: the
    // windows read so far moved the watermark, and the next cycle goes on from there.
    stats_.ended_early = true;
    spdlog::warn(
        "This cycle used its {} ids queries; it ends before window {} and the next one goes on "
        "from the watermark (if this repeats without progress, check that the API applies the "
        "time filter)",
        options_.max_queries, describe(w));
    return ok();
  }
  if (!first) {
    auto fetched = query(w, options_.page_limit, 0);
    if (!fetched) return std::move(fetched).error();
    first = std::move(fetched).value();
  }
  if (holds_everything(*first, options_.page_limit, options_.offset_ceiling)) {
    // One query, no offsets: a consistent view of the window, whatever changes meanwhile.
    stats_.ids += first->ids.size();
    if (Status st = consumer_(w, std::move(first->ids), false); !st) return st;
    return stop.stop_requested() ? Status{stopped()} : ok();
  }
  // Without a total an API filtering by time cannot be told from one that does not (each
  // split would look as full as its parent), so such a window is read by offset, and split
  // only when it reaches the offset ceiling.
  if (!first->total) return walk_by_offset(w, std::move(*first), "no total", stop);
  if (!splittable(w)) return walk_by_offset(w, std::move(*first), "too short to split", stop);
  return split(w, std::move(*first), stop);
}

Status WindowWalker::split(const TimeWindow& w, IdPage whole, StopSignal& stop) {
  ++stats_.splits;
  const Timestamp mid{w.from.ns + (w.to.ns - w.from.ns) / 2};
  spdlog::debug("Window {} holds more than one page of ids; splitting it at '{}'", describe(w),
                format_rfc3339(mid));
  // Both halves include `mid`; the consumer skips what it has already seen.
  const TimeWindow older{w.from, mid};
  const TimeWindow newer{mid, w.to};
  auto older_first = query(older, options_.page_limit, 0);
  if (!older_first) return std::move(older_first).error();
  // (A total at the ceiling may be capped by the API, as search backends do: no evidence.)
  if (whole.total && *whole.total < options_.offset_ceiling && older_first.value().total) {
    // An API that ignored either bound of the window would make every split look as full as
    // its parent and recurse down to min_split_ns everywhere: the halves' totals tell.
    auto newer_first = query(newer, 1, 0);
    if (!newer_first) return std::move(newer_first).error();
    if (newer_first.value().total &&
        not_narrowed(*whole.total, *older_first.value().total, *newer_first.value().total,
                     options_.page_limit)) {
      ++stats_.unnarrowed;
      spdlog::error(
          "The ids query does not apply the time window of its filter ({} ids in {}, {} + {} in "
          "its halves); reading the window by offset instead, which can miss records that "
          "change meanwhile",
          *whole.total, describe(w), *older_first.value().total, *newer_first.value().total);
      return walk_by_offset(w, std::move(whole), "not narrowed by the API", stop);
    }
  }
  if (Status st = walk_window(older, std::move(older_first).value(), stop); !st) return st;
  return walk_window(newer, std::nullopt, stop);
}

Status WindowWalker::walk_by_offset(const TimeWindow& w, IdPage first, std::string_view why,
                                    StopSignal& stop) {
  // Checked at every pass: the total can grow past the ceiling after the first.
  std::int64_t warned_excess = -1;
  auto warn_if_unreachable = [&](std::optional<std::int64_t> total) {
    if (!total || *total - options_.offset_ceiling <= warned_excess) return;
    const std::int64_t excess = *total - options_.offset_ceiling;
    if (excess == 0) {
      spdlog::warn(
          "{} ids in window {} ({}), as many as offset paging can reach: if the API caps its "
          "total there, more may be skipped",
          *total, describe(w), why);
    } else {
      stats_.unreachable += excess - std::max<std::int64_t>(warned_excess, 0);
      spdlog::warn(
          "{} ids in window {} ({}): only the first {} can be read through offset paging, {} "
          "are skipped",
          *total, describe(w), why, options_.offset_ceiling, excess);
    }
    warned_excess = excess;
  };
  warn_if_unreachable(first.total);
  // Offsets drift when records change mid-walk (one leaving the window shifts later ones left
  // past the offset, and one arriving can hide that from the total): walk again until two
  // consecutive passes read the same ids, each as many as the total at its end. At most
  // 2 × offset_ceiling ids are kept. The pages are provisional (they do not move the
  // watermark) until the window is settled.
  std::set<std::string> previous;
  bool previous_counted = false;
  for (int pass = 1; pass <= options_.max_passes; ++pass) {
    if (pass > 1) {
      ++stats_.repeats;
      auto again = query(w, options_.page_limit, 0);
      if (!again) return std::move(again).error();
      first = std::move(again).value();
    }
    std::set<std::string> ids;
    auto walked = walk_pages(w, std::move(first), ids, stop);
    if (!walked) return std::move(walked).error();
    warn_if_unreachable(walked.value().last_total);
    if (pass == 1 && walked.value().more_past_ceiling) {
      // Without totals; the halves settle themselves.
      if (splittable(w) && stats_.ceiling_splits < options_.max_ceiling_splits) {
        ++stats_.ceiling_splits;
        ++stats_.splits;
        const Timestamp mid{w.from.ns + (w.to.ns - w.from.ns) / 2};
        if (Status st = walk_window(TimeWindow{w.from, mid}, std::nullopt, stop); !st) return st;
        return walk_window(TimeWindow{mid, w.to}, std::nullopt, stop);
      }
      spdlog::warn("window {} may hold more ids than offset paging can reach; some may be skipped",
                   describe(w));
    }
    // A pass skips an id when one before it leaves the window behind the offset. If the pass
    // had read that one, it is gone for good (updated past the window, or deleted), so the
    // next pass differs. If it had not (it arrived, late-indexed, after its page was read), the
    // pass read fewer ids than the window holds at its end. So two equal passes whose counts
    // agree with their totals skipped nothing that was in the window throughout. (Confirming
    // by the union of passes would settle a window whose id two passes both skipped.)
    const bool counted =
        count_agrees(walked.value().last_total, ids.size(), options_.offset_ceiling);
    if (pass > 1 && ids == previous && counted && previous_counted) return settle_(w);
    previous = std::move(ids);
    previous_counted = counted;
  }
  // Later windows would move the watermark past this one: end the walk here instead, and the
  // next cycle reads this window again from the watermark.
  stats_.ended_early = true;
  spdlog::warn(
      "window {} kept changing over {} passes; the cycle ends here and the next one reads it "
      "again",
      describe(w), options_.max_passes);
  return ok();
}

Result<WindowWalker::PagesOutcome> WindowWalker::walk_pages(const TimeWindow& w, IdPage page,
                                                            std::set<std::string>& read,
                                                            StopSignal& stop) {
  PagesOutcome outcome;
  std::int64_t offset = 0;
  int limit = options_.page_limit;
  while (true) {
    ++outcome.pages;
    outcome.last_total = page.total;
    const auto n = static_cast<std::int64_t>(page.ids.size());
    stats_.ids += page.ids.size();
    read.insert(page.ids.begin(), page.ids.end());
    if (Status st = consumer_(w, std::move(page.ids), true); !st) return std::move(st).error();
    if (stop.stop_requested()) return stopped();
    if (n < limit) return outcome;  // a short page is the last one
    if (page.total && offset + n >= *page.total) return outcome;
    offset += n;
    if (offset >= options_.offset_ceiling) {
      outcome.more_past_ceiling = !page.total;
      return outcome;
    }
    limit = static_cast<int>(
        std::min<std::int64_t>(options_.page_limit, options_.offset_ceiling - offset));
    auto next = query(w, limit, offset);
    if (!next) return std::move(next).error();
    page = std::move(next).value();
    if (page.ids.empty()) return outcome;
  }
}

}  // namespace csbridge::incidents
