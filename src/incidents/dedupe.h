#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csbridge/delivery.h"
#include "csbridge/timestamp.h"

namespace csbridge::incidents {

/// What to do with one hydrated record, given the seen set.
struct DedupeDecision {
  bool write{false};                          ///< emit its rows
  std::optional<std::string> event_action{};  ///< "created" / "updated" (--emit-updates only)
  std::vector<std::string> keys{};            ///< to add to the seen set once committed
};

/// The seen-set key of one version of a record: "<id>#<version>".
[[nodiscard]] std::string version_key(std::string_view id, std::string_view version);

/// The seen-set key that says "the versions of this id are tracked" (it was first written with
/// --emit-updates): "<id>#".
[[nodiscard]] std::string tracked_key(std::string_view id);

/// The record's version as text: a string as it is, a number as JSON; nullopt if the field is
/// missing, null, empty or not a scalar.
[[nodiscard]] std::optional<std::string> version_of(const nlohmann::ordered_json& record,
                                                    std::string_view field);

/// Inputs of decide().
struct DedupeInput {
  std::string_view id{};
  std::optional<std::string> version{};
  std::optional<Timestamp> time{};             ///< the record's time field
  std::optional<Timestamp> start_watermark{};  ///< the watermark when the cycle began
  bool emit_updates{false};
};

/// The dedupe rule. Default (the seed's): each id is written once, ever; key "<id>".
/// With emit_updates, each version is written once: the first as "created" (keys "<id>",
/// "<id>#" and "<id>#<version>"), later ones as "updated" (key "<id>#<version>"). An id
/// written before its versions were tracked (by the seed, or without --emit-updates) has no
/// "<id>#": a version of it whose time is not after the watermark the cycle began with is the
/// one already written, so its keys are recorded and nothing is written; a later one is an
/// update. Without a version, emit_updates can only tell "created".
[[nodiscard]] DedupeDecision decide(const std::function<bool(std::string_view)>& seen,
                                    const DedupeInput& input);

/// The seen-set keys of one output row, for crash recovery (Delivery::recover rebuilds the
/// state from rows written after the last save): the row's `id_key` value, and with
/// emit_updates also its tracked and version keys (from `version_key_name`). No timestamp:
/// the watermark stays where the last save left it, and the records are read again and
/// skipped. A row without a string id gives no keys.
[[nodiscard]] RecordKeys row_keys(const nlohmann::json& row, std::string_view id_key,
                                  std::string_view version_key_name, bool emit_updates);

}  // namespace csbridge::incidents
