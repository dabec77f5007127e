#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "csbridge/result.h"
#include "csbridge/timestamp.h"

namespace csbridge {

/// The two state files (e.g. last_alert_timestamp.txt, last_alert_ids.json).
struct StateFiles {
  std::filesystem::path watermark;  ///< one RFC 3339 timestamp (the seed's format, kept current)
  std::filesystem::path seen_ids;   ///< versioned state (v2); the seed's JSON id array migrates
};

/// Where the output file ended when the state was last saved: the records past this offset
/// were written but not yet covered by the state (a crash in between).
struct OutputPosition {
  std::uint64_t device{0};
  std::uint64_t inode{0};
  std::uint64_t offset{0};
  bool operator==(const OutputPosition&) const = default;
};

/// Watermark, seen-ID set and output position of one daemon.
///
/// On-disk format v2 in the ids file: {"format":"cs-bridge-state","version":2,
/// "watermark":"<RFC 3339>","output":{"device":D,"inode":I,"offset":N},
/// "seen":{"<id>":<ns>,...}} where each id carries the newest timestamp of the page it was
/// written with. The seed's files (a JSON array of ids + the timestamp file) load and migrate.
/// The watermark file is rewritten too, in the seed's format, for operators and tools.
/// Seen ids older than `retention` before the watermark are pruned at save, so the state
/// stays as small as the overlap window whatever the history.
class StateStore {
 public:
  /// Loads the files; missing files mean "no state yet". A present but unreadable, malformed,
  /// or implausible (more than a day in the future of `now`) file is an error naming the file:
  /// the daemon must not silently fall back to a full backfill.
  [[nodiscard]] static Result<StateStore> load(
      StateFiles files, Timestamp now,
      std::chrono::nanoseconds retention = std::chrono::hours{24 * 366});

  [[nodiscard]] const std::optional<Timestamp>& watermark() const { return watermark_; }
  [[nodiscard]] bool contains(std::string_view id) const { return seen_.find(id) != seen_.end(); }
  [[nodiscard]] std::size_t seen_count() const { return seen_.size(); }
  [[nodiscard]] const StateFiles& files() const { return files_; }
  [[nodiscard]] const std::optional<OutputPosition>& output_position() const { return output_; }

  /// Records ids as written (stamped with `newest`, or the watermark) and moves the watermark
  /// forward (never back). In memory only.
  void record(std::span<const std::string> ids, std::optional<Timestamp> newest);
  void set_output_position(OutputPosition position) { output_ = position; }

  /// Prunes, then writes the versioned ids file and then the watermark file, each atomically.
  [[nodiscard]] Status save();

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  StateStore(StateFiles files, std::chrono::nanoseconds retention)
      : files_(std::move(files)), retention_(retention) {}
  [[nodiscard]] Status load_ids(const std::string& text, Timestamp now);
  void prune();

  StateFiles files_;
  std::chrono::nanoseconds retention_;
  std::optional<Timestamp> watermark_;
  std::optional<OutputPosition> output_;
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> seen_;
};

}  // namespace csbridge
