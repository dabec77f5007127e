#include "window_walker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace csbridge::incidents {
namespace {

std::string describe(const TimeWindow& w) {
  return "['" + format_rfc3339(w.from) + "', '" + format_rfc3339(w.to) + "']";
}

Error stopped() { return Error{ErrorCode::kStopped, "stopped"}; }

}  // namespace

WindowWalker::WindowWalker(WalkOptions options, Query query, Consumer consumer)
    : options_(options), query_(std::move(query)), consumer_(std::move(consumer)) {
  options_.page_limit = std::max(1, options_.page_limit);
  options_.offset_ceiling = std::max<std::int64_t>(options_.offset_ceiling, options_.page_limit);
  options_.max_passes = std::max(1, options_.max_passes);
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

Status WindowWalker::split(const TimeWindow& w, StopSignal& stop) {
  ++stats_.splits;
  const Timestamp mid{w.from.ns + (w.to.ns - w.from.ns) / 2};
  spdlog::info("Window {} holds more than the {} ids offset paging can reach; splitting it at '{}'",
               describe(w), options_.offset_ceiling, format_rfc3339(mid));
  // Both halves include `mid`; the consumer skips what it has already seen.
  if (Status st = walk_window(TimeWindow{w.from, mid}, stop); !st) return st;
  return walk_window(TimeWindow{mid, w.to}, stop);
}

Status WindowWalker::walk_window(const TimeWindow& w, StopSignal& stop) {
  for (int pass = 1; pass <= options_.max_passes; ++pass) {
    if (stop.stop_requested()) return stopped();
    auto first = query(w, options_.page_limit, 0);
    if (!first) return std::move(first).error();
    const std::optional<std::int64_t> total = first.value().total;
    if (total && *total > options_.offset_ceiling) {
      if (splittable(w)) return split(w, stop);
      const std::int64_t lost = *total - options_.offset_ceiling;
      stats_.unreachable += lost;
      spdlog::warn(
          "{} ids in window {}, which is too short to split: only the first {} can be read "
          "through offset paging, {} are skipped",
          *total, describe(w), options_.offset_ceiling, lost);
    }
    auto walked = walk_pages(w, std::move(first).value(), stop);
    if (!walked) return std::move(walked).error();
    if (walked.value().more_past_ceiling) {
      if (splittable(w)) return split(w, stop);
      spdlog::warn("window {} may hold more ids than offset paging can reach; some may be skipped",
                   describe(w));
      return ok();
    }
    // A single page used no offsets and cannot have drifted; without totals drift is invisible.
    if (!total || walked.value().pages <= 1) return ok();
    auto check = query(w, 1, 0);
    if (!check) return std::move(check).error();
    const std::optional<std::int64_t> now_total = check.value().total;
    if (!now_total || *now_total == *total) return ok();
    if (pass < options_.max_passes) {
      ++stats_.repeats;
      spdlog::info(
          "The number of ids in window {} changed from {} to {} while it was paged; reading it "
          "again",
          describe(w), *total, *now_total);
    }
  }
  spdlog::warn("window {} kept changing over {} passes; moving on", describe(w),
               options_.max_passes);
  return ok();
}

Result<WindowWalker::PagesOutcome> WindowWalker::walk_pages(const TimeWindow& w, IdPage page,
                                                            StopSignal& stop) {
  PagesOutcome outcome;
  std::int64_t offset = 0;
  int limit = options_.page_limit;
  while (true) {
    ++outcome.pages;
    const auto n = static_cast<std::int64_t>(page.ids.size());
    stats_.ids += page.ids.size();
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
