#include "csbridge/page_scanner.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace csbridge {
namespace {

// Output bytes never exceed consumed input bytes except for the few expansions (control char ->
// \u00XX, invalid UTF-8 -> U+FFFD, the '\n' after a record), which reserve explicitly. So the
// writer keeps "free output >= unread input + kSlack" and the hot paths write without checks;
// the slack also covers the 16-byte block stores of the string loop.
constexpr std::size_t kSlack = 64;

constexpr std::array<bool, 256> make_table(bool (*pred)(unsigned)) {
  std::array<bool, 256> t{};
  for (unsigned c = 0; c < 256; ++c) t[c] = pred(c);
  return t;
}
// Bytes copied as-is inside a string: printable ASCII except '"' and '\\'.
constexpr auto kPlain =
    make_table([](unsigned c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; });
constexpr auto kSpace =
    make_table([](unsigned c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });

inline unsigned char uc(char c) { return static_cast<unsigned char>(c); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// The value of the 4 hex digits at s, or -1.
int hex4(const char* s) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    const int c = uc(s[i]) | 0x20;  // ASCII lower case; maps no non-hex byte onto a hex digit
    const int d = is_digit(s[i]) ? s[i] - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

void append_utf8(std::string& dst, unsigned cp) {
  if (cp < 0x80) {
    dst.push_back(static_cast<char>(cp));
    return;
  }
  const int n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  char buf[4];
  for (int i = n - 1; i > 0; --i, cp >>= 6) buf[i] = static_cast<char>(0x80 | (cp & 0x3F));
  buf[0] = static_cast<char>(((0xFF << (8 - n)) & 0xFF) | cp);  // lead: 110xxxxx, 1110xxxx...
  dst.append(buf, static_cast<std::size_t>(n));
}

/// Decodes the inside of a string this scanner emitted: valid UTF-8 with only valid escapes and
/// paired surrogates, which is why no validation is repeated here.
void decode_into(std::string& dst, std::string_view s) {
  dst.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t j = s.find('\\', i);
    if (j == std::string_view::npos) {
      dst.append(s.substr(i));
      break;
    }
    dst.append(s.substr(i, j - i));
    const char e = s[j + 1];
    i = j + 2;
    if (e == 'u') {
      auto cp = static_cast<unsigned>(hex4(s.data() + i));
      i += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF) {  // the emitter guarantees the low half follows
        cp = 0x10000 + ((cp - 0xD800) << 10) +
             (static_cast<unsigned>(hex4(s.data() + i + 2)) - 0xDC00);
        i += 6;
      }
      append_utf8(dst, cp);
    } else {
      constexpr std::string_view kFrom = "bfnrt";
      const std::size_t k = kFrom.find(e);
      dst.push_back(k == std::string_view::npos ? e : "\b\f\n\r\t"[k]);  // else '"' '\\' '/'
    }
  }
}

class Scanner {
 public:
  Scanner(std::string_view body, const ScanSpec& spec, ScannedPage& page)
      : begin_(body.data()),
        p_(body.data()),
        end_(body.data() + body.size()),
        spec_(spec),
        page_(page) {
    page_.lines.resize(body.size() + kSlack);
    w_ = page_.lines.data();
    cap_end_ = w_ + page_.lines.size();
    seen_.resize(spec.keys.size());
  }

  bool run() {
    skip_ws();
    if (p_ == end_) return fail("empty body");
    if (*p_ != '{') return fail("body is not a JSON object");
    if (!for_each(1, [this](const std::string& key) { return envelope_member(key); })) {
      return false;
    }
    skip_ws();
    if (p_ != end_) return fail("trailing characters after the body");
    page_.lines.resize(pos());
    return true;
  }

  Error error() const {
    return Error{ErrorCode::kParse, std::string(what_) + " at byte " + std::to_string(at_)};
  }

 private:
  bool fail(const char* what) {
    what_ = what;
    at_ = static_cast<std::size_t>(p_ - begin_);
    return false;
  }
  std::size_t pos() const { return static_cast<std::size_t>(w_ - page_.lines.data()); }
  void rollback(std::size_t to) { w_ = page_.lines.data() + to; }
  /// The inside of the string emitted from `mark` (its opening quote) to `end` (past its close).
  std::string_view emitted(std::size_t mark, std::size_t end) const {
    return {page_.lines.data() + mark + 1, end - mark - 2};
  }
  std::string_view emitted(std::size_t mark) const { return emitted(mark, pos()); }
  bool peek(char c) const { return p_ < end_ && *p_ == c; }
  void skip_ws() {
    while (p_ < end_ && kSpace[uc(*p_)]) ++p_;
  }

