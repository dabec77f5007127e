#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "csbridge/result.h"

namespace csbridge {

struct HttpRequest {
  std::string method{"GET"};
  std::string url{};  ///< absolute URL
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
};

struct HttpResponse {
  int status{0};
  std::map<std::string, std::string> headers{};  ///< names lower-cased
  std::string body{};

  /// Header value by lower-case name, empty if absent.
  [[nodiscard]] std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// One HTTP exchange. Transport failures are Errors; any HTTP status is a response.
/// Implementations never log request headers or bodies (they carry credentials).
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  [[nodiscard]] virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace csbridge
