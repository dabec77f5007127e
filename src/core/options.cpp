#include "csbridge/options.h"

#include "csbridge/cloud.h"

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

std::string default_config_path(const std::string& daemon_name) {
  const std::string_view prefix = "cs-";
  const std::string base =
      daemon_name.starts_with(prefix) ? daemon_name.substr(prefix.size()) : daemon_name;
  return "/etc/cs-bridge/" + base + ".conf";
}

void add_common_options(CLI::App& app, CommonOptions& o, int max_page_limit,
                        const std::string& default_config) {
  app.set_version_flag("--version", std::string{CSBRIDGE_VERSION});
  app.set_config("--config", default_config,
                 "Config file (TOML/INI) with the same keys as the long flags; flags override it" +
                     (default_config.empty() ? std::string{}
                                             : " (read when it exists: " + default_config + ")"));
  // A misspelt key must not be ignored silently.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--base-url", o.base_url,
                 "Falcon API base URL (https; http only to loopback); overrides --cloud")
      ->each([&o](const std::string& /*value*/) { o.base_url_given = true; })
      ->capture_default_str();
  app.add_option("--cloud", o.cloud,
                 "Falcon cloud: us-1 (default), us-2, eu-1, us-gov-1, us-gov-2, or auto "
                 "(follow the token endpoint's redirect / X-Cs-Region; commercial clouds)")
      ->check(CLI::IsMember(cloud_choices()));
  app.add_option("--member-cid", o.member_cid,
                 "MSSP: CID of the child tenant to act on (also CROWDSTRIKE_MEMBER_CID or the "
                 "member_cid credential)");
  app.add_flag("--check", o.check,
               "Validate configuration, files, credentials, token and API scopes; print a "
               "verdict and exit 0 (ok) or 1");
  app.add_option("--workdir", o.workdir, "Directory for the output, state and log files")
      ->capture_default_str();
  app.add_flag("--once", o.once, "Run one full polling cycle and exit (exit code 1 if it failed)");
  app.add_option("--poll-interval", o.poll_interval_s, "Seconds between polling cycles")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--lookback", o.lookback_s,
                 "Seconds before the watermark each query starts: catches records the API "
                 "indexes late (the seen-id set drops what was already written)")
      ->check(CLI::Range(0.0, 7.0 * 86400))
      ->capture_default_str();
  app.add_option("--max-line-bytes", o.max_line_bytes,
                 "Longer output lines are shrunk (longest values truncated, noted in "
                 "cs_bridge.truncated): Wazuh drops lines over 65279 bytes")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{65'279}))
      ->capture_default_str();
  app.add_flag("--reset-state", o.reset_state,
               "Delete this daemon's state files first and start over with a --backfill-days "
               "backfill (records already in the output may be written again)");
  app.add_option("--backfill-days", o.backfill_days, "Days to backfill when there is no state")
      ->check(CLI::Range(0, 3650))
      ->capture_default_str();
  app.add_option("--page-limit", o.page_limit, "Records per API page")
      ->check(CLI::Range(1, max_page_limit))
      ->capture_default_str();
  app.add_option("--ca-bundle", o.ca_bundle, "CA bundle file for TLS verification")
      ->check(CLI::ExistingFile);
  app.add_option("--proxy", o.proxy,
                 "HTTP(S) proxy URL (default: https_proxy etc. from the environment)");
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
  app.add_option("--log-target", o.log_target,
                 "file (the rotated log file only), journal (stderr only: the journal under "
                 "systemd) or both")
      ->check(CLI::IsMember({"file", "journal", "both"}))
      ->capture_default_str();
  app.add_option("--log-dir", o.log_dir, "Directory of the log file (default: --workdir)");
}

Status validate(CommonOptions& o) {
  if (!o.cloud.empty() && !o.base_url_given) {
    auto url = cloud_base_url(o.cloud);
    if (!url) return std::move(url).error();
    o.base_url = std::move(url).value();
  }
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
  if (!o.log_dir.empty() && !std::filesystem::is_directory(o.log_dir, ec)) {
    return Error{ErrorCode::kConfig, "--log-dir '" + o.log_dir.string() + "' is not a directory"};
  }
  return ok();
}

}  // namespace csbridge
