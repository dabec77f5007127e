#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "csbridge/clock.h"
#include "csbridge/credentials.h"
#include "csbridge/http.h"
#include "csbridge/result.h"

namespace csbridge {

/// OAuth2 client-credentials flow against POST /oauth2/token, with a token cache.
/// Not thread-safe. Makes at most one HTTP request per call; retrying is the caller's job.
class OAuth2Client {
 public:
  /// `renew_window`: a cached token is replaced this long before it expires (FalconPy: 120 s);
  /// capped at half the token's lifetime so short-lived tokens are still reused.
  OAuth2Client(HttpTransport& transport, Clock& clock, Credentials credentials,
               std::string base_url, std::chrono::seconds renew_window = std::chrono::seconds{120});

  /// A valid bearer token, from the cache or a new token request.
  /// Errors: kAuth (400/403: bad credentials, IP allow-list), kRateLimited, kServer,
  /// kTransport/kTimeout, kParse (a 2xx body without a token).
  [[nodiscard]] Result<std::string> token();

  /// Forgets the cached token (after a 401 from an API call).
  void invalidate() { token_.reset(); }

  /// Number of token requests sent so far (health/diagnostics).
  [[nodiscard]] int token_requests() const { return token_requests_; }

 private:
  HttpTransport& transport_;
  Clock& clock_;
  Credentials credentials_;
  std::string base_url_;
  std::chrono::seconds renew_window_;
  std::optional<std::string> token_;
  Clock::MonoTime renew_at_{};
  int token_requests_{0};
};

/// application/x-www-form-urlencoded escaping of one value.
[[nodiscard]] std::string form_urlencode(std::string_view value);

}  // namespace csbridge
