#include "alerts_source.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <unordered_set>
#include <vector>

#include "csbridge/page_scanner.h"

namespace csbridge::detections {
namespace {

constexpr const char* kPath = "/alerts/combined/alerts/v1";
// Fields picked out of each alert; the order is the index into ScannedRecord::fields.
enum Field : std::size_t { kId, kCompositeId, kCreated, kTimestamp, kUpdated };
// An alert claiming to be from further ahead than this must not drag the watermark there.
constexpr std::int64_t kMaxClockSkewNs = 3600LL * 1'000'000'000LL;

Result<ScannedPage> parse_page(const HttpResponse& response) {
  auto page = scan_page(response.body, alert_scan_spec());
  if (!page) return page;
  if (!page.value().errors.empty()) {
    std::string messages;
    for (const auto& e : page.value().errors) {
      if (!messages.empty()) messages += "; ";
      messages += std::to_string(e.code) + " " + e.message;
    }
    // Falcon can answer 200 with errors[] (e.g. a scope problem): not data, retry then fail.
    return Error{ErrorCode::kServer,
                 "errors in a " + std::to_string(response.status) + " response: '" + messages + "'",
                 response.status, page.value().trace_id};
  }
  return page;
}

}  // namespace

const ScanSpec& alert_scan_spec() {
  // The marker contract of rules/crowdstrike.xml (README): these two keys come first on every
  // line, before the alert's own keys, so Wazuh's 256-field cap can never cut them.
  static const ScanSpec kSpec{
      {"id", "composite_id", "created_timestamp", "timestamp", "updated_timestamp"},
      128,
      R"("integration":"crowdstrike","cs_kind":"alert")"};
  return kSpec;
}

RecordKeys alert_keys(const nlohmann::json& alert) {
  RecordKeys out;
  for (const char* key : {"id", "composite_id"}) {
    if (auto it = alert.find(key); it != alert.end() && it->is_string()) {
      out.keys.push_back(it->get<std::string>());
      break;
    }
  }
  for (const char* key : {"created_timestamp", "timestamp", "updated_timestamp"}) {
    if (auto it = alert.find(key); it != alert.end() && it->is_string() && !it->empty()) {
      out.timestamp = parse_rfc3339(it->get_ref<const std::string&>());
      break;
    }
  }
  return out;
}

std::string alerts_filter(Timestamp watermark) {
  return "created_timestamp:>='" + format_rfc3339(watermark) + "'";
}

Result<CycleStats> AlertsSource::run_cycle(StopSignal& stop) {
  StateStore& state = ctx_.state;
  // The filter stays fixed for the whole cycle: changing it would invalidate `after`.
  const std::string filter = alerts_filter(ctx_.query_start());
  const Timestamp now = to_timestamp(ctx_.clock.system_now());
  CycleStats stats;
  std::optional<std::string> after;
  std::string filtered;  // reused page buffer when some records are skipped
  std::vector<std::string> ids;
  std::unordered_set<std::string_view> page_ids;  // views into this page's fields
  std::vector<bool> keep;

  while (true) {
    nlohmann::json body{
        {"filter", filter}, {"limit", ctx_.options.page_limit}, {"sort", "created_timestamp|asc"}};
    if (after) body["after"] = *after;
    HttpRequest req;
    req.method = "POST";
    req.url = kPath;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = body.dump();
    auto fetched = ctx_.client.call<ScannedPage>(req, parse_page, stop);
    if (!fetched) return std::move(fetched).error();
    ScannedPage& page = fetched.value();
    ++stats.pages;
    stats.fetched += page.records.size();
    spdlog::info("Retrieved {} alerts (page {}).", page.records.size(), stats.pages);

    ids.clear();
    page_ids.clear();
    keep.assign(page.records.size(), true);
    std::optional<Timestamp> newest;
    std::size_t written = 0, without_id = 0, bad_timestamps = 0;
    for (std::size_t i = 0; i < page.records.size(); ++i) {
      const auto& f = page.records[i].fields;
      const std::optional<std::string>& key = f[kId] ? f[kId] : f[kCompositeId];
      if (key) {
        // Seen in an earlier cycle (the >= filter re-reads the watermark's own second)
        // or twice on this page.
        if (state.contains(*key) || !page_ids.insert(*key).second) {
          keep[i] = false;
          continue;
        }
        ids.push_back(*key);
      } else {
        ++without_id;
      }
      // The seed's watermark choice: created_timestamp, then timestamp, then updated_timestamp.
      const std::optional<std::string>& ts = f[kCreated] && !f[kCreated]->empty() ? f[kCreated]
                                             : f[kTimestamp] && !f[kTimestamp]->empty()
                                                 ? f[kTimestamp]
                                                 : f[kUpdated];
      if (const auto parsed = ts ? parse_rfc3339(*ts) : std::nullopt;
          parsed && parsed->ns <= now.ns + kMaxClockSkewNs) {
        if (!newest || *parsed > *newest) newest = parsed;
      } else {
        ++bad_timestamps;
      }
      ++written;
    }
    std::string_view lines = page.lines;
    if (written < page.records.size()) {
      filtered.clear();
      for (std::size_t i = 0; i < page.records.size(); ++i) {
        if (keep[i])
          filtered.append(page.lines, page.records[i].offset, page.records[i].length + 1);
      }
      lines = filtered;
    }
    if (without_id > 0) {
      spdlog::warn("{} alerts without id or composite_id, written without dedupe", without_id);
    }
    if (bad_timestamps > 0) {
      spdlog::warn("{} alerts without a usable created_timestamp for the watermark",
                   bad_timestamps);
    }
    if (Status st = ctx_.delivery.commit(lines, written, ids, newest); !st) {
      return std::move(st).error();
    }
    stats.written += written;

    if (page.records.empty() || !page.after || page.after->empty()) break;
    if (after && *after == *page.after) {
      return Error{ErrorCode::kServer, "the API returned the same 'after' cursor twice"};
    }
    after = std::move(page.after);
    if (stop.stop_requested()) return Error{ErrorCode::kStopped, "stopped"};
  }
  if (stats.written == 0) spdlog::info("No new alerts found (seen={}).", stats.fetched);
  spdlog::info("Cycle complete: total_seen={}, new_written={}", stats.fetched, stats.written);
  if (state.watermark()) stats.watermark = format_rfc3339(*state.watermark());
  return stats;
}

}  // namespace csbridge::detections
