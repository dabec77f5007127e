#pragma once

/// \file
/// $(field) expansion of a rule description, as ParseRuleComment (analysisd/eventinfo.c) does it:
/// * `$(name)` is replaced by the static slot of that exact name (dstuser srcuser srcip dstip
///   srcport dstport protocol action id url data status extra_data system_name), else by the
///   pre-decoded program_name/hostname (JSON events have none: empty), else by the first dynamic
///   field of that name ignoring case; a missing field expands to nothing, an array to its text;
/// * a `$(` without a closing `)` is kept as text;
/// * when the expansion would reach OS_COMMENT_MAX (1024) bytes, the whole description falls back
///   to the raw template, "$(description)" included.

#include <cstddef>
#include <string>
#include <string_view>

#include "wazuh/json_decoder.h"

namespace wazuh {

/// OS_COMMENT_MAX: an expansion must stay below this many bytes.
inline constexpr std::size_t kCommentMax = 1024;

/// Expands `description` for `event`.
[[nodiscard]] std::string expand_description(std::string_view description,
                                             const DecodedEvent& event);

}  // namespace wazuh
