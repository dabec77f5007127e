// cJSON_Parse (cJSON 1.7 parse_value and helpers).

#include "wazuh/cjson.h"

#include <climits>
#include <cstdlib>

namespace wazuh::cjson {
namespace {

// cJSON_ParseWithOpts hands the parser strlen(value) + 1 bytes: the terminating NUL is part of
// the buffer and counts as whitespace (it is <= 32). The quirks below follow cJSON 1.7's
// parse_buffer helpers (can_access_at_index, buffer_skip_whitespace...) one for one.
class Buffer {
 public:
  explicit Buffer(std::string_view text) : content_(text), length_(text.size() + 1) {}

  [[nodiscard]] bool can_access(std::size_t index) const { return offset_ + index < length_; }
  [[nodiscard]] bool can_read(std::size_t size) const { return offset_ + size <= length_; }
  /// The byte `index` positions after the read offset (the terminating NUL past the text).
  [[nodiscard]] unsigned char at(std::size_t index) const { return abs_at(offset_ + index); }
  /// The byte at absolute position `pos`.
  [[nodiscard]] unsigned char abs_at(std::size_t pos) const {
    return pos < content_.size() ? static_cast<unsigned char>(content_[pos]) : 0;
  }
  [[nodiscard]] bool starts_with(std::string_view word) const {
    return can_read(word.size()) && content_.substr(offset_).starts_with(word);
  }
  void skip_whitespace() {
    if (!can_access(0)) return;
    while (can_access(0) && at(0) <= 32) ++offset_;
    if (offset_ == length_) --offset_;
  }
  std::size_t offset_ = 0;
  std::size_t depth_ = 0;
  std::string_view content_;
  std::size_t length_;
};

bool parse_value(Item& item, Buffer& buf);

unsigned parse_hex4(const Buffer& buf, std::size_t pos) {
  unsigned h = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const unsigned char c = buf.abs_at(pos + i);
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = 10U + c - 'A';
    } else if (c >= 'a' && c <= 'f') {
      digit = 10U + c - 'a';
    } else {
      return 0;  // cJSON returns 0 for an invalid digit, which then decodes as U+0000
    }
    h = (h << 4U) | digit;
  }
  return h;
}

/// utf16_literal_to_utf8: `pos` is the offset of the backslash, `end` of the closing quote.
/// Returns the escape's length (6 or 12) or 0 on failure.
std::size_t utf16_literal(const Buffer& buf, std::size_t pos, std::size_t end, std::string& out) {
  if (end - pos < 6) return 0;
  const unsigned first = parse_hex4(buf, pos + 2);
  if (first >= 0xDC00 && first <= 0xDFFF) return 0;
  unsigned long codepoint = first;
  std::size_t length = 6;
  if (first >= 0xD800 && first <= 0xDBFF) {
    const std::size_t second = pos + 6;
    if (end - second < 6) return 0;
    if (buf.abs_at(second) != '\\' || buf.abs_at(second + 1) != 'u') return 0;
    const unsigned low = parse_hex4(buf, second + 2);
    if (low < 0xDC00 || low > 0xDFFF) return 0;
    codepoint = 0x10000UL + (((first & 0x3FFUL) << 10U) | (low & 0x3FFUL));
    length = 12;
  }
  unsigned char bytes[4] = {0, 0, 0, 0};
  std::size_t n = 0;
  unsigned char mark = 0;
  if (codepoint < 0x80) {
    n = 1;
  } else if (codepoint < 0x800) {
    n = 2;
    mark = 0xC0;
  } else if (codepoint < 0x10000) {
    n = 3;
    mark = 0xE0;
  } else if (codepoint <= 0x10FFFF) {
    n = 4;
    mark = 0xF0;
  } else {
    return 0;
  }
  for (std::size_t i = n - 1; i > 0; --i) {
    bytes[i] = static_cast<unsigned char>((codepoint | 0x80U) & 0xBFU);
    codepoint >>= 6U;
  }
  bytes[0] = n > 1 ? static_cast<unsigned char>((codepoint | mark) & 0xFFU)
                   : static_cast<unsigned char>(codepoint & 0x7FU);
  out.append(reinterpret_cast<const char*>(bytes), n);
  return length;
}

