#include "csbridge/state_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "csbridge/file_util.h"

namespace csbridge {
namespace {

constexpr std::size_t kMaxWatermarkBytes = 4096;
constexpr std::size_t kMaxIdsBytes = 1024U * 1024U * 1024U;
constexpr std::int64_t kMaxFutureNs = 24LL * 3600 * 1'000'000'000;
constexpr const char* kFormat = "cs-bridge-state";
constexpr int kVersion = 2;

std::string reset_hint(const StateFiles& f) {
  return "; fix it, or stop the daemon and run it once with --reset-state (or delete '" +
         f.watermark.string() + "' and '" + f.seen_ids.string() +
         "') to start over with a --backfill-days backfill";
}

Error bad_file(const std::filesystem::path& p, const std::string& what, const StateFiles& f) {
  return Error{ErrorCode::kConfig, "state file '" + p.string() + "' " + what + reset_hint(f)};
}

/// Whether a state file exists. If that cannot be told (EACCES, ELOOP...), it is an error:
/// taking it as missing would silently start a full backfill.
Result<bool> state_file_exists(const std::filesystem::path& p, const StateFiles& f) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(p, ec);
  if (ec) return bad_file(p, "cannot be accessed: " + ec.message(), f);
  return exists;
}

/// A watermark value from a file: RFC 3339 and not in the far future. Anything else is refused
/// before it can reach an FQL filter.
Result<Timestamp> parse_watermark(std::string_view text, Timestamp now,
                                  const std::filesystem::path& p, const StateFiles& f) {
  const auto ts = parse_rfc3339(text);
  if (!ts) return bad_file(p, "does not hold an RFC 3339 timestamp", f);
  if (ts->ns > now.ns + kMaxFutureNs) {
    return bad_file(p, "holds '" + format_rfc3339(*ts) + "', more than a day in the future", f);
  }
  return *ts;
}

}  // namespace

Result<StateStore> StateStore::load(StateFiles files, Timestamp now,
                                    std::chrono::nanoseconds retention) {
  StateStore store{std::move(files), retention};
  const StateFiles& f = store.files_;
  auto watermark_exists = state_file_exists(f.watermark, f);
  if (!watermark_exists) return std::move(watermark_exists).error();
  if (watermark_exists.value()) {
    auto text = read_file(f.watermark, kMaxWatermarkBytes);
    if (!text) return Error{ErrorCode::kConfig, text.error().message + reset_hint(f)};
    // The seed reads the first line and strips it.
    std::string_view line = text.value();
    line = line.substr(0, line.find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    auto ts = parse_watermark(line, now, f.watermark, f);
    if (!ts) return std::move(ts).error();
    store.watermark_ = ts.value();
  }
  auto ids_exist = state_file_exists(f.seen_ids, f);
  if (!ids_exist) return std::move(ids_exist).error();
  if (ids_exist.value()) {
    auto text = read_file(f.seen_ids, kMaxIdsBytes);
    if (!text) return Error{ErrorCode::kConfig, text.error().message + reset_hint(f)};
    if (Status st = store.load_ids(text.value(), now); !st) return std::move(st).error();
  }
  return store;
}

Status StateStore::load_ids(const std::string& text, Timestamp now) {
  const StateFiles& f = files_;
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_array()) {
    // The seed's format: ids only. Stamp them with the watermark so they live one retention.
    const std::int64_t stamp = watermark_.value_or(now).ns;
    seen_.reserve(doc.size());
    for (const auto& id : doc) {
      if (!id.is_string()) return bad_file(f.seen_ids, "holds a non-string id", f);
      seen_.emplace(id.get<std::string>(), stamp);
    }
    return ok();
  }
  if (!doc.is_object() || doc.value("format", "") != kFormat) {
    return bad_file(f.seen_ids, "is neither the seed's JSON id array nor cs-bridge state", f);
  }
  if (!doc.contains("version") || !doc["version"].is_number_integer() ||
      doc["version"].get<int>() != kVersion) {
    return bad_file(f.seen_ids, "has an unsupported state version (this build reads version 2)", f);
  }
  // The versioned file is authoritative: it is saved before the plain watermark file.
  if (auto w = doc.find("watermark"); w != doc.end() && !w->is_null()) {
    if (!w->is_string()) return bad_file(f.seen_ids, "holds a non-string watermark", f);
    auto ts = parse_watermark(w->get<std::string>(), now, f.seen_ids, f);
    if (!ts) return std::move(ts).error();
    if (watermark_ && *watermark_ != ts.value()) {
      spdlog::warn(
          "'{}' says {}, the state in '{}' says {}: the latter is used (the former is a copy, "
          "rewritten at the next save; to read from an earlier time, see --reset-state)",
          f.watermark.string(), format_rfc3339(*watermark_), f.seen_ids.string(),
          format_rfc3339(ts.value()));
    }
    watermark_ = ts.value();
  }
  if (auto o = doc.find("output"); o != doc.end() && !o->is_null()) {
    if (!o->is_object() || !(*o)["device"].is_number_unsigned() ||
        !(*o)["inode"].is_number_unsigned() || !(*o)["offset"].is_number_unsigned()) {
      return bad_file(f.seen_ids, "holds a malformed output position", f);
    }
    output_ =
        OutputPosition{(*o)["device"].get<std::uint64_t>(), (*o)["inode"].get<std::uint64_t>(),
                       (*o)["offset"].get<std::uint64_t>()};
  }
  const auto seen = doc.find("seen");
  if (seen == doc.end() || !seen->is_object()) {
    return bad_file(f.seen_ids, "has no \"seen\" object", f);
  }
  seen_.reserve(seen->size());
  for (const auto& [id, stamp] : seen->items()) {
    if (!stamp.is_number_integer()) return bad_file(f.seen_ids, "holds a non-integer stamp", f);
    seen_.emplace(id, stamp.get<std::int64_t>());
  }
  return ok();
}

