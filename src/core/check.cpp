#include "csbridge/check.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <system_error>

#include "csbridge/api_error.h"
#include "csbridge/cloud.h"
#include "csbridge/curl_transport.h"
#include "csbridge/falcon_client.h"
#include "csbridge/oauth2_client.h"
#include "csbridge/timestamp.h"

namespace csbridge {
namespace {

namespace fs = std::filesystem;

/// The check lines and the tally behind the verdict.
class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  void ok(std::string_view what, std::string_view detail) { line("ok  ", what, detail); }
  void note(std::string_view what, std::string_view detail) { line("note", what, detail); }
  void warn(std::string_view what, std::string_view detail) {
    ++warnings_;
    line("WARN", what, detail);
  }
  void fail(std::string_view what, std::string_view detail) {
    failed_.emplace_back(what);
    line("FAIL", what, detail);
  }
  [[nodiscard]] bool failed() const { return !failed_.empty(); }

  int verdict(const std::string& daemon) {
    const std::string warn_text = warnings_ == 0 ? std::string{}
                                                 : " (" + std::to_string(warnings_) + " warning" +
                                                       (warnings_ == 1 ? "" : "s") + ")";
    if (failed_.empty()) {
      out_ << "verdict: OK: " << daemon << " is ready to run" << warn_text << '\n';
      out_.flush();
      return 0;
    }
    std::string names;
    for (const auto& n : failed_) names += (names.empty() ? "" : ", ") + n;
    out_ << "verdict: FAILED: " << failed_.size() << " check" << (failed_.size() == 1 ? "" : "s")
         << " failed (" << names << ")" << warn_text << '\n';
    out_.flush();
    return 1;
  }

 private:
  void line(std::string_view tag, std::string_view what, std::string_view detail) {
    out_ << tag << "  " << what << ": " << detail << '\n';
  }

