#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <string>

#include "csbridge/clock.h"
#include "csbridge/delivery.h"
#include "csbridge/falcon_client.h"
#include "csbridge/options.h"
#include "csbridge/poll_loop.h"

namespace csbridge {

/// File names of one daemon, relative to --workdir (the seed's names).
struct DaemonFiles {
  std::string output;
  std::string watermark;
  std::string seen_ids;
  std::string log;
};

/// What differs between the two daemons; everything else is shared wiring.
struct DaemonSpec {
  std::string name;           ///< "cs-detections"
  std::string description;    ///< --help text
  std::string noun;           ///< "alerts": log wording
  std::string start_message;  ///< first log line, as the seed's
  int max_page_limit{1000};   ///< the API's maximum: the upper bound of --page-limit
  int default_page_limit{0};  ///< --page-limit default; 0 means max_page_limit
  int default_backfill_days{1};
  /// Extra flags of this daemon.
  std::function<void(CLI::App&)> add_options{};
  /// File names, decided after flags are parsed (a --source switch changes the state files).
  std::function<DaemonFiles()> files{};
  /// Dedupe keys and timestamp of one output line: rebuilds state after a crash.
  RecordKeyExtractor record_keys{};
  /// Seen ids are kept at least this long behind the watermark (besides --lookback).
  std::chrono::seconds min_seen_retention{0};
};

/// Everything a daemon's polling cycle needs, built by run_daemon.
struct DaemonContext {
  const CommonOptions& options;
  Clock& clock;
  FalconClient& client;
  Delivery& delivery;
  StateStore& state;
  Timestamp backfill_start;  ///< where to start when the state has no watermark

  /// Where a cycle's query starts: --lookback before the watermark (late-indexed records;
  /// the seen set drops what was already written), or the backfill start without state.
  [[nodiscard]] Timestamp query_start() const;
};

/// Parses flags, sets up logging, loads credentials and state, builds the HTTP stack and runs
/// the poll loop with the cycle `make_cycle` returns. Returns the process exit code:
/// 0 ok, 1 runtime failure (--once), 2 configuration/credentials/state errors; CLI11's own
/// codes for bad flags.
[[nodiscard]] int run_daemon(int argc, char** argv, const DaemonSpec& spec,
                             const std::function<PollLoop::Cycle(DaemonContext&)>& make_cycle);

}  // namespace csbridge
