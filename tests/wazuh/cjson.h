#pragma once

/// \file
/// The parts of cJSON 1.7 that Wazuh 4.14's JSON decoder and logcollector depend on, redone in
/// C++ so the evaluator reproduces Wazuh byte for byte: how a line is parsed (what is accepted,
/// where a string is cut, how a number is read) and how cJSON_Print / cJSON_PrintUnformatted
/// write a value back (Wazuh stores a JSON array as one field holding cJSON_Print's text).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wazuh::cjson {

/// The cJSON item types (cJSON_Raw and cJSON_Invalid never come out of the parser).
enum class Type { kFalse, kTrue, kNull, kNumber, kString, kArray, kObject };

/// One parsed item. As in cJSON, keys and strings are C strings: a decoded \u0000 ends them.
struct Item {
  Type type = Type::kNull;
  std::string key{};             ///< member name (objects only), cut at the first NUL
  std::string text{};            ///< kString: the decoded value, cut at the first NUL
  double number = 0.0;           ///< kNumber: cJSON's valuedouble
  int number_int = 0;            ///< kNumber: cJSON's valueint (saturated to INT_MIN..INT_MAX)
  std::vector<Item> children{};  ///< kArray / kObject members, document order, duplicates kept
};

/// A parsed value and the number of bytes of the input it used.
struct Parsed {
  Item item{};
  std::size_t consumed = 0;
};

/// cJSON's nesting limit (CJSON_NESTING_LIMIT): deeper arrays/objects fail to parse.
inline constexpr std::size_t kNestingLimit = 1000;

/// Parses `text` as cJSON_ParseWithOpts(text, &end, 0) does: the input is a C string (it ends at
/// the first NUL byte), a UTF-8 BOM and leading bytes <= 0x20 are skipped, numbers are read with
/// strtod over at most 63 characters of [0-9+-eE.], and anything after the first complete value
/// is ignored. Returns nullopt exactly where cJSON returns NULL. Never throws on any input.
[[nodiscard]] std::optional<Parsed> parse(std::string_view text);

/// cJSON_Print (`formatted` = true: ", " between array elements, objects on several lines with
/// tab indentation) or cJSON_PrintUnformatted (`formatted` = false) of `item`.
[[nodiscard]] std::string print(const Item& item, bool formatted);

}  // namespace wazuh::cjson