void StateStore::record(std::span<const std::string> ids, std::optional<Timestamp> newest) {
  if (newest && (!watermark_ || *newest > *watermark_)) watermark_ = newest;
  // A page's newest timestamp is >= each of its records', so a record is never pruned while a
  // query could still return it.
  const std::int64_t stamp = newest ? newest->ns : watermark_.value_or(Timestamp{}).ns;
  for (const auto& id : ids) {
    auto [it, inserted] = seen_.try_emplace(id, stamp);
    if (!inserted) it->second = std::max(it->second, stamp);
  }
}

void StateStore::prune() {
  if (!watermark_) return;
  const std::int64_t horizon = watermark_->ns - retention_.count();
  std::erase_if(seen_, [horizon](const auto& entry) { return entry.second < horizon; });
}

Status StateStore::save() {
  prune();
  // Sorted for stable diffs, as the seed's id file.
  std::vector<const std::pair<const std::string, std::int64_t>*> sorted;
  sorted.reserve(seen_.size());
  for (const auto& entry : seen_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  nlohmann::json doc{{"format", kFormat}, {"version", kVersion}};
  doc["watermark"] = watermark_ ? nlohmann::json(format_rfc3339(*watermark_)) : nlohmann::json();
  if (output_) {
    doc["output"] = {
        {"device", output_->device}, {"inode", output_->inode}, {"offset", output_->offset}};
  }
  std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.pop_back();  // reopen the object to stream "seen" without building a DOM of it
  text += ",\"seen\":{";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i != 0) text += ',';
    text += nlohmann::json(sorted[i]->first)
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += ':';
    text += std::to_string(sorted[i]->second);
  }
  text += "}}\n";
  if (Status st = write_file_atomically(files_.seen_ids, text); !st) return st;
  if (!watermark_) return ok();
  return write_file_atomically(files_.watermark, format_rfc3339(*watermark_));
}

}  // namespace csbridge
