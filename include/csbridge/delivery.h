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
};
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

  /// Appends `lines` (`count` complete NDJSON lines) to the output (reopened first if it was
  /// renamed or deleted), fsyncs them, then records `ids`, `newest` and the new output end in
  /// the state and saves it atomically. On an output error nothing is recorded.
  [[nodiscard]] Status commit(std::string_view lines, std::size_t count,
                              std::span<const std::string> ids, std::optional<Timestamp> newest);

  /// Lines longer than this are shrunk (line_shaper.h) so Wazuh does not drop them.
  void set_max_line_bytes(std::size_t bytes) { max_line_bytes_ = bytes; }

  /// Reopens the output file (SIGHUP).
  [[nodiscard]] Status reopen_output() { return output_.reopen(); }

  [[nodiscard]] StateStore& state() { return state_; }

 private:
  NdjsonWriter& output_;
  StateStore& state_;
  std::string noun_;
  RecordKeyExtractor extract_;
  std::size_t max_line_bytes_{kDefaultMaxLineBytes};
};

}  // namespace csbridge
