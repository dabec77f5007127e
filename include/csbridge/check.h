#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "csbridge/clock.h"
#include "csbridge/credentials.h"
#include "csbridge/http.h"
#include "csbridge/options.h"
#include "csbridge/result.h"
#include "csbridge/state_store.h"

namespace csbridge {

/// One minimal API call that proves the API client has a scope.
struct CheckProbe {
  std::string scope;    ///< as the Falcon console names it: "Alerts: Read"
  HttpRequest request;  ///< url is a path, e.g. "/cases/queries/cases/v1?limit=1"
};

[[nodiscard]] CheckProbe alerts_probe();     ///< POST /alerts/combined/alerts/v1, limit 1
[[nodiscard]] CheckProbe cases_probe();      ///< GET /cases/queries/cases/v1?limit=1&sort=...
[[nodiscard]] CheckProbe incidents_probe();  ///< GET /incidents/queries/incidents/v1?limit=1&...

/// The probes a daemon needs, from its parsed flags: cs-detections reads alerts; cs-incidents
/// reads cases (incidents with --source incidents), and alerts with --enrich-techniques.
[[nodiscard]] std::vector<CheckProbe> probes_for(const std::string& daemon, const CLI::App& app);

/// Everything --check looks at.
struct CheckSetup {
  std::string daemon;                 ///< "cs-detections"
  CommonOptions options;              ///< as parsed (validated if options_status is ok)
  Status options_status{ok()};        ///< validate()'s verdict
  std::filesystem::path config_file;  ///< the --config file or the default one; empty: none
  StateFiles state;
  std::filesystem::path output;
  std::filesystem::path log_file;
  std::vector<CheckProbe> probes;
  EnvLookup env;
};

/// --check: configuration, work/log dir writable, state files sane, credentials present and
/// their files not readable by others, a token, one call per probe. Prints one line per check
/// and a verdict to `out`; returns 0 if nothing failed, else 1. Never prints the secret or
/// the token.
[[nodiscard]] int run_check(const CheckSetup& setup, HttpTransport& transport, Clock& clock,
                            std::ostream& out);
/// The same over libcurl (options.curl_options()) and the real clock.
[[nodiscard]] int run_check(const CheckSetup& setup, std::ostream& out);

/// --check with a command line or config file CLI11 rejected: a failed check, exit 1.
[[nodiscard]] int check_parse_failed(const std::string& daemon, const std::string& message,
                                     std::ostream& out);

/// True if argv asks for --check (looked up before parsing, so a parse error can be reported
/// as a failed check).
[[nodiscard]] bool wants_check(int argc, const char* const* argv);

}  // namespace csbridge
