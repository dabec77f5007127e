#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#ifndef CSBRIDGE_TEST_DATA_DIR
#define CSBRIDGE_TEST_DATA_DIR ""
#endif

namespace csbridge::testing {

/// Failure modes the fake can inject instead of (or around) a normal answer.
enum class Fault {
  kRateLimit,       ///< 429, X-RateLimit-RetryAfter = now + retry_after_seconds (epoch s)
  kServerError500,  ///< 500 with the error_500 fixture body
  kServerError503,  ///< 503 with a JSON error envelope
  kDropConnection,  ///< the socket is shut down without any response bytes
  kGarbageBody,     ///< 200 with a non-JSON body
  kSlowResponse,    ///< the normal answer, after Options::slow_delay
  kExpireToken,     ///< the presented token (on /oauth2/token: every token) dies, then 401
  kErrorsIn200,     ///< 200 with errors[] = [403 "access denied, authorization failed"]
  kTruncatedBody,   ///< the normal answer with its body cut in half (still status 200)
};

/// Stable lower-case name of a fault ("rate_limit", "server_error_500", ...), for logs.
[[nodiscard]] std::string_view to_string(Fault fault);

/// Case-insensitive ordering, so recorded header names can be looked up in any case.
struct CaseInsensitiveLess {
  using is_transparent = void;
  [[nodiscard]] bool operator()(std::string_view a, std::string_view b) const;
};

/// One request as the fake saw it.
struct RecordedRequest {
  std::string method;
  std::string path;  ///< decoded path without the query
  std::string body;
  std::string query;  ///< raw query string as sent (still percent-encoded), without '?'
  /// Names as sent, looked up case-insensitively (find("Authorization") == find("authorization"));
  /// the last value of a repeated header wins.
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  int status = 0;  ///< status answered; 0 when the connection was dropped
};

/// Construction options of FakeFalcon (kept outside the class so `Options = {}` works as a
/// default argument).
struct FakeFalconOptions {
  std::string client_id = "demo-client-id";
  std::string client_secret = "demo-client-secret";
  std::chrono::seconds token_lifetime{1799};
  int port = 0;  ///< 0 = any free port
  std::string bind = "127.0.0.1";
  /// Clock for token expiry and X-RateLimit-RetryAfter; override to test expiry without waiting.
  std::function<std::chrono::system_clock::time_point()> now = &std::chrono::system_clock::now;
  /// Fixture root holding responses/ (error bodies).
  std::string data_dir = CSBRIDGE_TEST_DATA_DIR;
  int retry_after_seconds = 1;
  std::chrono::milliseconds slow_delay{2000};
  /// Send `"after": ""` on the last alerts page (one real fixture does) instead of omitting it.
  bool empty_after_on_last_page = false;
  /// Every /incidents/* call answers 404 like the real, decommissioned API.
  bool incidents_decommissioned = false;
  /// Pretty-print bodies (indent 2) so clients must cope with whitespace and newlines.
  bool pretty = false;
  /// Status for /cases queries with offset + limit > 10000: 500 (as the alerts query is reported
  /// to do) or 400 (the message sibling endpoints use).
  int cases_offset_ceiling_status = 500;
  /// Oldest recorded requests are forgotten beyond this (bounds memory in long demo runs).
  std::size_t max_recorded_requests = 100000;
  /// Idle keep-alive connections are closed after this; short so the destructor is quick.
  std::chrono::seconds keep_alive_timeout{1};
  /// Seeds tokens, trace ids and the entities shuffle.
  std::uint64_t seed = 1;
  /// Called (outside any lock, on a server thread) after every request; e.g. for logging.
  std::function<void(const RecordedRequest&)> on_request;
};

/// In-process fake of the CrowdStrike Falcon API (OAuth2, Alerts, Incidents, Cases), following
/// /work/shared/falcon-api.md and falcon-cases.md. The HTTP server runs on its own threads from
/// construction until stop()/destruction. All methods are thread-safe.
///
/// Endpoints: POST /oauth2/token; POST /alerts/combined/alerts/v1; POST
/// /alerts/entities/alerts/v2; GET /incidents/queries/incidents/v1; POST
/// /incidents/entities/incidents/GET/v1; GET /cases/queries/cases/v1; POST
/// /cases/entities/cases/v2. Anything else answers the gateway's 404.
class FakeFalcon {
 public:
  using Fault = ::csbridge::testing::Fault;
  using Options = FakeFalconOptions;
  using Recorded = RecordedRequest;