  std::ostream& out_;
  std::vector<std::string> failed_;
  int warnings_{0};
};

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string mode_text(mode_t mode) {
  std::string s(4, '0');
  s[1] = static_cast<char>('0' + ((mode >> 6) & 7));
  s[2] = static_cast<char>('0' + ((mode >> 3) & 7));
  s[3] = static_cast<char>('0' + (mode & 7));
  return s;
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

/// Creates and removes a temporary file in `dir`: the test that matters (rename-based saves
/// and appends need exactly this), whoever we run as.
Status probe_writable(const fs::path& dir) {
  std::string tmpl = (dir / ".cs-bridge-check.XXXXXX").string();
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) {
    return Error{ErrorCode::kIo,
                 "cannot create a file in " + quoted(dir) + ": " + errno_text(errno)};
  }
  (void)::close(fd);
  (void)::unlink(tmpl.c_str());
  return ok();
}

void check_directory(Report& r, std::string_view what, const fs::path& dir) {
  if (Status st = probe_writable(dir); !st) {
    r.fail(what, st.error().message);
    return;
  }
  struct stat s {};
  if (::stat(dir.c_str(), &s) == 0 && (s.st_mode & S_IWOTH) != 0) {
    r.warn(what, quoted(dir) + " is writable by every local user (mode " +
                     mode_text(s.st_mode & 07777) + ")");
    return;
  }
  r.ok(what, quoted(dir) + " is writable");
}

/// An existing file must be writable; one the daemon will create is fine.
/// `created_mode`: how the daemon creates it, for the advice on a file others can read.
void check_file(Report& r, std::string_view what, const fs::path& file,
                std::string_view created_mode) {
  struct stat s {};
  if (::stat(file.c_str(), &s) != 0) {
    r.ok(what, quoted(file) + " does not exist yet; created on the first write");
    return;
  }
  if (!S_ISREG(s.st_mode)) {
    r.fail(what, quoted(file) + " is not a regular file");
  } else if (::access(file.c_str(), W_OK) != 0) {
    r.fail(what, quoted(file) + " is not writable: " + errno_text(errno));
  } else if ((s.st_mode & S_IROTH) != 0) {
    r.warn(what, quoted(file) + " is readable by every local user (mode " +
                     mode_text(s.st_mode & 07777) + "); " + std::string{created_mode});
  } else {
    r.ok(what, quoted(file) + " is writable (mode " + mode_text(s.st_mode & 07777) + ")");
  }
}

/// systemd hands credentials over 0400; files an operator points
/// CREDENTIALS_DIRECTORY at by hand must not be readable by others either.
void check_credential_files(Report& r, const EnvLookup& env) {
  const char* dir = env("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0') return;
  for (const char* name : {"client_id", "client_secret", "member_cid"}) {
    const fs::path file = fs::path{dir} / name;
    struct stat s {};
    if (::stat(file.c_str(), &s) != 0) continue;
    const std::string what = std::string{"credential file "} + name;
    if ((s.st_mode & S_IROTH) != 0) {
      r.warn(what, quoted(file) + " is world-readable (mode " + mode_text(s.st_mode & 07777) +
                       "): chmod 0600 it");
    } else if ((s.st_mode & S_IRWXG) != 0) {
      r.warn(what, quoted(file) + " is group-accessible (mode " + mode_text(s.st_mode & 07777) +
                       "): chmod 0600 it");
    } else {
      r.ok(what, quoted(file) + " is private (mode " + mode_text(s.st_mode & 07777) + ")");
    }
  }
}

/// A 2xx answer may still carry errors[] (a scope problem reported with HTTP 200).
Status no_api_errors(const HttpResponse& resp) {
  const auto doc = nlohmann::json::parse(resp.body, nullptr, false);
  if (!doc.is_object()) return Error{ErrorCode::kParse, "the answer is not a JSON object"};
  if (auto errs = doc.find("errors"); errs != doc.end() && errs->is_array() && !errs->empty()) {
    Error e = api_error(resp, "the API");
    e.code = ErrorCode::kHttpStatus;  // not retried: a scope does not appear by itself
    e.message = "HTTP " + std::to_string(resp.status) + " with errors: " + e.message;
    return e;
  }
  return ok();
}

std::string probe_hint(const Error& e, const CheckProbe& probe) {
  if (e.http_status == 403 || e.message.find("authorization failed") != std::string::npos) {
    return "; the API client lacks the '" + probe.scope +
           "' scope (or an IP allow-list blocks this host)";
  }
  if (e.http_status == 404 && probe.request.url.starts_with("/incidents/")) {
    return "; the Incidents API was decommissioned on 2026-03-09: use --source cases";
  }
  return {};
}

std::string describe_api(const CommonOptions& o) {
  if (o.cloud_autodiscovery()) return o.base_url + " (--cloud auto: the token endpoint decides)";
  if (o.base_url_given) return o.base_url + " (--base-url)";
  if (!o.cloud.empty()) return o.base_url + " (--cloud " + o.cloud + ")";
  return o.base_url + " (default cloud us-1)";
}

}  // namespace

CheckProbe alerts_probe() {
  CheckProbe p{"Alerts: Read", {}};
  p.request.method = "POST";
  p.request.url = "/alerts/combined/alerts/v1";
  p.request.headers = {{"Content-Type", "application/json"}};
  p.request.body = R"({"limit":1,"sort":"created_timestamp|asc"})";
  return p;
}

CheckProbe cases_probe() {
  CheckProbe p{"Cases: Read", {}};
  p.request.url = "/cases/queries/cases/v1?limit=1&sort=updated_timestamp.asc";
  return p;
}

CheckProbe incidents_probe() {
  CheckProbe p{"Incidents: Read", {}};
  p.request.url = "/incidents/queries/incidents/v1?limit=1&sort=modified_timestamp.asc";
  return p;
}

std::vector<CheckProbe> probes_for(const std::string& daemon, const CLI::App& app) {
  if (daemon != "cs-incidents") return {alerts_probe()};
  std::vector<CheckProbe> probes;
  std::string source = "cases";
  if (const CLI::Option* o = app.get_option_no_throw("--source"); o != nullptr && o->count() > 0) {
    source = o->as<std::string>();
  }
  probes.push_back(source == "incidents" ? incidents_probe() : cases_probe());
  if (const CLI::Option* o = app.get_option_no_throw("--enrich-techniques");
      o != nullptr && o->count() > 0 && o->as<bool>()) {
    probes.push_back(alerts_probe());
  }
  return probes;
}

bool wants_check(int argc, const char* const* argv) {
  return std::any_of(argv + std::min(argc, 1), argv + argc,
                     [](const char* a) { return std::string_view{a} == "--check"; });
}

int check_parse_failed(const std::string& daemon, const std::string& message, std::ostream& out) {
  Report r{out};
  r.fail("configuration", sanitize_for_log(message, 500));
  return r.verdict(daemon);
}

int run_check(const CheckSetup& s, HttpTransport& transport, Clock& clock, std::ostream& out) {
  Report r{out};
  out << s.daemon << " --check (cs-bridge " << CSBRIDGE_VERSION << ")\n";

  // Configuration: CLI11 has parsed and type-checked it; validate() did the rest.
  std::error_code ec;
  if (fs::is_regular_file(s.config_file, ec)) {
    struct stat st {};
    if (::stat(s.config_file.c_str(), &st) == 0 && (st.st_mode & S_IWOTH) != 0) {
      r.warn("configuration", quoted(s.config_file) + " is writable by every local user");
    }
  }
  if (!s.options_status) {
    r.fail("configuration", s.options_status.error().message);
    return r.verdict(s.daemon);
  }
  const bool have_config = !s.config_file.empty() && fs::is_regular_file(s.config_file, ec);
  r.ok("configuration",
       have_config
           ? quoted(s.config_file) + " and the command line"
           : "command line only" +
                 (s.config_file.empty() ? std::string{} : " (no " + quoted(s.config_file) + ")"));
  r.ok("API", describe_api(s.options));
  if (::geteuid() == 0) {
    r.note("user",
           "running as root: file checks do not show what the service user may do "
           "(see README, 'Running under systemd')");
  }

  // Files.
  check_directory(r, "work dir", s.options.workdir);
  check_file(r, "output", s.output, "the daemon creates it 0640: chmod o-r it");
  if (s.options.log_target != "journal") {
    if (!s.options.log_dir.empty()) check_directory(r, "log dir", s.options.log_dir);
    check_file(r, "log file", s.log_file, "the daemon creates it 0640: chmod o-r it");
  }
  if (auto state = StateStore::load(s.state, to_timestamp(clock.system_now())); !state) {
    r.fail("state", state.error().message);
  } else if (state.value().watermark()) {
    r.ok("state", "watermark " + format_rfc3339(*state.value().watermark()) + ", " +
                      std::to_string(state.value().seen_count()) + " ids seen");
  } else {
    r.ok("state", "no state yet: the first cycle backfills " +
                      std::to_string(s.options.backfill_days) + " day(s)");
  }

  // Credentials, then the network.
  check_credential_files(r, s.env);
  auto credentials = load_credentials(s.env);
  if (!credentials) {
    r.fail("credentials", credentials.error().message);
    return r.verdict(s.daemon);
  }
  if (!s.options.member_cid.empty()) credentials.value().member_cid = s.options.member_cid;
  {
    const char* dir = s.env("CREDENTIALS_DIRECTORY");
    const bool from_dir = dir != nullptr && *dir != '\0' &&
                          fs::exists(fs::path{dir} / "client_secret", ec) &&
                          fs::file_size(fs::path{dir} / "client_secret", ec) > 0;
    std::string detail = from_dir ? "client id and secret from $CREDENTIALS_DIRECTORY"
                                  : "client id and secret from the environment";
    if (!credentials.value().member_cid.empty()) detail += ", member CID set (MSSP child)";
    r.ok("credentials", detail);
  }

  CloudDiscoveryTransport discovery{transport, s.options.base_url};
  HttpTransport& http = s.options.cloud_autodiscovery() ? discovery : transport;
  OAuth2Client oauth{http, clock, credentials.value(), s.options.base_url};
  if (auto token = oauth.token(); !token) {
    r.fail("token", token.error().message);
    r.note("API calls", "skipped: no token");
    return r.verdict(s.daemon);
  }
  r.ok("token", "obtained from " +
                    (s.options.cloud_autodiscovery() ? discovery.base_url() : s.options.base_url));

  RetryPolicy policy = s.options.retry_policy();
  policy.max_attempts = std::min(policy.max_attempts, 2);
  FalconClient client{http, clock, oauth, s.options.base_url, policy, [] { return 0.5; }};
  StopSignal stop;
  for (const CheckProbe& probe : s.probes) {
    const std::string call = probe.request.method + " " + probe.request.url;
    auto answer = client.call<std::monostate>(
        probe.request, [](const HttpResponse& resp) { return no_api_errors(resp); }, stop);
    if (answer) {
      r.ok(probe.scope, call + " answered");
    } else {
      r.fail(probe.scope, answer.error().message + probe_hint(answer.error(), probe));
    }
  }
  return r.verdict(s.daemon);
}

int run_check(const CheckSetup& setup, std::ostream& out) {
  // Only warnings (retries) reach stderr; stdout carries the check lines.
  spdlog::set_level(spdlog::level::warn);
  try {
    CurlGlobal curl;
    auto transport = make_curl_transport(setup.options.curl_options());
    SystemClock clock;
    return run_check(setup, *transport, clock, out);
  } catch (const std::exception& e) {
    Report r{out};
    r.fail("check", e.what());
    return r.verdict(setup.daemon);
  }
}

}  // namespace csbridge
