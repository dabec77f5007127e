#pragma once

#include <string>
#include <string_view>

#include "csbridge/http.h"
#include "csbridge/result.h"

namespace csbridge {

/// Turns a non-2xx Falcon response into an Error carrying the API's own message
/// (errors[].message) and trace id (meta.trace_id or X-Cs-Traceid), sanitised and bounded.
/// `what` names the call, e.g. "POST /alerts/combined/alerts/v1". 429 → kRateLimited,
/// 5xx → kServer, 401/403 on the token endpoint are the caller's to reclassify.
[[nodiscard]] Error api_error(const HttpResponse& response, std::string_view what);

/// Makes untrusted text safe for one log line: control characters become spaces, length bounded.
[[nodiscard]] std::string sanitize_for_log(std::string_view text, std::size_t max_len = 300);

}  // namespace csbridge
