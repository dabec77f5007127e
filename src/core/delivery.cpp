#include "csbridge/delivery.h"

#include <spdlog/spdlog.h>

namespace csbridge {

Status Delivery::commit(std::string_view lines, std::size_t count,
                        std::span<const std::string> ids, std::optional<Timestamp> newest) {
  if (count > 0) {
    spdlog::info("Writing {} {} to {}...", count, noun_, output_.path().string());
    if (Status st = output_.append(lines); !st) return st;
    if (Status st = output_.sync(); !st) return st;
    spdlog::info("Writing complete.");
  }
  const auto before = state_.watermark();
  state_.record(ids, newest);
  if (ids.empty() && state_.watermark() == before) return ok();
  if (Status st = state_.save(); !st) return st;
  if (state_.watermark()) spdlog::info("Saved last timestamp: {}", format_rfc3339(*state_.watermark()));
  spdlog::info("Saved processed {} IDs: {}", noun_, state_.seen_count());
  return ok();
}

}  // namespace csbridge
