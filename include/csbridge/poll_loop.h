#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "csbridge/clock.h"
#include "csbridge/notifier.h"
#include "csbridge/result.h"

namespace csbridge {

/// What one polling cycle did, for the health line.
struct CycleStats {
  std::size_t fetched{0};  ///< records the API returned
  std::size_t written{0};  ///< records appended to the output
  std::size_t pages{0};
  std::string watermark{};
};

struct PollOptions {
  std::chrono::milliseconds interval{30'000};
  bool once{false};
  int once_attempts{3};                                  ///< --once: cycles tried before giving up
  std::chrono::milliseconds max_error_backoff{600'000};  ///< cap on waits after failed cycles
  /// Cap on Error::retry_after, which a failed cycle may set to ask for a longer pause than the
  /// backoff (a rate limit's RetryAfter, a decommissioned API).
  std::chrono::milliseconds max_requested_wait{std::chrono::hours{1}};
};

enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitConfig = 2 };

/// Runs `cycle` every interval until `stop`. A failed cycle is logged once and retried after a
/// growing pause (interval, 2x, 4x... capped), or after the error's retry_after if that is
/// longer (up to max_requested_wait), never ending the process; with `once`, the
/// cycle is retried a few times and the exit code says whether it finally succeeded.
/// Config errors (kConfig) end the loop with kExitConfig; --once gives up at once on errors
/// that retrying cannot fix (bad credentials, 400/403/404, disk errors).
class PollLoop {
 public:
  using Cycle = std::function<Result<CycleStats>(StopSignal&)>;
  /// `notifier` gets STATUS= after every cycle and STOPPING=1 when the loop ends.
  PollLoop(Clock& clock, PollOptions options, Cycle cycle, Notifier& notifier = null_notifier())
      : clock_(clock), options_(options), cycle_(std::move(cycle)), notifier_(notifier) {}

  [[nodiscard]] int run(StopSignal& stop);

 private:
  Clock& clock_;
  PollOptions options_;
  Cycle cycle_;
  Notifier& notifier_;
};

}  // namespace csbridge
