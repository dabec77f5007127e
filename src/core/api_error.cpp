#include "csbridge/api_error.h"

#include <nlohmann/json.hpp>

namespace csbridge {

std::string sanitize_for_log(std::string_view text, std::size_t max_len) {
  std::string out;
  out.reserve(std::min(text.size(), max_len));
  for (const char c : text) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

Error api_error(const HttpResponse& response, std::string_view what) {
  Error e;
  e.http_status = response.status;
  e.code = response.status == 429   ? ErrorCode::kRateLimited
           : response.status >= 500 ? ErrorCode::kServer
                                    : ErrorCode::kHttpStatus;
  e.trace_id = sanitize_for_log(response.header("x-cs-traceid"), 80);
  std::string api_message;
  // Error bodies are small; a DOM parse is fine here (never on the record hot path).
  if (response.body.size() <= 64U * 1024U) {
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_object()) {
      if (auto m = doc.find("meta"); m != doc.end() && m->is_object()) {
        if (auto t = m->find("trace_id"); t != m->end() && t->is_string()) {
          e.trace_id = sanitize_for_log(t->get<std::string>(), 80);
        }
      }
      if (auto errs = doc.find("errors"); errs != doc.end() && errs->is_array()) {
        for (const auto& item : *errs) {
          if (!item.is_object()) continue;
          auto msg = item.find("message");
          if (msg == item.end() || !msg->is_string()) continue;
          if (!api_message.empty()) api_message += "; ";
          api_message += msg->get<std::string>();
        }
      }
    }
  }
  if (api_message.empty()) {
    api_message = response.body.empty() ? "(empty body)" : "(no API message)";
  }
  e.message = "HTTP " + std::to_string(response.status) + " from " + std::string{what} + ": '" +
              sanitize_for_log(api_message) + "'";
  if (!e.trace_id.empty()) e.message += " (trace_id " + e.trace_id + ")";
  return e;
}

}  // namespace csbridge
