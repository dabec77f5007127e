#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csbridge/http.h"
#include "csbridge/result.h"

namespace csbridge::incidents {

/// One page of an ids query (GET /cases/queries/cases/v1, GET /incidents/queries/incidents/v1).
struct IdPage {
  std::vector<std::string> ids{};
  std::optional<std::int64_t> total{};  ///< meta.pagination.total, when the API sent it
};

/// Parses a 2xx ids-query body: the Falcon envelope with resources[] of strings. Never throws.
/// Errors: kParse for anything but such an envelope (no resources[], objects in it, broken
/// JSON), which FalconClient retries; kServer for a non-empty errors[] (e.g. a scope problem
/// answered with 200), carrying the API's messages and trace id.
[[nodiscard]] Result<IdPage> parse_id_page(const HttpResponse& response);

/// Parses a 2xx entities body: the Falcon envelope with resources[] of objects, returned in
/// the API's order with their keys in the API's order (invalid UTF-8 already replaced).
/// String entries are skipped. errors[] entries that all carry code 404 (ids not found) are
/// tolerated, since missing ids are the caller's to detect; other errors[] give kServer.
/// Errors and retries as parse_id_page. Never throws.
[[nodiscard]] Result<std::vector<nlohmann::ordered_json>> parse_entities(
    const HttpResponse& response);

/// Entities matched to the ids that were asked for.
struct MatchedEntities {
  std::vector<nlohmann::ordered_json> records{};  ///< in the order of the requested ids
  std::vector<std::string> missing{};             ///< requested ids the API did not return
  std::size_t unrequested{0};  ///< entities without a requested id (or a repeated one)
};

/// Pairs entities with `requested` by their string field `id_field`, never by position: the
/// entities calls answer in arbitrary order and may omit ids (merged or access-restricted).
[[nodiscard]] MatchedEntities match_by_id(std::vector<nlohmann::ordered_json> entities,
                                          const std::vector<std::string>& requested,
                                          std::string_view id_field);

}  // namespace csbridge::incidents
