#include "fakes/fake_falcon.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "fakes/alert_factory.h"
#include "fakes/fake_falcon_internal.h"

namespace csbridge::testing {
namespace {

using detail::Reply;
using detail::RequestContext;
using detail::Route;

constexpr int kApiRateLimit = 6000;   // per minute, shared by the account [falcon-api.md §4]
constexpr int kTokenRateLimit = 300;  // /oauth2/token override

nlohmann::json load_fixture(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("FakeFalcon: cannot read fixture " + path.string() +
                             " (is Options::data_dir / CSBRIDGE_TEST_DATA_DIR right?)");
  }
  return nlohmann::json::parse(in);
}

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  }
  return -1;
}

// httplib 0.11 gives handlers no access to the connection, so find the server-side socket of
// this request among the process's descriptors (local port = ours, peer port = the client's)
// and shut it down: the client then sees the connection close without a single response byte.
bool shutdown_request_socket(int server_port, const httplib::Request& req) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    if (port_of(local) != server_port) continue;
    len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (port_of(peer) != req.remote_port) continue;
    ::shutdown(fd, SHUT_RDWR);
    return true;
  }
  return false;
}

std::string make_uuid(std::mt19937_64& rng) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    // Version 4, RFC 4122 variant, like the gateway's trace ids.
    out += i == 12 ? '4' : i == 16 ? kHex[8 + rng() % 4] : kHex[rng() % 16];
  }
  return out;
}

std::string make_token(std::mt19937_64& rng) {
  // Opaque, JWT-shaped like the real ones (three base64url segments); clients must not parse it.
  static constexpr std::string_view kB64Url =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.";
  for (int i = 0; i < 180; ++i) out += kB64Url[rng() % 64];
  out += '.';
  for (int i = 0; i < 86; ++i) out += kB64Url[rng() % 64];
  return out;
}

std::string bearer_token(const httplib::Request& req) {
  const std::string value = req.get_header_value("Authorization");
  if (value.size() <= 7 || to_lower(value.substr(0, 7)) != "bearer ") return {};
  return value.substr(7);
}

