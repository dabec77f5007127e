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

/// Whether the first page of a window holds all of its ids.
bool holds_everything(const IdPage& first, int limit) {
  const auto n = static_cast<std::int64_t>(first.ids.size());
  if (first.total) return *first.total <= n;
  return n < limit;  // without a total, only a short page is known to be the last
}

}  // namespace

WindowWalker::WindowWalker(WalkOptions options, Query query, Consumer consumer)
    : options_(options), query_(std::move(query)), consumer_(std::move(consumer)) {
  options_.page_limit = std::max(1, options_.page_limit);
  options_.offset_ceiling = std::max<std::int64_t>(options_.offset_ceiling, options_.page_limit);
  options_.max_passes = std::max(2, options_.max_passes);
}

Status WindowWalker::walk(const TimeWindow& window, StopSignal& stop) {
  return walk_window(window, stop);
}

bool WindowWalker::splittable(const TimeWindow& w) const {
  return w.to.ns - w.from.ns >= 2 * options_.min_split_ns;
}

Result<IdPage> WindowWalker::query(const TimeWindow& window, int limit, std::int64_t offset) {
  ++stats_.queries;
  return query_(window, limit, offset);
}

Status WindowWalker::walk_window(const TimeWindow& w, StopSignal& stop) {
  if (stop.stop_requested()) return stopped();
  auto first = query(w, options_.page_limit, 0);
  if (!first) return std::move(first).error();
  if (holds_everything(first.value(), options_.page_limit)) {
    // One query, no offsets: a consistent view of the window, whatever changes meanwhile.
    stats_.ids += first.value().ids.size();
    if (Status st = consumer_(std::move(first).value().ids); !st) return st;
    return stop.stop_requested() ? Status{stopped()} : ok();
  }
  if (splittable(w)) return split(w, stop);
  return walk_unsplittable(w, std::move(first).value(), stop);
}

Status WindowWalker::split(const TimeWindow& w, StopSignal& stop) {
  ++stats_.splits;
  const Timestamp mid{w.from.ns + (w.to.ns - w.from.ns) / 2};
  spdlog::debug("Window {} holds more than one page of ids; splitting it at '{}'", describe(w),
                format_rfc3339(mid));
  // Both halves include `mid`; the consumer skips what it has already seen.
  if (Status st = walk_window(TimeWindow{w.from, mid}, stop); !st) return st;
  return walk_window(TimeWindow{mid, w.to}, stop);
}

Status WindowWalker::walk_unsplittable(const TimeWindow& w, IdPage first, StopSignal& stop) {
  if (first.total && *first.total > options_.offset_ceiling) {
    const std::int64_t lost = *first.total - options_.offset_ceiling;
    stats_.unreachable += lost;
    spdlog::warn(
        "{} ids in window {}, which is too short to split: only the first {} can be read "
        "through offset paging, {} are skipped",
        *first.total, describe(w), options_.offset_ceiling, lost);
  }
  // Offsets drift when records change mid-walk (one leaving the window shifts later ones left
  // past the offset, and one arriving can hide that from the total): walk until two passes
  // read the same ids. At most offset_ceiling ids are kept.
  std::set<std::string> previous;
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
    if (pass == 1 && walked.value().more_past_ceiling) {
      spdlog::warn("window {} may hold more ids than offset paging can reach; some may be skipped",
                   describe(w));
    }
    if (pass > 1 && ids == previous) return ok();
    previous = std::move(ids);
  }
  spdlog::warn("window {} kept changing over {} passes; moving on", describe(w),
               options_.max_passes);
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
    const auto n = static_cast<std::int64_t>(page.ids.size());
    stats_.ids += page.ids.size();
    read.insert(page.ids.begin(), page.ids.end());
    if (Status st = consumer_(std::move(page.ids)); !st) return std::move(st).error();
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