  /// Restores the writer invariant before emitting `extra` bytes beyond the consumed input.
  void reserve_out(std::size_t extra) {
    const std::size_t need = static_cast<std::size_t>(end_ - p_) + extra + kSlack;
    if (static_cast<std::size_t>(cap_end_ - w_) >= need) return;
    const std::size_t used = pos();
    page_.lines.resize(std::max(page_.lines.size() * 2, used + need));
    w_ = page_.lines.data() + used;
    cap_end_ = page_.lines.data() + page_.lines.size();
  }

  // ---- envelope: a few fixed levels, so plain callbacks; values below go to copy_value ----

  /// Visits the members (on_item(key)) or elements (on_item("")) of the container at p_.
  template <class F>
  bool for_each(std::size_t depth, F&& on_item) {
    if (depth > spec_.max_depth) return fail("nesting too deep");
    const bool object = *p_++ == '{';
    const char close = object ? '}' : ']';
    skip_ws();
    if (peek(close)) {
      ++p_;
      return true;
    }
    std::string key;
    for (;;) {
      skip_ws();
      if (object) {
        if (!peek('"')) return fail("expected a string key");
        if (!read_string(key)) return false;
        skip_ws();
        if (!peek(':')) return fail("expected ':'");
        ++p_;
        skip_ws();
      }
      if (!on_item(std::as_const(key))) return false;
      skip_ws();
      if (!peek(',') && !peek(close))
        return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
      if (*p_++ == close) return true;
    }
  }

  bool envelope_member(const std::string& key) {
    if (key == "resources") return resources();
    if (key == "meta" && peek('{')) {
      return for_each(2, [this](const std::string& k) {
        if (k == "trace_id" && peek('"')) return read_string(page_.trace_id);
        if (k == "pagination" && peek('{')) {
          return for_each(3, [this](const std::string& pk) {
            if (pk == "after" && peek('"')) return read_string(page_.after.emplace());
            if (pk == "total") return read_int(page_.total, 3);
            if (pk == "offset") return read_int(page_.offset, 3);
            if (pk == "limit") return read_int(page_.limit, 3);
            return skip_value(3);
          });
        }
        return skip_value(2);
      });
    }
    if (key == "errors" && peek('[')) {
      return for_each(2, [this](const std::string&) {
        if (!peek('{')) return skip_value(2);
        ApiError& e = page_.errors.emplace_back();
        return for_each(3, [this, &e](const std::string& k) {
          if (k == "message" && peek('"')) return read_string(e.message);
          if (k == "code") {
            std::optional<std::int64_t> code;
            if (!read_int(code, 3)) return false;
            if (code && std::in_range<int>(*code)) e.code = static_cast<int>(*code);
            return true;
          }
          return skip_value(3);
        });
      });
    }
    return skip_value(1);
  }

  bool resources() {
    if (peek('n')) return skip_value(1);  // null: has_resources stays false
    if (!peek('[')) return fail("resources is not an array or null");
    page_.has_resources = true;
    return for_each(2, [this](const std::string&) {
      if (peek('{')) return copy_record(3);
      if (peek('"')) return read_string(page_.string_resources.emplace_back());
      return fail("resources[] entry is not an object or string");
    });
  }

  /// Validates and discards one value (emitted, then rolled back: fine off the hot path).
  bool skip_value(std::size_t depth) {
    const std::size_t mark = pos();
    const bool ok = copy_value(depth);
    rollback(mark);
    return ok;
  }

  /// Reads the string at p_ decoded into dst, via the sanitizing emitter.
  bool read_string(std::string& dst) {
    const std::size_t mark = pos();
    if (!copy_string()) return false;
    decode_into(dst, emitted(mark));
    rollback(mark);
    return true;
  }

  /// Sets `v` if the value is an integer literal that fits in int64; skips anything else.
  bool read_int(std::optional<std::int64_t>& v, std::size_t depth) {
    const char* start = p_;
    if (!skip_value(depth)) return false;
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(start, p_, n);
    if (ec == std::errc() && ptr == p_) v = n;
    return true;
  }

  // ---- records: the hot path ----

  bool copy_record(std::size_t depth) {
    if (depth > spec_.max_depth) return fail("nesting too deep");
    ScannedRecord rec;
    rec.offset = pos();
    rec.fields.resize(spec_.keys.size());
    std::fill(seen_.begin(), seen_.end(), false);
    *w_++ = '{';
    ++p_;
    const std::string& prefix = spec_.record_prefix;
    if (!prefix.empty()) {
      reserve_out(prefix.size() + 1);
      std::memcpy(w_, prefix.data(), prefix.size());
      w_ += prefix.size();
    }
    skip_ws();
    if (peek('}')) {
      *w_++ = *p_++;
    } else {
      if (!prefix.empty()) *w_++ = ',';
      for (;;) {
        if (!copy_key()) return false;
        const int idx = match_key();
        skip_ws();
        if (idx >= 0 && peek('"')) {
          const std::size_t mark = pos();
          if (!copy_string()) return false;
          decode_into(rec.fields[static_cast<std::size_t>(idx)].emplace(), emitted(mark));
        } else if (!copy_value(depth)) {
          return false;
        }
        skip_ws();
        if (!peek(',') && !peek('}')) return fail("expected ',' or '}'");
        const char separator = *p_++;
        *w_++ = separator;
        if (separator == '}') break;
      }
    }
    rec.length = pos() - rec.offset;
    reserve_out(1);
    *w_++ = '\n';
    page_.records.push_back(std::move(rec));
    return true;
  }

