#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "csbridge/curl_transport.h"
#include "csbridge/falcon_client.h"
#include "csbridge/poll_loop.h"

namespace csbridge {

/// Settings both daemons share. Every one is a flag and a key of the --config file.
struct CommonOptions {
  std::string base_url{"https://api.crowdstrike.com"};
  bool base_url_given{false};  ///< --base-url came from the command line or the config file
  std::string cloud{};         ///< --cloud: us-1, us-2, eu-1, us-gov-1, us-gov-2, auto (cloud.h)
  std::string member_cid{};    ///< --member-cid: MSSP child CID (also a credential, see there)
  bool check{false};           ///< --check: validate the setup and exit (check.h)
  std::filesystem::path workdir{"."};
  bool once{false};
  double lookback_s{300};  ///< --lookback: overlap before the watermark (late indexing)
  bool reset_state{false};
  std::size_t max_line_bytes{60'000};  ///< --max-line-bytes: Wazuh drops lines over 65 279  ///<
                                       ///< --reset-state: delete the state files, then backfill
  double poll_interval_s{30};
  int backfill_days{1};
  int page_limit{1000};
  std::string ca_bundle{};
  std::string proxy{};
  double connect_timeout_s{10};
  double request_timeout_s{120};
  int max_attempts{8};
  std::string log_level{"info"};
  std::size_t log_max_bytes{10U * 1024U * 1024U};
  std::size_t log_max_files{5};
  std::string log_target{"both"};   ///< --log-target: file, journal (stderr) or both
  std::filesystem::path log_dir{};  ///< --log-dir; empty: the work dir

  [[nodiscard]] CurlOptions curl_options() const;
  [[nodiscard]] PollOptions poll_options() const;
  [[nodiscard]] RetryPolicy retry_policy() const;
  /// --cloud auto without --base-url: the token endpoint decides (cloud.h).
  [[nodiscard]] bool cloud_autodiscovery() const { return cloud == "auto" && !base_url_given; }
};

/// Registers the shared flags (and --config, --version) on `app`. `max_page_limit` is the
/// API's own maximum for this daemon's query. `default_config` is read when it exists and no
/// --config is given (e.g. /etc/cs-bridge/detections.conf); a missing default is no error.
void add_common_options(CLI::App& app, CommonOptions& options, int max_page_limit,
                        const std::string& default_config = "");

/// "/etc/cs-bridge/detections.conf" for "cs-detections": the daemon's default --config.
[[nodiscard]] std::string default_config_path(const std::string& daemon_name);

/// Checks cross-field rules CLI11 cannot (URL scheme/host, --cloud vs --base-url); returns an
/// actionable message. Resolves --cloud into base_url unless --base-url was given.
[[nodiscard]] Status validate(CommonOptions& options);

}  // namespace csbridge
