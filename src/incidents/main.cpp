// cs-incidents: CrowdStrike Falcon cases (or legacy incidents) → NDJSON rows for Wazuh.
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>

#include "csbridge/daemon.h"
#include "dedupe.h"
#include "incident_rows.h"
#include "record_source.h"
#include "source_spec.h"

namespace {

/// The flags only cs-incidents has.
struct IncidentsFlags {
  std::string source{"cases"};
  csbridge::incidents::SourceOptions options{};
};

}  // namespace

int main(int argc, char** argv) {
  using csbridge::DaemonContext;
  namespace inc = csbridge::incidents;
  IncidentsFlags flags;
  csbridge::DaemonSpec spec;
  spec.name = "cs-incidents";
  spec.description =
      "Polls CrowdStrike Falcon Case Management (or, with --source incidents, the legacy "
      "Incidents API, decommissioned on 2026-03-09) and appends one JSON line per case and host "
      "to crowdstrike_incidents.jsonl in --workdir, for Wazuh to read.";
  spec.noun = "incidents";
  spec.start_message = "Starting script...";
  spec.max_page_limit = 10000;  // the cases query; the incidents query is capped at 500
  spec.default_page_limit = 500;
  spec.default_backfill_days = 5;
  spec.add_options = [&flags](CLI::App& app) {
    app.add_option("--source", flags.source,
                   "cases: Falcon Case Management (state last_case_*); incidents: the legacy "
                   "Incidents API and the seed's state files last_incident_*")
        ->check(CLI::IsMember({"cases", "incidents"}))
        ->capture_default_str();
    app.add_flag("--emit-updates", flags.options.emit_updates,
                 "Write new rows when a written case/incident changes (new version), marked "
                 "crowdstrike.event_action \"updated\"");
    app.add_flag("--enrich-techniques", flags.options.enrich_techniques,
                 "Cases: add the MITRE technique/tactic names of their alerts as "
                 "crowdstrike.techniques / crowdstrike.tactics (needs Alerts: Read)");
  };
  // Output and log are the seed's for both sources; each source keeps its own state files, so
  // a switch never mixes them (the incidents state is the seed's, to resume from incidents.py).
  spec.files = [&flags] {
    const bool incidents = flags.source == "incidents";
    return csbridge::DaemonFiles{
        "crowdstrike_incidents.jsonl",
        incidents ? "last_incident_timestamp.txt" : "last_case_timestamp.txt",
        incidents ? "last_incident_ids.json" : "last_case_ids.json",
        "crowdstrike_incidents_integration.log"};
  };
  // Crash recovery: the dedupe keys of a written row (crowdstrike.<id field>, and its version).
  spec.record_keys = [&flags](const nlohmann::json& row) {
    const inc::SourceSpec s =
        flags.source == "incidents" ? inc::incidents_spec() : inc::cases_spec();
    return inc::row_keys(row, inc::kKeyPrefix + s.id_field, inc::kKeyPrefix + s.version_field,
                         flags.options.emit_updates);
  };
  // The seed dedupes once per id forever, and an old case or incident comes back into the
  // window whenever it is updated: its id must never be pruned from the seen set.
  spec.min_seen_retention = std::chrono::hours{24 * 365 * 100};
  return csbridge::run_daemon(argc, argv, spec, [&flags](DaemonContext& ctx) {
    const bool incidents = flags.source == "incidents";
    if (incidents && flags.options.enrich_techniques) {
      spdlog::warn(
          "--enrich-techniques applies to cases only; incidents carry their own "
          "techniques and tactics");
    }
    auto source = std::make_shared<inc::RecordSource>(
        ctx, incidents ? inc::incidents_spec() : inc::cases_spec(), flags.options);
    return [source](csbridge::StopSignal& stop) { return source->run_cycle(stop); };
  });
}
