#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "csbridge/ndjson_writer.h"
#include "csbridge/result.h"
#include "csbridge/state_store.h"
#include "csbridge/timestamp.h"

namespace csbridge {

/// The one write path of both daemons: output first, durably, then the state that covers it.
/// The state is never ahead of the output.
class Delivery {
 public:
  /// `noun` is what the log calls the records ("alerts", "incidents").
  Delivery(NdjsonWriter& output, StateStore& state, std::string noun)
      : output_(output), state_(state), noun_(std::move(noun)) {}

  /// Appends `lines` (`count` complete NDJSON lines), fsyncs them, then records `ids` and
  /// `newest` in the state and saves it atomically. On an output error nothing is recorded.
  [[nodiscard]] Status commit(std::string_view lines, std::size_t count,
                              std::span<const std::string> ids, std::optional<Timestamp> newest);

  [[nodiscard]] StateStore& state() { return state_; }

 private:
  NdjsonWriter& output_;
  StateStore& state_;
  std::string noun_;
};

}  // namespace csbridge
