#pragma once

// Internals shared by fake_falcon.cpp (server, OAuth2, faults, recording) and
// fake_falcon_routes.cpp (alerts, incidents and cases endpoints). Not part of the test API.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fakes/fake_falcon.h"

namespace csbridge::testing {
namespace detail {

/// A complete answer, rendered before it is written so faults can wrap it (truncate, delay).
struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
};

/// Per-request values that must agree between headers and body (trace id) or are random.
struct RequestContext {
  std::string trace_id;
  double query_time = 0.0;
};

enum class Route {
  kToken,
  kAlertsCombined,
  kAlertsEntities,
  kIncidentsQuery,
  kIncidentsEntities,
  kIncidentsOther,
  kCasesQuery,
  kCasesEntities,
  kUnknown,
};

/// One `field:<op>'timestamp'` term of an FQL filter.
struct TimeBound {
  enum class Op { kGt, kGe, kLt, kLe };
  Op op = Op::kGe;
  std::int64_t ns = 0;
};

/// A '+' (AND) conjunction of timestamp comparisons on one field; no bounds matches everything.
struct TimeFilter {
  std::vector<TimeBound> bounds;
  /// `ns` is nullopt for documents lacking the field: they only match an empty filter.
  [[nodiscard]] bool matches(std::optional<std::int64_t> ns) const;
};

/// Either a parsed filter or the 400 message explaining why it was refused.
struct FilterParse {
  std::optional<TimeFilter> filter;
  std::string error;
};

/// Parses the FQL subset the daemons may send: `field:OP'RFC3339'` terms joined by '+', OP one
/// of > >= < <=, single quotes only. An empty string is "no filter".
[[nodiscard]] FilterParse parse_time_filter(std::string_view fql, std::string_view field);

/// Decodes application/x-www-form-urlencoded pairs ('+' is a space, %XX a byte), as used by
/// token bodies and query strings. Later duplicates win.
[[nodiscard]] std::map<std::string, std::string> parse_form(std::string_view text);

/// The query parameters of a request, decoded from the raw target by parse_form(), so that an
/// unencoded '+' arrives as a space exactly as on a standard server.
[[nodiscard]] std::map<std::string, std::string> query_params(const httplib::Request& req);

[[nodiscard]] std::string base64_encode(std::string_view data);
/// Standard alphabet, padding optional; nullopt on any other character.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

/// Documents ordered by (instant, id); the instant is INT64_MIN when the document lacks it.
struct OrderedStore {
  using Key = std::pair<std::int64_t, std::string>;
  std::map<Key, nlohmann::json> items;
  std::unordered_map<std::string, Key> keys;

  void upsert(Key key, nlohmann::json doc);
  [[nodiscard]] const nlohmann::json* find(const std::string& id) const;
  [[nodiscard]] std::vector<nlohmann::json> all() const;
};

}  // namespace detail

class FakeFalcon::Impl {
 public:
  explicit Impl(Options opts);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void stop();

  // Request pipeline (fake_falcon.cpp).
  void handle(const httplib::Request& req, httplib::Response& res, detail::Route route);
  detail::Reply dispatch(const httplib::Request& req, detail::Route route,
                         const detail::RequestContext& ctx);
  detail::Reply token(const httplib::Request& req, const detail::RequestContext& ctx);
  bool authorized(const httplib::Request& req);
  std::optional<Fault> next_fault_locked(const std::string& path, bool is_token);
  bool wait_or_stopping(std::chrono::milliseconds delay);

  // Endpoints (fake_falcon_routes.cpp).
  detail::Reply alerts_combined(const httplib::Request& req, const detail::RequestContext& ctx);
  detail::Reply alerts_entities(const httplib::Request& req, const detail::RequestContext& ctx);
  detail::Reply incidents_query(const httplib::Request& req, const detail::RequestContext& ctx);
  detail::Reply incidents_entities(const httplib::Request& req, const detail::RequestContext& ctx);
  detail::Reply cases_query(const httplib::Request& req, const detail::RequestContext& ctx);
  detail::Reply cases_entities(const httplib::Request& req, const detail::RequestContext& ctx);

  // Envelopes (fake_falcon.cpp).
  [[nodiscard]] std::string render(const nlohmann::json& body) const;
  [[nodiscard]] detail::Reply json_reply(int status, const nlohmann::json& body) const;
  /// A fixture body whose meta.trace_id (and mentions of it) become this request's trace id.
  [[nodiscard]] detail::Reply fixture_reply(int status, const nlohmann::json& fixture,
                                            const detail::RequestContext& ctx) const;
  [[nodiscard]] detail::Reply error_reply(int status, const std::string& message,
                                          std::string_view powered_by,
                                          const detail::RequestContext& ctx) const;
  [[nodiscard]] static nlohmann::json meta(const detail::RequestContext& ctx,
                                           std::string_view powered_by);

  Options options;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<bool> listen_returned{false};

  // Error bodies from <data_dir>/responses.
  nlohmann::json fx_token_400, fx_token_403, fx_401, fx_404, fx_429, fx_500;
  nlohmann::json fx_incidents_404, fx_incidents_400;

  mutable std::mutex mu;  // guards everything below
  std::condition_variable stop_cv;
  bool stopping = false;
  detail::OrderedStore alerts;
  detail::OrderedStore incidents;
  detail::OrderedStore cases;
  std::set<std::string> hidden_cases;
  std::map<std::string, std::string> raw_replacements;
  std::unordered_map<std::string, std::chrono::system_clock::time_point> tokens;
  struct QueuedFault {
    Fault fault;
    int remaining;       // faulted requests still to come
    std::string prefix;  // empty: every non-token path
    int skip = 0;        // matching requests to let through first
  };
  std::deque<QueuedFault> fault_queue;
  double random_fault_probability = 0.0;
  std::vector<Fault> random_fault_kinds;
  std::mt19937_64 fault_rng;
  std::mt19937_64 rng;
  int token_count = 0;
  int api_count = 0;
  int fault_count = 0;
  std::deque<Recorded> recorded;
  std::deque<std::chrono::steady_clock::time_point> api_window;
  std::deque<std::chrono::steady_clock::time_point> token_window;
};

}  // namespace csbridge::testing
