#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "csbridge/line_shaper.h"
#include "csbridge/ndjson_writer.h"
#include "csbridge/result.h"
#include "csbridge/state_store.h"
#include "csbridge/timestamp.h"

namespace csbridge {

/// The dedupe keys and watermark timestamp of one written record, as the daemon that wrote it
/// derives them (used to rebuild state from output lines after a crash).
struct RecordKeys {
  std::vector<std::string> keys{};
  std::optional<Timestamp> timestamp{};
  /// A record written as several lines (cs-incidents: one row per host) has this line as
  /// part `part` (1-based) of `parts`. Recovery records `keys` only once every part is found;
  /// of a record a crash cut short it records each found line's part_key(), so the record is
  /// fetched again and only its missing lines are written.
  std::size_t part{1};
  std::size_t parts{1};
};

/// The seen-set key of one line of a multi-line record: "<record_key>@<part>/<parts>", where
/// `record_key` is the last, most specific of the record's keys.
[[nodiscard]] std::string part_key(std::string_view record_key, std::size_t part,
                                   std::size_t parts);
using RecordKeyExtractor = std::function<RecordKeys(const nlohmann::json& line)>;

/// The one write path of both daemons: output first, durably, then the state that covers it
/// (including where the output ended). The state is never ahead of the output, and after a
/// crash recover() brings it level again, so every record is written exactly once.
class Delivery {
 public:
  /// `noun` is what the log calls the records ("alerts", "incidents").
  /// `extract_keys` reads a written line back for crash recovery; empty: the line's "id".
  Delivery(NdjsonWriter& output, StateStore& state, std::string noun,
           RecordKeyExtractor extract_keys = {})
      : output_(output), state_(state), noun_(std::move(noun)), extract_(std::move(extract_keys)) {}

  /// At start-up: cuts a torn last line, and records in the state the records that a crash
  /// left written but not yet covered by it (found past the saved output offset, also in a
  /// file that was rotated away since). Saves the state.
  [[nodiscard]] Status recover();

  /// Appends `lines` (`count` complete NDJSON lines), each first brought within Wazuh's limits
  /// by shape_lines() (line_shaper.h), to the output (reopened first if it was
  /// renamed or deleted), fsyncs them, then records `ids`, `newest` and the new output end in
  /// the state and saves it atomically. On a write error nothing is recorded; on a sync error
  /// the lines stay, are recorded in memory only, and every later commit first syncs again.
  [[nodiscard]] Status commit(std::string_view lines, std::size_t count,
                              std::span<const std::string> ids, std::optional<Timestamp> newest);

  /// Lines longer than this are shrunk (line_shaper.h) so Wazuh does not drop them.
  void set_max_line_bytes(std::size_t bytes) { limits_.max_bytes = bytes; }
  /// Lines with more fields than this are folded (line_shaper.h) so Wazuh keeps every field.
  void set_max_fields(std::size_t fields) { limits_.max_fields = fields; }

  /// Reopens the output file, creating it empty, if it was renamed or deleted (rotation):
  /// called at every commit and, between cycles, every second, so Wazuh finds the new file
  /// before anything is written to it.
  [[nodiscard]] Status follow_rotation();

  /// Reopens the output file (SIGHUP).
  [[nodiscard]] Status reopen_output();

  /// Runs `hook` at the start of every commit, before the output is touched: the daemon
  /// honours a SIGHUP there, so a long cycle (a backfill) reopens its files within a page.
  void set_before_commit(std::function<Status()> hook) { before_commit_ = std::move(hook); }

  [[nodiscard]] StateStore& state() { return state_; }

 private:
  NdjsonWriter& output_;
  StateStore& state_;
  std::string noun_;
  RecordKeyExtractor extract_;
  std::function<Status()> before_commit_{};
  /// Retries the sync of lines whose sync failed, on the descriptor that wrote them.
  [[nodiscard]] Status sync_pending();

  bool unsaved_{false};   ///< the last state save failed
  bool unsynced_{false};  ///< the last output sync failed: lines written but maybe not durable
  LineLimits limits_{};   ///< what shape_lines() brings every written line within
};

}  // namespace csbridge