/// parse_string: fills `out` with the decoded text, cut at the first NUL as a C string is.
bool parse_string(std::string& out, Buffer& buf) {
  if (buf.at(0) != '"') return false;
  // First pass: find the closing quote, stepping over escaped characters.
  std::size_t end = buf.offset_ + 1;
  while (end < buf.length_ && buf.abs_at(end) != '"') {
    if (buf.abs_at(end) == '\\') {
      if (end + 1 >= buf.length_) return false;
      ++end;
    }
    ++end;
  }
  if (end >= buf.length_ || buf.abs_at(end) != '"') return false;

  std::string decoded;
  std::size_t pos = buf.offset_ + 1;
  while (pos < end) {
    const unsigned char c = buf.abs_at(pos);
    if (c != '\\') {
      decoded.push_back(static_cast<char>(c));
      ++pos;
      continue;
    }
    std::size_t length = 2;
    switch (buf.abs_at(pos + 1)) {
      case 'b':
        decoded.push_back('\b');
        break;
      case 'f':
        decoded.push_back('\f');
        break;
      case 'n':
        decoded.push_back('\n');
        break;
      case 'r':
        decoded.push_back('\r');
        break;
      case 't':
        decoded.push_back('\t');
        break;
      case '"':
      case '\\':
      case '/':
        decoded.push_back(static_cast<char>(buf.abs_at(pos + 1)));
        break;
      case 'u':
        length = utf16_literal(buf, pos, end, decoded);
        if (length == 0) return false;
        break;
      default:
        return false;
    }
    pos += length;
  }
  const std::size_t nul = decoded.find('\0');
  if (nul != std::string::npos) decoded.resize(nul);
  out = std::move(decoded);
  buf.offset_ = end + 1;
  return true;
}

bool parse_number(Item& item, Buffer& buf) {
  char digits[64];
  std::size_t i = 0;
  for (; i < sizeof(digits) - 1 && buf.can_access(i); ++i) {
    const unsigned char c = buf.at(i);
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.') {
      digits[i] = static_cast<char>(c);
    } else {
      break;
    }
  }
  digits[i] = '\0';
  char* after = nullptr;
  const double number = std::strtod(digits, &after);
  if (after == digits) return false;
  item.type = Type::kNumber;
  item.number = number;
  if (number >= INT_MAX) {
    item.number_int = INT_MAX;
  } else if (number <= static_cast<double>(INT_MIN)) {
    item.number_int = INT_MIN;
  } else {
    item.number_int = static_cast<int>(number);
  }
  buf.offset_ += static_cast<std::size_t>(after - digits);
  return true;
}

bool parse_array(Item& item, Buffer& buf) {
  if (buf.depth_ >= kNestingLimit) return false;
  ++buf.depth_;
  if (buf.at(0) != '[') return false;
  ++buf.offset_;
  buf.skip_whitespace();
  item.type = Type::kArray;
  if (buf.can_access(0) && buf.at(0) == ']') {
    --buf.depth_;
    ++buf.offset_;
    return true;
  }
  if (!buf.can_access(0)) return false;
  --buf.offset_;
  do {
    ++buf.offset_;
    buf.skip_whitespace();
    Item child;
    if (!parse_value(child, buf)) return false;
    item.children.push_back(std::move(child));
    buf.skip_whitespace();
  } while (buf.can_access(0) && buf.at(0) == ',');
  if (!buf.can_access(0) || buf.at(0) != ']') return false;
  --buf.depth_;
  ++buf.offset_;
  return true;
}

bool parse_object(Item& item, Buffer& buf) {
  if (buf.depth_ >= kNestingLimit) return false;
  ++buf.depth_;
  if (!buf.can_access(0) || buf.at(0) != '{') return false;
  ++buf.offset_;
  buf.skip_whitespace();
  item.type = Type::kObject;
  if (buf.can_access(0) && buf.at(0) == '}') {
    --buf.depth_;
    ++buf.offset_;
    return true;
  }
  if (!buf.can_access(0)) return false;
  --buf.offset_;
  do {
    ++buf.offset_;
    buf.skip_whitespace();
    Item child;
    if (!buf.can_access(0) || !parse_string(child.key, buf)) return false;
    buf.skip_whitespace();
    if (!buf.can_access(0) || buf.at(0) != ':') return false;
    ++buf.offset_;
    buf.skip_whitespace();
    if (!parse_value(child, buf)) return false;
    item.children.push_back(std::move(child));
    buf.skip_whitespace();
  } while (buf.can_access(0) && buf.at(0) == ',');
  if (!buf.can_access(0) || buf.at(0) != '}') return false;
  --buf.depth_;
  ++buf.offset_;
  return true;
}

bool parse_value(Item& item, Buffer& buf) {
  if (buf.starts_with("null")) {
    item.type = Type::kNull;
    buf.offset_ += 4;
    return true;
  }
  if (buf.starts_with("false")) {
    item.type = Type::kFalse;
    buf.offset_ += 5;
    return true;
  }
  if (buf.starts_with("true")) {
    item.type = Type::kTrue;
    buf.offset_ += 4;
    return true;
  }
  if (!buf.can_access(0)) return false;
  const unsigned char c = buf.at(0);
  if (c == '"') {
    item.type = Type::kString;
    return parse_string(item.text, buf);
  }
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(item, buf);
  if (c == '[') return parse_array(item, buf);
  if (c == '{') return parse_object(item, buf);
  return false;
}

}  // namespace

std::optional<Parsed> parse(std::string_view text) {
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) text = text.substr(0, nul);
  Buffer buf(text);
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") buf.offset_ = 3;
  buf.skip_whitespace();
  Parsed result;
  if (!parse_value(result.item, buf)) return std::nullopt;
  result.consumed = buf.offset_;
  return result;
}

}  // namespace wazuh::cjson
