#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "csbridge/result.h"
#include "csbridge/timestamp.h"

namespace csbridge {

/// The two state files of the seed (e.g. last_alert_timestamp.txt, last_alert_ids.json).
struct StateFiles {
  std::filesystem::path watermark;  ///< one RFC 3339 timestamp
  std::filesystem::path seen_ids;   ///< JSON array of the ids already written
};

/// Watermark plus seen-ID set, in the seed's file formats so a site can swap the Python
/// daemons for these and resume from the same files. Saves are atomic.
class StateStore {
 public:
  /// Loads both files; missing files mean "no state yet". A present but unreadable,
  /// malformed, or implausible (more than a day in the future of `now`) file is an error
  /// naming the file: the daemon must not silently fall back to a full backfill.
  [[nodiscard]] static Result<StateStore> load(StateFiles files, Timestamp now);

  [[nodiscard]] const std::optional<Timestamp>& watermark() const { return watermark_; }
  [[nodiscard]] bool contains(std::string_view id) const { return seen_.find(id) != seen_.end(); }
  [[nodiscard]] std::size_t seen_count() const { return seen_.size(); }
  [[nodiscard]] const StateFiles& files() const { return files_; }

  /// Records ids as written and moves the watermark forward (never back). In memory only.
  void record(std::span<const std::string> ids, std::optional<Timestamp> newest);

  /// Writes the ids file, then the watermark file (a crash in between leaves a watermark
  /// that is behind, which the seen set makes harmless; the reverse order would not be).
  [[nodiscard]] Status save() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  explicit StateStore(StateFiles files) : files_(std::move(files)) {}

  StateFiles files_;
  std::optional<Timestamp> watermark_;
  std::unordered_set<std::string, Hash, std::equal_to<>> seen_;
};

}  // namespace csbridge
