#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace csbridge {

/// What went wrong, coarse enough for retry decisions.
enum class ErrorCode {
  kTransport,    ///< connection refused/reset, DNS, TLS: retryable
  kTimeout,      ///< connect or total timeout: retryable
  kHttpStatus,   ///< a non-retryable HTTP status (400/403/404...)
  kRateLimited,  ///< 429 after retries were exhausted
  kServer,       ///< 5xx after retries were exhausted
  kAuth,         ///< token request refused (bad credentials, IP allow-list)
  kParse,        ///< a body or file that is not what it should be
  kIo,           ///< local disk I/O
  kConfig,       ///< bad configuration or missing credentials
  kStopped,      ///< the stop signal fired while waiting
  kTooLarge,     ///< a remote response above the configured size bound
};

/// An error value. `message` is for humans and never contains secrets.
struct Error {
  ErrorCode code{ErrorCode::kTransport};
  std::string message{};
  int http_status{0};      ///< HTTP status when the error came from a response
  std::string trace_id{};  ///< X-Cs-Traceid / meta.trace_id when known
  /// Server-requested wait before retrying (429 X-RateLimit-RetryAfter), already relative.
  std::optional<std::chrono::milliseconds> retry_after{};
};

/// True for failures worth retrying: the network, the server, rate limits, a garbled body.
[[nodiscard]] inline bool is_transient(const Error& e) {
  switch (e.code) {
    case ErrorCode::kTransport:
    case ErrorCode::kTimeout:
    case ErrorCode::kRateLimited:
    case ErrorCode::kServer:
    case ErrorCode::kParse:
    case ErrorCode::kTooLarge:
      return true;
    default:
      return false;
  }
}

/// Value-or-Error; an API subset of std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const Error& error() const& { return std::get<1>(v_); }
  [[nodiscard]] Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

using Status = Result<std::monostate>;
inline Status ok() { return std::monostate{}; }

}  // namespace csbridge