int remaining_in_window(std::deque<std::chrono::steady_clock::time_point>& window, int limit) {
  const auto now = std::chrono::steady_clock::now();
  window.push_back(now);
  while (!window.empty() && now - window.front() > std::chrono::minutes(1)) window.pop_front();
  return std::max(0, limit - static_cast<int>(window.size()));
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view to_string(Fault fault) {
  switch (fault) {
    case Fault::kRateLimit:
      return "rate_limit";
    case Fault::kServerError500:
      return "server_error_500";
    case Fault::kServerError503:
      return "server_error_503";
    case Fault::kDropConnection:
      return "drop_connection";
    case Fault::kGarbageBody:
      return "garbage_body";
    case Fault::kSlowResponse:
      return "slow_response";
    case Fault::kExpireToken:
      return "expire_token";
    case Fault::kErrorsIn200:
      return "errors_in_200";
    case Fault::kTruncatedBody:
      return "truncated_body";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Impl: server lifecycle

FakeFalcon::Impl::Impl(Options opts)
    : options(std::move(opts)), fault_rng(options.seed), rng(options.seed) {
  if (!options.now) options.now = &std::chrono::system_clock::now;
  const std::filesystem::path responses = std::filesystem::path(options.data_dir) / "responses";
  fx_token_400 = load_fixture(responses / "oauth2_token_400_bad_client.json");
  fx_token_403 = load_fixture(responses / "oauth2_token_403_not_authorized.json");
  fx_401 = load_fixture(responses / "error_401_invalid_bearer_CONSTRUCTED.json");
  fx_404 = load_fixture(responses / "error_404_gateway_page_not_found.json");
  fx_429 = load_fixture(responses / "error_429_rate_limited_CONSTRUCTED.json");
  fx_500 = load_fixture(responses / "error_500_internal_CONSTRUCTED.json");
  fx_incidents_404 = load_fixture(responses / "incidents_decommissioned_404.json");
  fx_incidents_400 = load_fixture(responses / "incidents_entities_400_empty_ids.json");

  const auto route = [this](Route r) {
    return [this, r](const httplib::Request& req, httplib::Response& res) { handle(req, res, r); };
  };
  server.Post("/oauth2/token", route(Route::kToken));
  server.Post("/alerts/combined/alerts/v1", route(Route::kAlertsCombined));
  server.Post("/alerts/entities/alerts/v2", route(Route::kAlertsEntities));
  server.Get("/incidents/queries/incidents/v1", route(Route::kIncidentsQuery));
  server.Post("/incidents/entities/incidents/GET/v1", route(Route::kIncidentsEntities));
  server.Get("/incidents/.*", route(Route::kIncidentsOther));
  server.Post("/incidents/.*", route(Route::kIncidentsOther));
  server.Get("/cases/queries/cases/v1", route(Route::kCasesQuery));
  server.Post("/cases/entities/cases/v2", route(Route::kCasesEntities));
  // Catch-alls last (httplib matches in registration order): the gateway's 404.
  server.Get(".*", route(Route::kUnknown));
  server.Post(".*", route(Route::kUnknown));
  server.Put(".*", route(Route::kUnknown));
  server.Patch(".*", route(Route::kUnknown));
  server.Delete(".*", route(Route::kUnknown));
  server.set_keep_alive_timeout(static_cast<time_t>(options.keep_alive_timeout.count()));

  if (options.port == 0) {
    port = server.bind_to_any_port(options.bind);
  } else {
    port = server.bind_to_port(options.bind, options.port) ? options.port : -1;
  }
  if (port <= 0) {
    throw std::runtime_error("FakeFalcon: cannot bind " + options.bind + ":" +
                             std::to_string(options.port));
  }
  thread = std::thread([this] {
    server.listen_after_bind();
    listen_returned = true;
  });
  // Return only once the accept loop runs, so a test's first request never races the start.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server.is_running()) {
    if (listen_returned || std::chrono::steady_clock::now() > deadline) {
      server.stop();
      if (listen_returned) {
        thread.join();
      } else {
        thread.detach();  // never observed; better than hanging the test forever
      }
      throw std::runtime_error("FakeFalcon: server did not start");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

FakeFalcon::Impl::~Impl() { stop(); }

void FakeFalcon::Impl::stop() {
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  stop_cv.notify_all();  // wakes slow responses so the workers can be joined promptly
  server.stop();
  if (thread.joinable()) thread.join();
}

bool FakeFalcon::Impl::wait_or_stopping(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu);
  return !stop_cv.wait_for(lock, delay, [this] { return stopping; });
}

// ---------------------------------------------------------------------------------------------
// Impl: request pipeline

std::optional<Fault> FakeFalcon::Impl::next_fault_locked(const std::string& path, bool is_token) {
  // The first armed (skip == 0) matching entry fires; every still-waiting matching entry counts
  // this request, so inject_after() positions are absolute, independent of other entries.
  std::optional<Fault> fault;
  for (auto it = fault_queue.begin(); it != fault_queue.end();) {
    const bool match = it->prefix.empty() ? !is_token : path.rfind(it->prefix, 0) == 0;
    if (match && it->skip > 0) {
      --it->skip;
    } else if (match && !fault) {
      fault = it->fault;
      if (--it->remaining <= 0) {
        it = fault_queue.erase(it);
        continue;
      }
    }
    ++it;
  }
  if (fault) return fault;
  if (!is_token && random_fault_probability > 0.0 && !random_fault_kinds.empty() &&
      std::uniform_real_distribution<double>(0.0, 1.0)(fault_rng) < random_fault_probability) {
    const auto pick =
        std::uniform_int_distribution<std::size_t>(0, random_fault_kinds.size() - 1)(fault_rng);
    return random_fault_kinds[pick];
  }
  return std::nullopt;
}

void FakeFalcon::Impl::handle(const httplib::Request& req, httplib::Response& res, Route route) {
  const bool is_token = route == Route::kToken;
  RequestContext ctx;
  std::optional<Fault> fault;
  int remaining = 0;
  {
    std::lock_guard lock(mu);
    ctx.trace_id = make_uuid(rng);
    ctx.query_time = std::uniform_real_distribution<double>(0.0005, 0.09)(rng);
    (is_token ? token_count : api_count) += 1;
    fault = next_fault_locked(req.path, is_token);
    if (fault) ++fault_count;
    remaining = is_token ? remaining_in_window(token_window, kTokenRateLimit)
                         : remaining_in_window(api_window, kApiRateLimit);
  }

  Reply reply;
  bool dropped = false;
  if (!fault) {
    reply = dispatch(req, route, ctx);
  } else {
    switch (*fault) {
      case Fault::kRateLimit: {
        reply = fixture_reply(429, fx_429, ctx);
        const auto epoch =
            std::chrono::duration_cast<std::chrono::seconds>(options.now().time_since_epoch())
                .count();
        reply.headers.emplace_back("X-RateLimit-RetryAfter",
                                   std::to_string(epoch + options.retry_after_seconds));
        reply.headers.emplace_back("X-Ratelimit-Remaining", "0");
        break;
      }
      case Fault::kServerError500:
        reply = fixture_reply(500, fx_500, ctx);
        break;
      case Fault::kServerError503:
        // No public capture of a Falcon 503 body exists; use the common error envelope.
        reply = error_reply(503, "Service Unavailable", "crowdstrike-api-gateway", ctx);
        break;
      case Fault::kDropConnection:
        dropped = true;  // the socket is shut down below, once the request is recorded
        break;
      case Fault::kGarbageBody:
        reply.status = 200;
        reply.body = "<html><body>502 upstream garbage</body></html>";
        break;
      case Fault::kSlowResponse:
        // Cut short when the fake is stopping, so destruction never waits for the delay.
        wait_or_stopping(options.slow_delay);
        reply = dispatch(req, route, ctx);
        break;
      case Fault::kExpireToken: {
        const std::string presented = bearer_token(req);
        {
          std::lock_guard lock(mu);
          if (is_token) {
            tokens.clear();  // no bearer on the token call: expire everything issued
          } else {
            tokens.erase(presented);
          }
        }
        reply = fixture_reply(401, fx_401, ctx);
        break;
      }
      case Fault::kErrorsIn200:
        reply = json_reply(
            200,
            {{"meta", meta(ctx, "crowdstrike-api-gateway")},
             {"errors", nlohmann::json::array(
                            {{{"code", 403}, {"message", "access denied, authorization failed"}}})},
             {"resources", nlohmann::json::array()}});
        break;
      case Fault::kTruncatedBody:
        reply = dispatch(req, route, ctx);
        reply.status = 200;
        reply.body.resize(reply.body.size() / 2);
        break;
    }
  }

  if (!dropped) {
    {
      std::lock_guard lock(mu);
      for (const auto& [needle, replacement] : raw_replacements) {
        for (auto pos = reply.body.find(needle); pos != std::string::npos;
             pos = reply.body.find(needle, pos + replacement.size())) {
          reply.body.replace(pos, needle.size(), replacement);
        }
      }
    }
    res.status = reply.status;
    const auto has = [&reply](std::string_view name) {
      return std::any_of(reply.headers.begin(), reply.headers.end(), [name](const auto& h) {
        return to_lower(h.first) == to_lower(std::string(name));
      });
    };
    res.set_header("X-Cs-Region", "us-1");
    res.set_header("X-Cs-Traceid", ctx.trace_id);
    res.set_header("X-Ratelimit-Limit", std::to_string(is_token ? kTokenRateLimit : kApiRateLimit));
    if (!has("X-Ratelimit-Remaining")) {
      res.set_header("X-Ratelimit-Remaining", std::to_string(remaining));
    }
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    res.set_content(reply.body, reply.content_type);
  }

  Recorded rec;
  rec.method = req.method;
  rec.path = req.path;
  rec.body = req.body;
  const auto q = req.target.find('?');
  if (q != std::string::npos) rec.query = req.target.substr(q + 1);
  for (const auto& [name, value] : req.headers) rec.headers[name] = value;
  rec.status = dropped ? 0 : reply.status;
  {
    std::lock_guard lock(mu);
    recorded.push_back(rec);
    while (recorded.size() > options.max_recorded_requests) recorded.pop_front();
  }
  if (options.on_request) options.on_request(rec);

  // Only now, so that the record exists before the client can react to the closed connection.
  if (dropped && !shutdown_request_socket(port, req)) {
    // Fallback: promise a body and deliver none, a transfer error for the client.
    res.set_content_provider(1024, "application/json",
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
  }
}

Reply FakeFalcon::Impl::dispatch(const httplib::Request& req, Route route,
                                 const RequestContext& ctx) {
  if (route == Route::kToken) return token(req, ctx);
  if (!authorized(req)) return fixture_reply(401, fx_401, ctx);
  bool decommissioned = false;
  {
    std::lock_guard lock(mu);
    decommissioned = options.incidents_decommissioned;
  }
  switch (route) {
    case Route::kAlertsCombined:
      return alerts_combined(req, ctx);
    case Route::kAlertsEntities:
      return alerts_entities(req, ctx);
    case Route::kIncidentsQuery:
      return decommissioned ? fixture_reply(404, fx_incidents_404, ctx) : incidents_query(req, ctx);
    case Route::kIncidentsEntities:
      return decommissioned ? fixture_reply(404, fx_incidents_404, ctx)
                            : incidents_entities(req, ctx);
    case Route::kIncidentsOther:
      return fixture_reply(404, decommissioned ? fx_incidents_404 : fx_404, ctx);
    case Route::kCasesQuery:
      return cases_query(req, ctx);
    case Route::kCasesEntities:
      return cases_entities(req, ctx);
    case Route::kToken:
    case Route::kUnknown:
      break;
  }
  return fixture_reply(404, fx_404, ctx);
}

Reply FakeFalcon::Impl::token(const httplib::Request& req, const RequestContext& ctx) {
  const auto form = detail::parse_form(req.body);
  const auto field = [&form](const char* name) {
    const auto it = form.find(name);
    return it == form.end() ? std::string{} : it->second;
  };
  const std::string id = field("client_id");
  const std::string secret = field("client_secret");
  if (id.empty() || secret.empty()) return fixture_reply(400, fx_token_400, ctx);
  if (id != options.client_id || secret != options.client_secret) {
    return fixture_reply(403, fx_token_403, ctx);
  }
  std::string access_token;
  {
    std::lock_guard lock(mu);
    access_token = make_token(rng);
    tokens[access_token] = options.now() + options.token_lifetime;
  }
  Reply reply = json_reply(201, {{"access_token", access_token},
                                 {"token_type", "bearer"},
                                 {"expires_in", options.token_lifetime.count()}});
  return reply;
}

bool FakeFalcon::Impl::authorized(const httplib::Request& req) {
  const std::string presented = bearer_token(req);
  if (presented.empty()) return false;
  std::lock_guard lock(mu);
  const auto it = tokens.find(presented);
  if (it == tokens.end()) return false;
  if (options.now() >= it->second) {
    tokens.erase(it);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Impl: envelopes

std::string FakeFalcon::Impl::render(const nlohmann::json& body) const {
  // replace: a test may store invalid UTF-8; serving something beats throwing in a handler.
  return body.dump(options.pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Reply FakeFalcon::Impl::json_reply(int status, const nlohmann::json& body) const {
  Reply reply;
  reply.status = status;
  reply.body = render(body);
  return reply;
}

Reply FakeFalcon::Impl::fixture_reply(int status, const nlohmann::json& fixture,
                                      const RequestContext& ctx) const {
  nlohmann::json body = fixture;
  if (body.contains("meta") && body["meta"].is_object()) {
    const std::string old_id = body["meta"].value("trace_id", std::string{});
    body["meta"]["trace_id"] = ctx.trace_id;
    body["meta"]["query_time"] = ctx.query_time;
    if (!old_id.empty() && body.contains("errors") && body["errors"].is_array()) {
      for (auto& err : body["errors"]) {
        if (!err.contains("message") || !err["message"].is_string()) continue;
        std::string msg = err["message"].get<std::string>();
        for (auto pos = msg.find(old_id); pos != std::string::npos; pos = msg.find(old_id)) {
          msg.replace(pos, old_id.size(), ctx.trace_id);
        }
        err["message"] = msg;
      }
    }
  }
  return json_reply(status, body);
}

Reply FakeFalcon::Impl::error_reply(int status, const std::string& message,
                                    std::string_view powered_by, const RequestContext& ctx) const {
  return json_reply(status,
                    {{"meta", meta(ctx, powered_by)},
                     {"errors", nlohmann::json::array({{{"code", status}, {"message", message}}})},
                     {"resources", nlohmann::json::array()}});
}

nlohmann::json FakeFalcon::Impl::meta(const RequestContext& ctx, std::string_view powered_by) {
  nlohmann::json m = {{"query_time", ctx.query_time}, {"trace_id", ctx.trace_id}};
  if (!powered_by.empty()) m["powered_by"] = powered_by;
  return m;
}

// ---------------------------------------------------------------------------------------------
// FakeFalcon: thin forwarding to Impl

FakeFalcon::FakeFalcon(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
FakeFalcon::~FakeFalcon() = default;

int FakeFalcon::port() const { return impl_->port; }
std::string FakeFalcon::base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }
void FakeFalcon::stop() { impl_->stop(); }

namespace {

detail::OrderedStore::Key key_of(const nlohmann::json& doc, const char* time_field,
                                 const char* id_field, bool time_required) {
  if (!doc.is_object() || !doc.contains(id_field) || !doc[id_field].is_string()) {
    throw std::invalid_argument(std::string("FakeFalcon: document needs a string '") + id_field +
                                "'");
  }
  std::int64_t ns = INT64_MIN;
  if (doc.contains(time_field) && doc[time_field].is_string()) {
    const auto parsed = AlertFactory::parse_rfc3339(doc[time_field].get<std::string>());
    if (parsed) ns = *parsed;
  }
  if (time_required && ns == INT64_MIN) {
    throw std::invalid_argument(std::string("FakeFalcon: document needs an RFC 3339 '") +
                                time_field + "'");
  }
  return {ns, doc[id_field].get<std::string>()};
}

}  // namespace

void FakeFalcon::add_alert(nlohmann::json alert) {
  auto key = key_of(alert, "created_timestamp", "composite_id", true);
  std::lock_guard lock(impl_->mu);
  impl_->alerts.upsert(std::move(key), std::move(alert));
}

void FakeFalcon::add_alerts(std::vector<nlohmann::json> alerts) {
  std::vector<detail::OrderedStore::Key> keys;
  keys.reserve(alerts.size());
  for (const auto& a : alerts) keys.push_back(key_of(a, "created_timestamp", "composite_id", true));
  std::lock_guard lock(impl_->mu);
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    impl_->alerts.upsert(std::move(keys[i]), std::move(alerts[i]));
  }
}

std::vector<nlohmann::json> FakeFalcon::alerts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->alerts.all();
}

std::size_t FakeFalcon::alert_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->alerts.items.size();
}

void FakeFalcon::add_incident(nlohmann::json incident) {
  auto key = key_of(incident, "modified_timestamp", "incident_id", false);
  std::lock_guard lock(impl_->mu);
  impl_->incidents.upsert(std::move(key), std::move(incident));
}

std::vector<nlohmann::json> FakeFalcon::incidents() const {
  std::lock_guard lock(impl_->mu);
  return impl_->incidents.all();
}

void FakeFalcon::set_incidents_decommissioned(bool decommissioned) {
  std::lock_guard lock(impl_->mu);
  impl_->options.incidents_decommissioned = decommissioned;
}

void FakeFalcon::add_case(nlohmann::json case_object) {
  auto key = key_of(case_object, "updated_timestamp", "id", true);
  std::lock_guard lock(impl_->mu);
  impl_->cases.upsert(std::move(key), std::move(case_object));
}

std::vector<nlohmann::json> FakeFalcon::cases() const {
  std::lock_guard lock(impl_->mu);
  return impl_->cases.all();
}

void FakeFalcon::hide_case_from_entities(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  impl_->hidden_cases.insert(id);
}

void FakeFalcon::expire_all_tokens() {
  std::lock_guard lock(impl_->mu);
  impl_->tokens.clear();
}

void FakeFalcon::inject(Fault fault, int count, std::string path_prefix) {
  inject_after(0, fault, count, std::move(path_prefix));
}

void FakeFalcon::inject_after(int after_requests, Fault fault, int count, std::string path_prefix) {
  if (count <= 0) return;
  std::lock_guard lock(impl_->mu);
  impl_->fault_queue.push_back({fault, count, std::move(path_prefix), std::max(after_requests, 0)});
}

void FakeFalcon::set_raw_replacement(std::string needle, std::string replacement) {
  if (needle.empty()) return;
  std::lock_guard lock(impl_->mu);
  impl_->raw_replacements[std::move(needle)] = std::move(replacement);
}

void FakeFalcon::clear_raw_replacements() {
  std::lock_guard lock(impl_->mu);
  impl_->raw_replacements.clear();
}

void FakeFalcon::set_random_faults(double probability, std::uint64_t seed,
                                   std::vector<Fault> kinds) {
  std::lock_guard lock(impl_->mu);
  impl_->random_fault_probability = probability;
  impl_->random_fault_kinds = std::move(kinds);
  impl_->fault_rng.seed(seed);
}

void FakeFalcon::clear_faults() {
  std::lock_guard lock(impl_->mu);
  impl_->fault_queue.clear();
  impl_->random_fault_probability = 0.0;
  impl_->random_fault_kinds.clear();
}

int FakeFalcon::token_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->token_count;
}

int FakeFalcon::api_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->api_count;
}

int FakeFalcon::faults_served() const {
  std::lock_guard lock(impl_->mu);
  return impl_->fault_count;
}

std::vector<FakeFalcon::Recorded> FakeFalcon::requests() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->recorded.begin(), impl_->recorded.end()};
}

void FakeFalcon::clear_requests() {
  std::lock_guard lock(impl_->mu);
  impl_->recorded.clear();
}

}  // namespace csbridge::testing
