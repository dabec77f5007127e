#include "csbridge/oauth2_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "csbridge/api_error.h"
#include "csbridge/backoff.h"

namespace csbridge {

std::string form_urlencode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0f];
    }
  }
  return out;
}

OAuth2Client::OAuth2Client(HttpTransport& transport, Clock& clock, Credentials credentials,
                           std::string base_url, std::chrono::seconds renew_window)
    : transport_(transport),
      clock_(clock),
      credentials_(std::move(credentials)),
      base_url_(std::move(base_url)),
      renew_window_(renew_window) {}

Result<std::string> OAuth2Client::token() {
  if (token_ && clock_.steady_now() < renew_at_) return *token_;
  token_.reset();

  spdlog::info("Getting OAuth2 token...");
  HttpRequest req;
  req.method = "POST";
  req.url = base_url_ + "/oauth2/token";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = "client_id=" + form_urlencode(credentials_.client_id) +
             "&client_secret=" + form_urlencode(credentials_.client_secret);
  if (!credentials_.member_cid.empty()) {
    req.body += "&member_cid=" + form_urlencode(credentials_.member_cid);
  }
  ++token_requests_;
  auto sent = transport_.send(req);
  if (!sent) return std::move(sent).error();
  const HttpResponse& resp = sent.value();

  if (resp.status != 201 && resp.status != 200) {
    Error e = api_error(resp, "POST /oauth2/token");
    if (resp.status == 429) {
      e.retry_after =
          parse_rate_limit_retry_after(resp.header("x-ratelimit-retryafter"), clock_.system_now());
    } else if (resp.status >= 400 && resp.status < 500) {
      e.code = ErrorCode::kAuth;
      e.message +=
          ": check the API client id/secret, its scopes, the cloud (--base-url) and "
          "the IP allow-list";
    } else if (resp.status >= 300 && resp.status < 400) {
      // Redirects are never followed here (--cloud auto follows trusted ones: cloud.h).
      e.code = ErrorCode::kAuth;
      e.message += ": the API client belongs to another cloud (X-Cs-Region '" +
                   sanitize_for_log(resp.header("x-cs-region"), 20) + "', Location '" +
                   sanitize_for_log(resp.header("location"), 120) +
                   "'); set --cloud to that cloud, or --cloud auto";
    }
    return e;
  }
  const auto doc = nlohmann::json::parse(resp.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string() ||
      doc["access_token"].get_ref<const std::string&>().empty()) {
    // Never echo the body: a half-valid token response could still carry the token.
    return Error{ErrorCode::kParse, "token response without an access_token", resp.status,
                 sanitize_for_log(resp.header("x-cs-traceid"), 80)};
  }
  std::int64_t expires_in = 1799;  // documented lifetime when the field is missing
  if (auto it = doc.find("expires_in"); it != doc.end() && it->is_number_integer()) {
    // Clamped: Falcon tokens live 30 min, and a huge value would overflow the time point.
    expires_in = std::clamp<std::int64_t>(it->get<std::int64_t>(), 1, 86'400);
  }
  const auto lifetime = std::chrono::seconds{expires_in};
  const auto window = std::min(renew_window_, lifetime / 2);
  renew_at_ = clock_.steady_now() + lifetime - window;
  token_ = doc["access_token"].get<std::string>();
  spdlog::info("Obtained OAuth2 token.");
  return *token_;
}

}  // namespace csbridge
