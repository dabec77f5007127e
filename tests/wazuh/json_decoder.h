#pragma once

/// \file
/// What wazuh-analysisd 4.14 makes of one log line before any rule runs: which decoder takes it
/// (the stock `json` decoder, `json-msgraph`, or none) and the fields the JSON decoder plugin
/// extracts. Reproduces, byte for byte, the decoding half of tests/data/wazuh-vectors.
///
/// Decoder choice:
/// * `json-msgraph` when the line contains the text "integration":"ms-graph" (its prematch, any
///   position); it is the JSON plugin with <json_null_field>discard</json_null_field>;
/// * else `json` when the line starts with `{`, optional spaces (0x20 only), then `"`;
/// * else no decoder: no fields, but <match> rules still see the raw line.
/// A JSON decoder whose input does not parse leaves zero fields and logs nothing (decoded anyway).
///
/// Fields (src/analysisd/decoders/plugins/json_decoder.c):
/// * nested objects give dot-joined names ("device.platform_id"), keys kept verbatim (a key "a.b"
///   and a->b give the same name; "" parts still get their dot); `{}` gives no field;
/// * strings as decoded; `true`/`false`/`null` as those words; a number prints with "%i" when its
///   double equals cJSON's saturated int, else "%f" (80.5 -> "80.500000", 2^31 ->
///   "2147483648.000000"), cut at 63 bytes; an array is ONE field holding cJSON_Print's text;
/// * top-level keys srcip dstip srcport dstport protocol action srcuser dstuser id status url data
///   extra_data systemname (case-sensitive) fill static slots instead (last one wins), and `user`
///   fills dstuser while that slot is unset, else it is an ordinary field named user; an object
///   under a static key is flattened into ordinary fields (data.x);
/// * only the first `decoder_order_size` (256) dynamic fields are kept, in document order; each
///   further one is dropped with "ERROR: Too many fields for JSON decoder." (static slots are
///   neither counted nor capped).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wazuh {

/// analysisd.decoder_order_size default (internal_options.conf).
inline constexpr std::size_t kDefaultDecoderOrderSize = 256;

/// The message logged once per dropped field.
inline constexpr std::string_view kTooManyFieldsError = "ERROR: Too many fields for JSON decoder.";

/// One assignment to a static Eventinfo slot, in order ("user" -> slot "dstuser").
struct StaticAssignment {
  std::string key{};    ///< the JSON key as written ("systemname")
  std::string slot{};   ///< the slot in alert-JSON spelling ("system_name")
  std::string value{};  ///< the text assigned
};

/// The decoded event: what rules can look at.
struct DecodedEvent {
  std::string log{};         ///< the line as rules see it in <match> (cut at a NUL byte)
  std::string decoder{};     ///< "json", "json-msgraph", or "" when no decoder took the line
  bool json_parsed = false;  ///< a JSON decoder took the line and cJSON parsed it
  std::vector<std::pair<std::string, std::string>> fields{};  ///< dynamic fields, in order
  std::vector<StaticAssignment> static_list{};                ///< every static assignment
  std::size_t dropped_fields = 0;  ///< fields lost to the cap (= "Too many fields" errors)

  /// FindField: the first dynamic field whose name equals `name` ignoring ASCII case.
  [[nodiscard]] const std::string* find_field(std::string_view name) const;
  /// The final value of a static slot (alert-JSON spelling: "dstuser", "system_name"...).
  [[nodiscard]] const std::string* static_slot(std::string_view slot) const;
  /// All static slots that were set, final values, keyed by slot; in first-assignment order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> statics() const;
};

/// Decoder settings that Wazuh lets an administrator change.
struct DecoderOptions {
  std::size_t decoder_order_size = kDefaultDecoderOrderSize;  ///< the dynamic-field cap
};

/// Runs decoder selection and the JSON plugin over `line` (one log line, no trailing newline).
[[nodiscard]] DecodedEvent decode(std::string_view line, const DecoderOptions& options = {});

}  // namespace wazuh
