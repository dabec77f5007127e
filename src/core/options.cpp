#include "csbridge/options.h"

namespace csbridge {
namespace {

std::chrono::milliseconds seconds_to_ms(double s) {
  return std::chrono::milliseconds{static_cast<std::int64_t>(s * 1000.0)};
}

}  // namespace

CurlOptions CommonOptions::curl_options() const {
  CurlOptions c;
  c.connect_timeout = seconds_to_ms(connect_timeout_s);
  c.total_timeout = seconds_to_ms(request_timeout_s);
  c.ca_bundle = ca_bundle;
  c.proxy = proxy;
  c.user_agent = std::string{"cs-bridge/"} + CSBRIDGE_VERSION;
  return c;
}

PollOptions CommonOptions::poll_options() const {
  PollOptions p;
  p.interval = seconds_to_ms(poll_interval_s);
  p.once = once;
  return p;
}

RetryPolicy CommonOptions::retry_policy() const {
  RetryPolicy r;
  r.max_attempts = max_attempts;
  return r;
}

void add_common_options(CLI::App& app, CommonOptions& o, int max_page_limit) {
  app.set_version_flag("--version", std::string{CSBRIDGE_VERSION});
  app.set_config("--config", "", "Config file (TOML/INI) with the same keys as the long flags");
  app.add_option("--base-url", o.base_url, "Falcon API base URL (https; http only to loopback)")
      ->capture_default_str();
  app.add_option("--workdir", o.workdir, "Directory for the output, state and log files")
      ->capture_default_str();
  app.add_flag("--once", o.once, "Run one full polling cycle and exit (exit code 1 if it failed)");
  app.add_option("--poll-interval", o.poll_interval_s, "Seconds between polling cycles")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--backfill-days", o.backfill_days, "Days to backfill when there is no state")
      ->check(CLI::Range(0, 3650))
      ->capture_default_str();
  app.add_option("--page-limit", o.page_limit, "Records per API page")
      ->check(CLI::Range(1, max_page_limit))
      ->capture_default_str();
  app.add_option("--ca-bundle", o.ca_bundle, "CA bundle file for TLS verification")
      ->check(CLI::ExistingFile);
  app.add_option("--proxy", o.proxy, "HTTP(S) proxy URL (default: https_proxy etc. from the environment)");
  app.add_option("--connect-timeout", o.connect_timeout_s, "Connect timeout, seconds")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  app.add_option("--request-timeout", o.request_timeout_s, "Whole-request timeout, seconds")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--max-attempts", o.max_attempts, "Attempts per request on transient failures")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--log-level", o.log_level, "trace, debug, info, warning, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warning", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--log-max-bytes", o.log_max_bytes, "Log file size before it rotates")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 40))
      ->capture_default_str();
  app.add_option("--log-max-files", o.log_max_files, "Rotated log files kept")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100}))
      ->capture_default_str();
}

Status validate(CommonOptions& o) {
  while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
  if (!is_allowed_url(o.base_url)) {
    return Error{ErrorCode::kConfig, "--base-url '" + o.base_url +
                                         "' must be https:// (plain http:// only to a loopback "
                                         "test server such as http://127.0.0.1:PORT)"};
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(o.workdir, ec)) {
    return Error{ErrorCode::kConfig, "--workdir '" + o.workdir.string() + "' is not a directory"};
  }
  return ok();
}

}  // namespace csbridge
