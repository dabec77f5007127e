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
  std::filesystem::path workdir{"."};
  bool once{false};
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

  [[nodiscard]] CurlOptions curl_options() const;
  [[nodiscard]] PollOptions poll_options() const;
  [[nodiscard]] RetryPolicy retry_policy() const;
};

/// Registers the shared flags (and --config, --version) on `app`. `max_page_limit` is the
/// API's own maximum for this daemon's query.
void add_common_options(CLI::App& app, CommonOptions& options, int max_page_limit);

/// Checks cross-field rules CLI11 cannot (URL scheme/host); returns an actionable message.
[[nodiscard]] Status validate(CommonOptions& options);

}  // namespace csbridge
