#include "api_pages.h"

#include <algorithm>
#include <unordered_map>

#include "csbridge/api_error.h"
#include "csbridge/page_scanner.h"

namespace csbridge::incidents {
namespace {

/// An Error for a 2xx answer that carries errors[] (not data: retried, then the cycle fails).
Error errors_in_2xx(const ScannedPage& page, int status) {
  std::string messages;
  for (const auto& e : page.errors) {
    if (!messages.empty()) messages += "; ";
    messages += std::to_string(e.code) + " " + e.message;
  }
  return Error{
      ErrorCode::kServer,
      "errors in a " + std::to_string(status) + " response: '" + sanitize_for_log(messages) + "'",
      status, page.trace_id};
}

Result<ScannedPage> scan_envelope(const HttpResponse& response) {
  auto page = scan_page(response.body, ScanSpec{});
  if (!page) return page;
  if (!page.value().has_resources) {
    return Error{ErrorCode::kParse, "the response has no resources array", response.status,
                 page.value().trace_id};
  }
  return page;
}

}  // namespace

Result<IdPage> parse_id_page(const HttpResponse& response) {
  auto scanned = scan_envelope(response);
  if (!scanned) return std::move(scanned).error();
  ScannedPage& page = scanned.value();
  if (!page.errors.empty()) return errors_in_2xx(page, response.status);
  if (!page.records.empty()) {
    return Error{ErrorCode::kParse, "an ids query answered objects instead of id strings",
                 response.status, page.trace_id};
  }
  IdPage out;
  out.ids = std::move(page.string_resources);
  out.total = page.total;
  return out;
}

Result<std::vector<nlohmann::ordered_json>> parse_entities(const HttpResponse& response) {
  auto scanned = scan_envelope(response);
  if (!scanned) return std::move(scanned).error();
  const ScannedPage& page = scanned.value();
  const bool only_not_found = std::all_of(page.errors.begin(), page.errors.end(),
                                          [](const ApiError& e) { return e.code == 404; });
  if (!only_not_found) return errors_in_2xx(page, response.status);
  std::vector<nlohmann::ordered_json> out;
  out.reserve(page.records.size());
  for (const auto& record : page.records) {
    // The scanner has validated and sanitised each line, so this parse cannot fail.
    auto doc = nlohmann::ordered_json::parse(page.line(record), nullptr, false);
    if (doc.is_discarded()) {
      return Error{ErrorCode::kParse, "an entity could not be parsed", response.status,
                   page.trace_id};
    }
    out.push_back(std::move(doc));
  }
  return out;
}

MatchedEntities match_by_id(std::vector<nlohmann::ordered_json> entities,
                            const std::vector<std::string>& requested, std::string_view id_field) {
  std::unordered_map<std::string_view, std::size_t> wanted;  // id → slot in `requested`
  wanted.reserve(requested.size());
  for (std::size_t i = 0; i < requested.size(); ++i) wanted.emplace(requested[i], i);
  std::vector<std::optional<nlohmann::ordered_json>> slots(requested.size());
  MatchedEntities out;
  for (auto& entity : entities) {
    const auto id = entity.is_object() ? entity.find(id_field) : entity.end();
    if (id == entity.end() || !id->is_string()) {
      ++out.unrequested;
      continue;
    }
    const auto it = wanted.find(id->get_ref<const std::string&>());
    if (it == wanted.end() || slots[it->second]) {
      ++out.unrequested;
      continue;
    }
    slots[it->second] = std::move(entity);
  }
  for (std::size_t i = 0; i < requested.size(); ++i) {
    if (slots[i]) {
      out.records.push_back(std::move(*slots[i]));
    } else if (wanted.at(requested[i]) == i) {  // a repeated request id counts once
      out.missing.push_back(requested[i]);
    }
  }
  return out;
}

}  // namespace csbridge::incidents
