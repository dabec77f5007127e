#include "csbridge/state_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "csbridge/file_util.h"

namespace csbridge {
namespace {

constexpr std::size_t kMaxWatermarkBytes = 4096;
constexpr std::size_t kMaxIdsBytes = 1024U * 1024U * 1024U;
constexpr std::int64_t kMaxFutureNs = 24LL * 3600 * 1'000'000'000;

std::string reset_hint(const StateFiles& f) {
  return "; fix it, or delete '" + f.watermark.string() + "' and '" + f.seen_ids.string() +
         "' to start over with a --backfill-days backfill";
}

/// Whether a state file exists. If that cannot be told (EACCES, ELOOP...), it is an error:
/// taking it as missing would silently start a full backfill.
Result<bool> state_file_exists(const std::filesystem::path& p, const StateFiles& f) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(p, ec);
  if (ec) {
    return Error{ErrorCode::kConfig,
                 "cannot access state file '" + p.string() + "': " + ec.message() + reset_hint(f)};
  }
  return exists;
}

}  // namespace

Result<StateStore> StateStore::load(StateFiles files, Timestamp now) {
  StateStore store{std::move(files)};
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
    const auto ts = parse_rfc3339(line);
    if (!ts) {
      return Error{ErrorCode::kConfig, "state file '" + f.watermark.string() +
                                           "' does not hold an RFC 3339 timestamp" + reset_hint(f)};
    }
    if (ts->ns > now.ns + kMaxFutureNs) {
      return Error{ErrorCode::kConfig, "state file '" + f.watermark.string() + "' holds '" +
                                           format_rfc3339(*ts) +
                                           "', more than a day in the future" + reset_hint(f)};
    }
    store.watermark_ = ts;
  }
  auto ids_exist = state_file_exists(f.seen_ids, f);
  if (!ids_exist) return std::move(ids_exist).error();
  if (ids_exist.value()) {
    auto text = read_file(f.seen_ids, kMaxIdsBytes);
    if (!text) return Error{ErrorCode::kConfig, text.error().message + reset_hint(f)};
    const auto doc = nlohmann::json::parse(text.value(), nullptr, false);
    if (!doc.is_array()) {
      return Error{ErrorCode::kConfig, "state file '" + f.seen_ids.string() +
                                           "' is not a JSON array of ids" + reset_hint(f)};
    }
    store.seen_.reserve(doc.size());
    for (const auto& id : doc) {
      if (!id.is_string()) {
        return Error{ErrorCode::kConfig, "state file '" + f.seen_ids.string() +
                                             "' holds a non-string id" + reset_hint(f)};
      }
      store.seen_.insert(id.get<std::string>());
    }
  }
  return store;
}

void StateStore::record(std::span<const std::string> ids, std::optional<Timestamp> newest) {
  for (const auto& id : ids) seen_.insert(id);
  if (newest && (!watermark_ || *newest > *watermark_)) watermark_ = newest;
}

Status StateStore::save() const {
  // Sorted for stable diffs, as the seed does.
  std::vector<std::string_view> sorted(seen_.begin(), seen_.end());
  std::sort(sorted.begin(), sorted.end());
  std::string ids = "[";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i != 0) ids += ", ";
    ids += nlohmann::json(std::string{sorted[i]})
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  ids += "]";
  if (Status st = write_file_atomically(files_.seen_ids, ids); !st) return st;
  if (!watermark_) return ok();
  return write_file_atomically(files_.watermark, format_rfc3339(*watermark_));
}

}  // namespace csbridge
