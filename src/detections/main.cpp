// cs-detections: CrowdStrike Falcon alerts → NDJSON for Wazuh.
#include "alerts_source.h"
#include "csbridge/daemon.h"

int main(int argc, char** argv) {
  using csbridge::DaemonContext;
  csbridge::DaemonSpec spec;
  spec.name = "cs-detections";
  spec.description =
      "Polls the CrowdStrike Falcon Alerts API and appends each new alert as one JSON line to "
      "crowdstrike_alerts.jsonl in --workdir, for Wazuh to read.";
  spec.noun = "alerts";
  spec.start_message = "Starting Alerts pipeline...";
  spec.max_page_limit = 1000;
  spec.default_backfill_days = 1;
  spec.files = [] {
    return csbridge::DaemonFiles{"crowdstrike_alerts.jsonl", "last_alert_timestamp.txt",
                                 "last_alert_ids.json", "crowdstrike_integration.log"};
  };
  spec.record_keys = csbridge::detections::alert_keys;
  return csbridge::run_daemon(argc, argv, spec, [](DaemonContext& ctx) {
    auto source = std::make_shared<csbridge::detections::AlertsSource>(ctx);
    return [source](csbridge::StopSignal& stop) { return source->run_cycle(stop); };
  });
}