  /// Index of the not-yet-seen spec key equal to the key copy_key just emitted, or -1.
  int match_key() {
    if (spec_.keys.empty()) return -1;
    std::string_view key = emitted(key_mark_, key_end_);
    if (had_escape_) {
      decode_into(key_scratch_, key);
      key = key_scratch_;
    }
    for (std::size_t i = 0; i < spec_.keys.size(); ++i) {
      if (!seen_[i] && key == spec_.keys[i]) {
        seen_[i] = true;  // first occurrence wins, even when it is not a string
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  /// Copies one value compacted. Iterative with an explicit stack so hostile nesting cannot
  /// overflow the call stack; `depth` is the depth of the container holding the value.
  bool copy_value(std::size_t depth) {
    stack_.clear();
    for (;;) {
      skip_ws();
      if (p_ == end_) return fail("unexpected end of input");
      switch (*p_) {
        case '{':
        case '[': {
          if (depth + stack_.size() + 1 > spec_.max_depth) return fail("nesting too deep");
          const char open = *p_;
          const char close = open == '{' ? '}' : ']';
          *w_++ = *p_++;
          skip_ws();
          if (peek(close)) {  // empty container: a complete value
            *w_++ = *p_++;
            break;
          }
          stack_.push_back(open);
          if (open == '{' && !copy_key()) return false;
          continue;  // parse the first element
        }
        case '"':
          if (!copy_string()) return false;
          break;
        case 't':
        case 'f':
        case 'n':
          if (!copy_literal(*p_ == 't' ? "true" : *p_ == 'f' ? "false" : "null")) return false;
          break;
        default:
          if (!copy_number()) return false;
          break;
      }
      // A value is complete: close finished containers, then step to the next element.
      for (;;) {
        if (stack_.empty()) return true;
        skip_ws();
        const bool in_object = stack_.back() == '{';
        if (peek(',')) {
          *w_++ = *p_++;
          if (in_object && !copy_key()) return false;
          break;
        }
        if (peek(in_object ? '}' : ']')) {
          *w_++ = *p_++;
          stack_.pop_back();
          continue;
        }
        return fail(in_object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }

  bool copy_key() {
    skip_ws();
    if (!peek('"')) return fail("expected a string key");
    key_mark_ = pos();
    if (!copy_string()) return false;
    key_end_ = pos();
    skip_ws();
    if (!peek(':')) return fail("expected ':'");
    *w_++ = *p_++;
    return true;
  }

  bool copy_literal(std::string_view lit) {
    if (static_cast<std::size_t>(end_ - p_) < lit.size() ||
        std::memcmp(p_, lit.data(), lit.size()) != 0) {
      return fail("invalid literal");
    }
    std::memcpy(w_, p_, lit.size());
    w_ += lit.size();
    p_ += lit.size();
    return true;
  }

  /// Consumes a run of digits; false if there was none.
  bool digits() {
    const char* start = p_;
    while (p_ < end_ && is_digit(*p_)) ++p_;
    return p_ != start;
  }

  /// RFC 8259 number grammar, copied verbatim.
  bool copy_number() {
    const char* start = p_;
    if (peek('-')) ++p_;
    if (peek('0')) {
      ++p_;
      if (p_ < end_ && is_digit(*p_)) return fail("leading zero in number");
    } else if (!digits()) {
      return fail(start == p_ ? "expected a JSON value" : "invalid number");
    }
    if (peek('.')) {
      ++p_;
      if (!digits()) return fail("invalid number");
    }
    if (peek('e') || peek('E')) {
      ++p_;
      if (peek('+') || peek('-')) ++p_;
      if (!digits()) return fail("invalid number");
    }
    std::memcpy(w_, start, static_cast<std::size_t>(p_ - start));
    w_ += p_ - start;
    return true;
  }

  /// Copies the string at p_ (sanitized, see scan_page); sets had_escape_.
  bool copy_string() {
    *w_++ = *p_++;
    had_escape_ = false;
    for (;;) {
#if defined(__SSE2__)
      // 16 bytes at a time: store the block unconditionally, advance past its plain prefix.
      // Signed "< 0x20" also catches bytes >= 0x80, which go to the UTF-8 check below.
      const __m128i quote = _mm_set1_epi8('"');
      const __m128i backslash = _mm_set1_epi8('\\');
      const __m128i space = _mm_set1_epi8(0x20);
      while (end_ - p_ >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(w_), v);
        const __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
        if (mask != 0) {
          const int n = std::countr_zero(mask);
          p_ += n;
          w_ += n;
          break;
        }
        p_ += 16;
        w_ += 16;
      }
#endif
      while (p_ < end_ && kPlain[uc(*p_)]) *w_++ = *p_++;
      if (p_ == end_) return fail("unterminated string");
      const unsigned char c = uc(*p_);
      if (c == '"') {
        *w_++ = *p_++;
        return true;
      }
      if (c == '\\') {
        if (!copy_escape()) return false;
      } else if (c < 0x20) {  // invalid raw control char: re-escape so a line never breaks
        static constexpr char kHex[] = "0123456789abcdef";
        reserve_out(5);
        std::memcpy(w_, "\\u00", 4);
        w_[4] = kHex[c >> 4];
        w_[5] = kHex[c & 0xF];
        w_ += 6;
        ++p_;
      } else {
        copy_utf8();
      }
    }
  }

  bool copy_escape() {
    had_escape_ = true;
    if (end_ - p_ < 2) return fail("unterminated string");
    if (p_[1] != 'u') {
      if (std::string_view("\"\\/bfnrt").find(p_[1]) == std::string_view::npos) {
        return fail("invalid escape");
      }
      std::memcpy(w_, p_, 2);
      w_ += 2;
      p_ += 2;
      return true;
    }
    const int unit = end_ - p_ >= 6 ? hex4(p_ + 2) : -1;
    if (unit < 0) return fail("invalid \\u escape");
    std::size_t len = 6;
    bool lone = unit >= 0xDC00 && unit <= 0xDFFF;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const int low = end_ - p_ >= 12 && p_[6] == '\\' && p_[7] == 'u' ? hex4(p_ + 8) : -1;
      if (low >= 0xDC00 && low <= 0xDFFF) {
        len = 12;
      } else {
        lone = true;  // whatever follows is scanned on its own
      }
    }
    std::memcpy(w_, lone ? "\\ufffd" : p_, len);  // strict parsers reject lone surrogates
    w_ += len;
    p_ += len;
    return true;
  }

  /// Copies one well-formed UTF-8 sequence (Unicode Table 3-7), or emits U+FFFD for the
  /// maximal invalid subpart at p_ (which covers overlongs, surrogates, > U+10FFFF, truncation).
  void copy_utf8() {
    const auto* s = reinterpret_cast<const unsigned char*>(p_);
    const unsigned char lead = s[0];
    std::ptrdiff_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      len = 3;
      lo = lead == 0xE0 ? 0xA0 : 0x80;
      hi = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4;
      lo = lead == 0xF0 ? 0x90 : 0x80;
      hi = lead == 0xF4 ? 0x8F : 0xBF;
    }
    std::ptrdiff_t i = 1;
    const std::ptrdiff_t avail = end_ - p_;
    while (i < len && i < avail && s[i] >= (i == 1 ? lo : 0x80) && s[i] <= (i == 1 ? hi : 0xBF))
      ++i;
    if (len > 0 && i == len) {
      std::memcpy(w_, p_, static_cast<std::size_t>(len));
    } else {
      reserve_out(3);
      len = 3;
      std::memcpy(w_, "\xEF\xBF\xBD", 3);
    }
    w_ += len;
    p_ += i;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const ScanSpec& spec_;
  ScannedPage& page_;
  char* w_{nullptr};  // write cursor into page_.lines (sized ahead; trimmed at the end)
  char* cap_end_{nullptr};
  bool had_escape_{false};   // the last copied string contained a backslash
  std::size_t key_mark_{0};  // the last key copy_key emitted: lines[key_mark_, key_end_)
  std::size_t key_end_{0};
  std::string stack_;        // open containers of copy_value, '{' or '['
  std::vector<bool> seen_;   // spec keys already met in the current record
  std::string key_scratch_;  // decoded key when it contained escapes
  const char* what_{""};
  std::size_t at_{0};
};

}  // namespace

Result<ScannedPage> scan_page(std::string_view body, const ScanSpec& spec) {
  try {
    ScannedPage page;
    Scanner scanner(body, spec, page);
    if (!scanner.run()) return scanner.error();
    if (page.lines.empty()) page.lines = std::string();  // query pages: release the reservation
    return page;
  } catch (const std::bad_alloc&) {
    return Error{ErrorCode::kTooLarge,
                 "out of memory scanning a page of " + std::to_string(body.size()) + " bytes"};
  }
}

}  // namespace csbridge
