#include "csbridge/falcon_client.h"

#include <spdlog/spdlog.h>

#include "csbridge/api_error.h"
#include "csbridge/backoff.h"

namespace csbridge {

using std::chrono::milliseconds;

FalconClient::FalconClient(HttpTransport& transport, Clock& clock, OAuth2Client& oauth,
                           std::string base_url, RetryPolicy policy,
                           std::function<double()> random_unit)
    : transport_(transport),
      clock_(clock),
      oauth_(oauth),
      base_url_(std::move(base_url)),
      policy_(policy),
      random_unit_(std::move(random_unit)) {}

bool FalconClient::wait_before_retry(const Error& e, int attempt, StopSignal& stop) {
  milliseconds wait = backoff_delay(attempt, policy_.base, policy_.cap, random_unit_());
  if (e.code == ErrorCode::kRateLimited) {
    // Retrying exactly at RetryAfter often meets another 429: add jitter on top.
    const milliseconds hint = e.retry_after.value_or(policy_.base);
    wait = std::min(
        policy_.max_rate_limit_wait,
        hint + milliseconds{static_cast<milliseconds::rep>(
                   static_cast<double>(policy_.rate_limit_jitter.count()) * random_unit_())});
  }
  spdlog::warn("{}, retrying in {:.1f}s (attempt {}/{})", e.message,
               static_cast<double>(wait.count()) / 1000.0, attempt, policy_.max_attempts);
  return clock_.sleep_for(wait, stop);
}

Status FalconClient::call_raw(HttpRequest request, StopSignal& stop,
                              const std::function<Status(const HttpResponse&)>& on_success) {
  const std::string what = request.method + " " + request.url;
  request.url = base_url_ + request.url;
  bool reauthenticated = false;
  for (int attempt = 1;; ++attempt) {
    if (stop.stop_requested()) return Error{ErrorCode::kStopped, "stopped"};
    Error failure;
    auto token = oauth_.token();
    if (!token) {
      failure = std::move(token).error();
    } else {
      HttpRequest authed = request;
      authed.headers.emplace_back("Authorization", "Bearer " + token.value());
      authed.headers.emplace_back("Accept", "application/json");
      auto sent = transport_.send(authed);
      if (!sent) {
        failure = std::move(sent).error();
        failure.message = what + ": " + failure.message;
      } else if (const HttpResponse& resp = sent.value(); resp.status / 100 == 2) {
        Status st = on_success(resp);
        if (st) return st;
        failure = std::move(st).error();
        if (failure.trace_id.empty()) failure.trace_id = resp.header("x-cs-traceid");
        failure.message = what + ": " + failure.message;
        if (!failure.trace_id.empty()) failure.message += " (trace_id " + failure.trace_id + ")";
      } else if (resp.status == 401 && !reauthenticated) {
        // Expired or revoked token: one fresh token and one retry, without a backoff.
        spdlog::info("{} answered 401, getting a new token and retrying once", what);
        oauth_.invalidate();
        reauthenticated = true;
        --attempt;
        continue;
      } else {
        failure = api_error(resp, what);
        if (resp.status == 429) {
          failure.retry_after = parse_rate_limit_retry_after(resp.header("x-ratelimit-retryafter"),
                                                             clock_.system_now());
          if (!failure.retry_after) {
            failure.retry_after = parse_retry_after_seconds(resp.header("retry-after"));
          }
        }
        if (resp.status == 401) failure.code = ErrorCode::kAuth;
      }
    }
    if (!is_transient(failure) || attempt >= policy_.max_attempts) return failure;
    if (!wait_before_retry(failure, attempt, stop)) return Error{ErrorCode::kStopped, "stopped"};
  }
}

}  // namespace csbridge
