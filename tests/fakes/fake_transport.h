#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "csbridge/http.h"
#include "csbridge/result.h"

namespace csbridge::testing {

/// An HttpTransport that answers from a script. Every request is recorded in `requests`.
/// With a handler set, the handler answers every request; otherwise the queued results are
/// returned in order, and a request beyond the script is a test failure.
class FakeTransport final : public csbridge::HttpTransport {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  /// A response with `status`, `body` and headers (names are lower-cased as the real
  /// transport does).
  [[nodiscard]] static HttpResponse response(
      int status, std::string body = {}, const std::map<std::string, std::string>& headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    for (const auto& [name, value] : headers) {
      std::string lower = name;
      for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      r.headers[lower] = value;
    }
    return r;
  }

  void enqueue(Result<HttpResponse> result) { script_.push_back(std::move(result)); }
  void enqueue(int status, std::string body = {},
               const std::map<std::string, std::string>& headers = {}) {
    script_.emplace_back(response(status, std::move(body), headers));
  }
  void enqueue_error(ErrorCode code, std::string message) {
    script_.emplace_back(Error{code, std::move(message)});
  }

  void set_handler(Handler handler) { handler_ = std::move(handler); }

  /// Scripted results not consumed yet.
  [[nodiscard]] std::size_t remaining() const { return script_.size(); }

  Result<HttpResponse> send(const HttpRequest& request) override {
    requests.push_back(request);
    if (handler_) return handler_(request);
    if (script_.empty()) {
      ADD_FAILURE() << "FakeTransport: unscripted request " << request.method << " " << request.url;
      return Error{ErrorCode::kTransport, "FakeTransport: unscripted request"};
    }
    Result<HttpResponse> next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

  /// The value of header `name` (exact, case-insensitive match) in `request`, if present.
  [[nodiscard]] static std::optional<std::string> header(const HttpRequest& request,
                                                         const std::string& name) {
    const auto lower = [](std::string s) {
      for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return s;
    };
    for (const auto& [n, v] : request.headers) {
      if (lower(n) == lower(name)) return v;
    }
    return std::nullopt;
  }

  /// Every request sent, in order.
  std::vector<HttpRequest> requests{};

 private:
  std::deque<Result<HttpResponse>> script_{};
  Handler handler_{};
};

}  // namespace csbridge::testing