  /// Binds, starts the server thread and returns once it accepts connections.
  /// Throws std::runtime_error if the port cannot be bound or a fixture is missing.
  explicit FakeFalcon(Options options = {});
  /// Stops the server and joins its threads.
  ~FakeFalcon();
  FakeFalcon(const FakeFalcon&) = delete;
  FakeFalcon& operator=(const FakeFalcon&) = delete;

  /// The bound TCP port.
  [[nodiscard]] int port() const;
  /// "http://127.0.0.1:PORT".
  [[nodiscard]] std::string base_url() const;
  /// Stops serving (clients then get "connection refused"); idempotent.
  void stop();

  // --- Alerts -----------------------------------------------------------------------------
  /// Adds (or replaces, by composite_id) an alert, served exactly as given. It needs a string
  /// `composite_id` and an RFC 3339 `created_timestamp`, else std::invalid_argument. Adding an
  /// alert with an old created_timestamp emulates late indexing: fresh queries see it, cursors
  /// already past its position do not.
  void add_alert(nlohmann::json alert);
  /// add_alert() for each, under one lock.
  void add_alerts(std::vector<nlohmann::json> alerts);
  /// Every stored alert in serving order: (created instant, composite_id) ascending.
  [[nodiscard]] std::vector<nlohmann::json> alerts() const;
  [[nodiscard]] std::size_t alert_count() const;

  // --- Incidents (decommissioned in reality, still emulated) --------------------------------
  /// Adds (or replaces, by incident_id) an incident. A missing `modified_timestamp` sorts first
  /// and never matches a modified_timestamp filter.
  void add_incident(nlohmann::json incident);
  /// Every stored incident, (modified instant, incident_id) ascending.
  [[nodiscard]] std::vector<nlohmann::json> incidents() const;
  /// Switches Options::incidents_decommissioned at run time.
  void set_incidents_decommissioned(bool decommissioned);

  // --- Cases ------------------------------------------------------------------------------
  /// Adds (or replaces, by id: e.g. a new version) a case; needs a string `id`, and an RFC 3339
  /// `updated_timestamp`, else std::invalid_argument.
  void add_case(nlohmann::json case_object);
  /// Every stored case, (updated instant, id) ascending.
  [[nodiscard]] std::vector<nlohmann::json> cases() const;
  /// The entities call silently omits this id (merged case, access tags) while the query call
  /// still lists it.
  void hide_case_from_entities(const std::string& id);

  // --- Response tampering -----------------------------------------------------------------
  /// After rendering, every occurrence of `needle` in a response body is replaced byte for byte
  /// by `replacement` (e.g. to serve invalid UTF-8, which the JSON library cannot produce).
  /// Setting the same needle again replaces the previous replacement.
  void set_raw_replacement(std::string needle, std::string replacement);
  /// Removes every raw replacement.
  void clear_raw_replacements();

  // --- Tokens -----------------------------------------------------------------------------
  /// Invalidates every token issued so far; new token requests still succeed.
  void expire_all_tokens();

  // --- Faults -----------------------------------------------------------------------------
  /// Queues `count` faults for the next requests whose path starts with `path_prefix`. An empty
  /// prefix matches every endpoint except /oauth2/token; pass "/oauth2/token" to fault token
  /// requests. Queued faults are consumed in order; a faulted request has no side effect
  /// (except kExpireToken's). They take precedence over random faults.
  void inject(Fault fault, int count = 1, std::string path_prefix = "");
  /// Like inject(), but the first `after_requests` matching requests (counted from now, whether
  /// or not another fault hits them) pass; e.g. inject_after(3, kServerError500, 2, "/alerts/")
  /// fails the 4th and 5th alerts requests. Lets a test fault the middle of a pagination.
  void inject_after(int after_requests, Fault fault, int count = 1, std::string path_prefix = "");
  /// Each non-token request is faulted with `probability`, the kind drawn uniformly from
  /// `kinds`. A probability of 0 (or no kinds) switches random faults off.
  void set_random_faults(double probability, std::uint64_t seed, std::vector<Fault> kinds);
  /// Drops queued faults and switches random faults off.
  void clear_faults();

  // --- Observability ----------------------------------------------------------------------
  /// Requests to /oauth2/token, successful or not.
  [[nodiscard]] int token_requests() const;
  /// Requests to every other path.
  [[nodiscard]] int api_requests() const;
  /// Requests answered with a fault.
  [[nodiscard]] int faults_served() const;
  /// Every request so far (up to Options::max_recorded_requests), oldest first.
  [[nodiscard]] std::vector<Recorded> requests() const;
  /// Forgets the recorded requests (counters are kept).
  void clear_requests();

 private:
  class Impl;  // fake_falcon_internal.h: keeps httplib out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace csbridge::testing
