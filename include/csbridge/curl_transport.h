#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "csbridge/http.h"

namespace csbridge {

/// Process-wide libcurl initialisation; construct first in main, before any thread starts.
class CurlGlobal {
 public:
  CurlGlobal();  ///< throws std::runtime_error if libcurl cannot initialise
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

struct CurlOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds{10}};
  std::chrono::milliseconds total_timeout{std::chrono::seconds{120}};
  std::size_t max_body_bytes{256U * 1024U * 1024U};  ///< larger responses fail with kTooLarge
  std::string ca_bundle{};                           ///< empty: the system trust store
  std::string proxy{};  ///< empty: libcurl's usual environment variables (https_proxy...)
  std::string user_agent{"cs-bridge"};
};

/// Builds the libcurl transport. Not thread-safe: one per thread (it owns one easy handle,
/// reused so connections and TLS sessions are kept alive between requests).
/// TLS peer and host verification are always on; plain http is refused unless the host is a
/// loopback address (test servers).
[[nodiscard]] std::unique_ptr<HttpTransport> make_curl_transport(CurlOptions options);

/// True if `url` is https://, or http:// to 127.0.0.0/8, [::1] or localhost.
[[nodiscard]] bool is_allowed_url(const std::string& url);

}  // namespace csbridge
