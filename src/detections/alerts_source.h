#pragma once

#include "csbridge/daemon.h"
#include "csbridge/page_scanner.h"
#include "csbridge/poll_loop.h"

namespace csbridge::detections {

/// One polling cycle of cs-detections: POST /alerts/combined/alerts/v1 from the watermark,
/// sorted by created_timestamp ascending, following `after` to the last page, and committing
/// each page (output, then state) before asking for the next: memory is bounded by one page.
class AlertsSource {
 public:
  explicit AlertsSource(DaemonContext& ctx) : ctx_(ctx) {}

  [[nodiscard]] Result<CycleStats> run_cycle(StopSignal& stop);

 private:
  DaemonContext& ctx_;
};

/// Dedupe key (id, else composite_id) and watermark timestamp of one written alert line.
[[nodiscard]] RecordKeys alert_keys(const nlohmann::json& alert);

/// How a page of alerts is scanned: the keys picked out of each alert, and the marker
/// (`"integration":"crowdstrike","cs_kind":"alert"`) that begins every written line.
[[nodiscard]] const ScanSpec& alert_scan_spec();

/// The FQL filter for a watermark, single-quoted as FQL documents it.
[[nodiscard]] std::string alerts_filter(Timestamp watermark);

}  // namespace csbridge::detections
