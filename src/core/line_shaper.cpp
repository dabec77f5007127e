#include "csbridge/line_shaper.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

namespace csbridge {
namespace {

using Json = nlohmann::ordered_json;
constexpr std::size_t kKeepAtLeast = 64;  // bytes kept of a truncated value

struct Leaf {
  Json::json_pointer pointer;
  std::string path;  ///< Wazuh's dot-joined field name
  std::size_t size;  ///< bytes of the value's JSON text (strings: the string's length)
  bool is_string;
};

void collect(Json& node, const Json::json_pointer& ptr, const std::string& path,
             std::vector<Leaf>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      collect(it.value(), ptr / it.key(), path.empty() ? it.key() : path + "." + it.key(), out);
    }
  } else if (node.is_string()) {
    out.push_back({ptr, path, node.get_ref<const std::string&>().size(), true});
  }
  if (node.is_array() || (node.is_object() && !ptr.empty())) {
    out.push_back(
        {ptr, path, node.dump(-1, ' ', false, Json::error_handler_t::replace).size(), false});
  }
}

/// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::optional<std::string> shrink_line(std::string_view line, std::size_t budget) {
  if (line.size() <= budget) return std::nullopt;
  Json doc = Json::parse(line, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  Json notes = Json::array();
  std::string text = dump(doc);
  // Each round cuts the single largest value (strings first); bounded by the number of values.
  for (int round = 0; round < 10'000 && text.size() + dump(notes).size() + 40 > budget; ++round) {
    std::vector<Leaf> leaves;
    collect(doc, Json::json_pointer{}, "", leaves);
    const auto largest = [&](bool strings) {
      const Leaf* best = nullptr;
      for (const auto& l : leaves) {
        if (l.is_string == strings && l.size > kKeepAtLeast && (!best || l.size > best->size)) {
          best = &l;
        }
      }
      return best;
    };
    const Leaf* victim = largest(true);
    if (victim == nullptr) victim = largest(false);
    if (victim == nullptr) break;  // nothing left to cut: give up rather than drop fields
    const std::size_t excess = text.size() + dump(notes).size() + 120 - budget;
    const std::size_t keep =
        std::max(kKeepAtLeast, victim->size > excess ? victim->size - excess : kKeepAtLeast);
    Json& target = doc.at(victim->pointer);
    const std::string original = victim->is_string ? target.get<std::string>() : dump(target);
    target = utf8_prefix(original, keep);
    notes.push_back({{"field", victim->path}, {"original_length", original.size()}});
    text = dump(doc);
  }
  doc["cs_bridge"] = {{"truncated", notes}};
  return dump(doc);
}

std::optional<std::string> shrink_oversized_lines(std::string_view lines, std::size_t budget) {
  std::optional<std::string> out;
  std::size_t copied = 0;  // bytes of `lines` already in `out`
  std::size_t start = 0;
  while (start < lines.size()) {
    const void* nl = std::memchr(lines.data() + start, '\n', lines.size() - start);
    const std::size_t end =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - lines.data()) : lines.size();
    if (end - start > budget) {
      if (auto shrunk = shrink_line(lines.substr(start, end - start), budget)) {
        if (!out) out.emplace().reserve(lines.size());
        out->append(lines.substr(copied, start - copied));
        out->append(*shrunk);
        copied = end;
      }
    }
    start = end + 1;
  }
  if (out) out->append(lines.substr(copied));
  return out;
}

}  // namespace csbridge
