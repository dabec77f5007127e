#include "record_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "attack_enricher.h"
#include "dedupe.h"
#include "incident_rows.h"
#include "window_walker.h"

namespace csbridge::incidents {
namespace {

using nlohmann::ordered_json;

std::optional<Timestamp> time_of(const ordered_json& record, const std::string& field) {
  const auto it = record.find(field);
  if (it == record.end() || !it->is_string()) return std::nullopt;
  return parse_rfc3339(it->get_ref<const std::string&>());
}

const std::string* id_of(const ordered_json& record, const std::string& field) {
  const auto it = record.find(field);
  return it != record.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

/// The techniques and tactics of a case's alerts, in the order of its evidence.
AttackNames attack_names_of(const ordered_json& case_record, const AttackNamesById& by_alert) {
  AttackNames names;
  for (const auto& alert_id : case_alert_ids(case_record)) {
    const auto it = by_alert.find(alert_id);
    if (it == by_alert.end()) continue;
    for (const auto& t : it->second.techniques) {
      if (std::find(names.techniques.begin(), names.techniques.end(), t) ==
          names.techniques.end()) {
        names.techniques.push_back(t);
      }
    }
    for (const auto& t : it->second.tactics) {
      if (std::find(names.tactics.begin(), names.tactics.end(), t) == names.tactics.end()) {
        names.tactics.push_back(t);
      }
    }
  }
  return names;
}

}  // namespace

Error incidents_decommissioned(Error e) {
  e.message =
      "The CrowdStrike Incidents API was decommissioned on 2026-03-09 (" + e.message +
      "). Its successor is Falcon Case Management: run cs-incidents with --source cases (the "
      "default) and the Cases: Read scope. Next attempt in 1 h.";
  e.retry_after = std::chrono::hours{1};
  return e;
}

RecordSource::RecordSource(DaemonContext& ctx, SourceSpec spec, SourceOptions options)
    : ctx_(ctx),
      spec_(std::move(spec)),
      options_(options),
      page_limit_(std::clamp(ctx.options.page_limit, 1, spec_.max_limit)) {
  if (ctx.options.page_limit > spec_.max_limit) {
    spdlog::warn("--page-limit {} is above the {} query's maximum; using {}",
                 ctx.options.page_limit, spec_.noun, spec_.max_limit);
  }
}

Error RecordSource::explain(Error e) const {
  if (spec_.kind == RecordKind::kIncident && e.http_status == 404) {
    return incidents_decommissioned(std::move(e));
  }
  return e;
}

Result<CycleStats> RecordSource::run_cycle(StopSignal& stop) {
  stats_ = CycleStats{};
  now_ = to_timestamp(ctx_.clock.system_now());
  start_watermark_ = ctx_.state.watermark();
  // --lookback before the watermark (late-indexed records), or the backfill start.
  const Timestamp from = ctx_.query_start();
  const TimeWindow window{from, std::max(from, now_)};
  spdlog::info("Retrieving {} IDs starting from {}...", spec_.noun, format_rfc3339(window.from));

  WalkOptions walk_options;
  walk_options.page_limit = page_limit_;
  WindowWalker walker{walk_options,
                      [&](const TimeWindow& w, int limit, std::int64_t offset) {
                        return query_ids(w, limit, offset, stop);
                      },
                      [&](const TimeWindow& w, std::vector<std::string> ids, bool provisional) {
                        return deliver(w, std::move(ids), provisional, stop);
                      },
                      [&](const TimeWindow& w) { return settle(w); }};
  held_newest_.reset();
  if (Status st = walker.walk(window, stop); !st) return std::move(st).error();

  stats_.fetched = walker.stats().ids;
  stats_.pages = walker.stats().queries;
  if (walker.stats().splits > 0) {
    spdlog::info("Read the window by splitting it {} times ({} ids queries)", walker.stats().splits,
                 walker.stats().queries);
  }
  if (walker.stats().ended_early) {
    spdlog::warn("The cycle ended before the end of its window; the next one goes on from {}",
                 ctx_.state.watermark() ? format_rfc3339(*ctx_.state.watermark())
                                        : std::string{"the backfill start"});
  }
  if (stats_.written == 0) spdlog::info("No new {}s found.", spec_.noun);
  spdlog::info("Cycle complete: total_seen={}, rows_written={}", stats_.fetched, stats_.written);
  if (ctx_.state.watermark()) stats_.watermark = format_rfc3339(*ctx_.state.watermark());
  return stats_;
}

Result<IdPage> RecordSource::query_ids(const TimeWindow& window, int limit, std::int64_t offset,
                                       StopSignal& stop) {
  HttpRequest req;
  req.method = "GET";
  req.url = query_target(spec_, window, limit, offset);
  auto page = ctx_.client.call<IdPage>(req, parse_id_page, stop);
  if (!page) return explain(std::move(page).error());
  return page;
}

Result<MatchedEntities> RecordSource::hydrate(const std::vector<std::string>& ids,
                                              StopSignal& stop) {
  std::vector<ordered_json> entities;
  for (std::size_t begin = 0; begin < ids.size(); begin += spec_.entities_chunk) {
    const auto first = ids.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = ids.begin() + static_cast<std::ptrdiff_t>(
                                        std::min(ids.size(), begin + spec_.entities_chunk));
    HttpRequest req;
    req.method = "POST";
    req.url = spec_.entities_path;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = nlohmann::json{{"ids", std::vector<std::string>(first, last)}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto chunk = ctx_.client.call<std::vector<ordered_json>>(req, parse_entities, stop);
    if (!chunk) return explain(std::move(chunk).error());
    std::move(chunk.value().begin(), chunk.value().end(), std::back_inserter(entities));
  }
  return match_by_id(std::move(entities), ids, spec_.id_field);
}

Status RecordSource::deliver(const TimeWindow& window, std::vector<std::string> ids,
                             bool provisional, StopSignal& stop) {
  // Logged here, not per query: the ids of a window that is split are not used.
  spdlog::info("Retrieved {} {} IDs.", ids.size(), spec_.noun);
  StateStore& state = ctx_.state;
  // Ids already written need no details, unless a new version of them is of interest.
  std::unordered_set<std::string_view> on_page;  // views into `ids`, which stays put
  std::vector<std::string> wanted;
  for (const auto& id : ids) {
    if (!on_page.insert(id).second) continue;
    if (!options_.emit_updates && state.contains(id)) continue;
    wanted.push_back(id);
  }
  const std::size_t new_ids = wanted.size();
  if (!options_.emit_updates && !ids.empty() && state.contains(ids.back())) {
    // The newest id (the query sorts ascending) is one already written: its time is still
    // needed, or old records updated over and over without new ones would hold the watermark
    // back and every cycle would read a longer window.
    spdlog::debug("Retrieving {} {} only for its time", ids.back(), spec_.noun);
    wanted.push_back(ids.back());
  }
  if (wanted.empty()) return ok();

  if (new_ids > 0) spdlog::info("Retrieving details for {} {}s...", new_ids, spec_.noun);
  auto hydrated = hydrate(wanted, stop);
  if (!hydrated) return std::move(hydrated).error();
  MatchedEntities& matched = hydrated.value();
  // The probe is last in `wanted`, so last among the records or the missing ids.
  std::optional<ordered_json> probe;
  if (wanted.size() > new_ids) {
    if (!matched.missing.empty() && matched.missing.back() == wanted.back()) {
      matched.missing.pop_back();  // written before, merged or deleted since: nothing to lose
    } else {
      probe = std::move(matched.records.back());
      matched.records.pop_back();
    }
  }
  if (new_ids > 0) {
    spdlog::info("Retrieved details for {} {}s.", matched.records.size(), spec_.noun);
  }
  if (!matched.missing.empty()) {
    spdlog::warn(
        "{} {} IDs listed by the query were not returned by POST {} (merged, deleted or "
        "access-restricted?); they are skipped and not marked as seen",
        matched.missing.size(), spec_.noun, spec_.entities_path);
  }

  AttackNamesById attack;
  const bool enrich = options_.enrich_techniques && spec_.kind == RecordKind::kCase;
  if (enrich) {
    auto found = lookup_attack(matched.records, stop);
    if (!found) return std::move(found).error();
    attack = std::move(found).value();
  }
  // Rendered with the rest only for its time: it is not written again.
  if (probe) matched.records.push_back(std::move(*probe));
  const PageRows page = render(matched.records, enrich ? &attack : nullptr, window.to);
  if (page.bad_times > 0) {
    spdlog::warn("{} {}s without a usable {} for the watermark", page.bad_times, spec_.noun,
                 spec_.time_field);
  }
  std::optional<Timestamp> newest = page.newest;
  if (provisional) {
    // Offset drift may have skipped older ids of this window: hold the time until it settles.
    if (newest && (!held_newest_ || *newest > *held_newest_)) held_newest_ = newest;
    newest.reset();
  }
  if (Status st = ctx_.delivery.commit(page.lines, page.rows, page.keys, newest); !st) return st;
  stats_.written += page.rows;
  return ok();
}

Status RecordSource::settle(const TimeWindow& window) {
  if (!held_newest_) return ok();
  // Held times may come from a larger window this one was split from: only this one is read.
  const Timestamp newest = std::min(*held_newest_, window.to);
  held_newest_.reset();
  return ctx_.delivery.commit({}, 0, {}, newest);
}

Result<AttackNamesById> RecordSource::lookup_attack(const std::vector<ordered_json>& records,
                                                    StopSignal& stop) {
  std::vector<std::string> alert_ids;
  std::unordered_set<std::string> unique;
  for (const auto& record : records) {
    for (auto& a : case_alert_ids(record)) {
      if (unique.insert(a).second) alert_ids.push_back(std::move(a));
    }
  }
  if (alert_ids.empty()) return AttackNamesById{};
  return AttackEnricher{ctx_.client}.lookup(alert_ids, stop);
}

RecordSource::PageRows RecordSource::render(const std::vector<ordered_json>& records,
                                            const AttackNamesById* attack,
                                            Timestamp window_end) const {
  const StateStore& state = ctx_.state;
  PageRows page;
  for (const auto& record : records) {
    const std::string* id = id_of(record, spec_.id_field);
    if (id == nullptr) continue;  // match_by_id only keeps records with a string id
    const auto time = time_of(record, spec_.time_field);
    DedupeDecision decision = decide([&state](std::string_view k) { return state.contains(k); },
                                     DedupeInput{*id, version_of(record, spec_.version_field), time,
                                                 start_watermark_, options_.emit_updates});
    // Written now or before (every record not to be written is), so its time may move the
    // watermark.
    if (time) {
      // A record updated after the query (between it and the hydration) is now past the end of
      // the page's window, and the walk may not have read the records in between (later parts
      // of a split window, later pages): its time says nothing of how far the walk got, and the
      // next cycle reads it again anyway (it is newer than any watermark of this one).
      if (*time <= window_end && (!page.newest || *time > *page.newest)) page.newest = *time;
    } else {
      ++page.bad_times;
    }
    const std::string record_key = decision.keys.empty() ? std::string{} : decision.keys.back();
    std::move(decision.keys.begin(), decision.keys.end(), std::back_inserter(page.keys));
    if (!decision.write) continue;
    RowExtras extras;
    extras.event_action = std::move(decision.event_action);
    if (attack != nullptr) extras.attack = attack_names_of(record, *attack);
    const auto rows = build_rows(record, spec_.kind, extras);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      // Rows a crash left written (recovered as part keys) are not written again.
      if (rows.size() > 1 && state.contains(part_key(record_key, i + 1, rows.size()))) continue;
      page.lines += to_line(rows[i]);
      ++page.rows;
    }
  }
  return page;
}

}  // namespace csbridge::incidents
