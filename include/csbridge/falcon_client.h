#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "csbridge/clock.h"
#include "csbridge/http.h"
#include "csbridge/oauth2_client.h"
#include "csbridge/result.h"

namespace csbridge {

struct RetryPolicy {
  int max_attempts{8};                                     ///< per request, transient failures only
  std::chrono::milliseconds base{1000};                    ///< first backoff ceiling
  std::chrono::milliseconds cap{60'000};                   ///< backoff ceiling
  std::chrono::milliseconds max_rate_limit_wait{600'000};  ///< clamp for X-RateLimit-RetryAfter
  std::chrono::milliseconds rate_limit_jitter{2000};       ///< added to RetryAfter, spreads clients
};

/// Falcon API requests with bearer auth, token renewal and retries:
/// 401 → one re-authentication and one retry; 429 → wait X-RateLimit-RetryAfter (+jitter,
/// capped); 5xx, timeouts, resets and bodies the parser rejects → capped exponential backoff
/// with full jitter. Other statuses (400/403/404...) return at once as errors carrying the
/// API's message and trace id. Every wait ends early on `stop`. Not thread-safe.
class FalconClient {
 public:
  /// Parses a 2xx response; an Error with kParse (garbled body) is retried like a 5xx.
  template <class T>
  using Parser = std::function<Result<T>(const HttpResponse&)>;

  FalconClient(HttpTransport& transport, Clock& clock, OAuth2Client& oauth, std::string base_url,
               RetryPolicy policy, std::function<double()> random_unit);

  /// Sends `request` (its url is a path such as "/alerts/combined/alerts/v1") and parses the
  /// 2xx response with `parse`, retrying transient failures per the policy.
  template <class T>
  [[nodiscard]] Result<T> call(HttpRequest request, const Parser<T>& parse, StopSignal& stop) {
    std::optional<T> parsed;
    Status st = call_raw(std::move(request), stop, [&](const HttpResponse& r) -> Status {
      auto p = parse(r);
      if (!p) return std::move(p).error();
      parsed.emplace(std::move(p).value());
      return ok();
    });
    if (!st) return std::move(st).error();
    return std::move(*parsed);
  }

  [[nodiscard]] const std::string& base_url() const { return base_url_; }

 private:
  Status call_raw(HttpRequest request, StopSignal& stop,
                  const std::function<Status(const HttpResponse&)>& on_success);
  /// Waits before the next attempt; false if the stop fired.
  bool wait_before_retry(const Error& e, int attempt, StopSignal& stop);

  HttpTransport& transport_;
  Clock& clock_;
  OAuth2Client& oauth_;
  std::string base_url_;
  RetryPolicy policy_;
  std::function<double()> random_unit_;
};

}  // namespace csbridge
