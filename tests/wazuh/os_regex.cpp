#include "wazuh/os_regex.h"

#include <string_view>

namespace wazuh {
namespace {

constexpr std::string_view kClassLetters = "dwspDWS.n";
// Escapes that stand for the character itself (`\.` is not one of them: it means "any").
constexpr std::string_view kEscapedLiterals = "\\()|$^+*{}[]<>\"'/:,-=!?#&%@~`;";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         c == '-' || c == '@';
}

bool is_punct(unsigned char c) {
  return (c >= '(' && c <= '.') || (c >= ':' && c <= '?') || c == '[' || c == ']';
}

/// Splits an OS_Regex/OS_Match pattern at the `|` that are not escaped.
std::vector<std::string_view> split_alternatives(std::string_view pattern, bool honour_escapes) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (honour_escapes && pattern[i] == '\\' && i + 1 < pattern.size()) {
      ++i;
      continue;
    }
    if (pattern[i] == '|') {
      parts.push_back(pattern.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(pattern.substr(start));
  return parts;
}

}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<OsRegex> OsRegex::compile(std::string_view pattern, std::string* error) {
  OsRegex re;
  for (std::string_view part : split_alternatives(pattern, true)) {
    Alternative alt;
    if (!part.empty() && part.front() == '^') {
      alt.begin = true;
      part.remove_prefix(1);
    }
    for (std::size_t i = 0; i < part.size(); ++i) {
      const char c = part[i];
      if (c == '$' && i + 1 == part.size()) {
        alt.end = true;
        break;
      }
      if (c == '(' || c == ')') {
        if (error) *error = "OS_Regex groups '(...)' are not supported by the evaluator";
        return std::nullopt;
      }
      Token t;
      if (c == '\\') {
        if (i + 1 >= part.size()) {
          if (error) *error = "OS_Regex pattern ends with a backslash";
          return std::nullopt;
        }
        const char e = part[++i];
        if (kClassLetters.find(e) != std::string_view::npos) {
          t.kind = Kind::kClass;
          t.value = e;
        } else if (kEscapedLiterals.find(e) != std::string_view::npos) {
          t.value = lower(e);
        } else {
          if (error) *error = std::string("unsupported OS_Regex escape \\") + e;
          return std::nullopt;
        }
      } else if (c == '+' || c == '*') {
        if (error) *error = "OS_Regex '+'/'*' after a plain character is not supported";
        return std::nullopt;
      } else {
        t.value = lower(c);
      }
      if (t.kind == Kind::kClass && i + 1 < part.size() &&
          (part[i + 1] == '+' || part[i + 1] == '*')) {
        t.repeat = part[i + 1] == '+' ? Repeat::kPlus : Repeat::kStar;
        ++i;
      }
      alt.tokens.push_back(t);
    }
    re.alternatives_.push_back(std::move(alt));
  }
  return re;
}

bool OsRegex::token_matches(const Token& t, unsigned char c) {
  if (t.kind == Kind::kLiteral)
    return static_cast<unsigned char>(lower(static_cast<char>(c))) ==
           static_cast<unsigned char>(t.value);
  switch (t.value) {
    case 'd':
      return c >= '0' && c <= '9';
    case 'D':
      return !(c >= '0' && c <= '9');
    case 'w':
      return is_word(c);
    case 'W':
      return !is_word(c);
    case 's':
      return c == ' ';
    case 'S':
      return c != ' ';
    case 'p':
      return is_punct(c);
    case 'n':
      return c == '\n';
    default:  // '.'
      return true;
  }
}

bool OsRegex::match_here(const Alternative& alt, std::size_t ti, std::string_view s,
                         std::size_t si) {
  if (ti == alt.tokens.size()) return !alt.end || si == s.size();
  const Token& t = alt.tokens[ti];
  if (t.repeat == Repeat::kOne) {
    return si < s.size() && token_matches(t, static_cast<unsigned char>(s[si])) &&
           match_here(alt, ti + 1, s, si + 1);
  }
  std::size_t n = 0;
  while (si + n < s.size() && token_matches(t, static_cast<unsigned char>(s[si + n]))) ++n;
  const std::size_t min = t.repeat == Repeat::kPlus ? 1 : 0;
  for (std::size_t k = n + 1; k-- > min;) {
    if (match_here(alt, ti + 1, s, si + k)) return true;
  }
  return false;
}

bool OsRegex::matches(std::string_view subject) const {
  for (const Alternative& alt : alternatives_) {
    const std::size_t last_start = alt.begin ? 0 : subject.size();
    for (std::size_t start = 0; start <= last_start; ++start) {
      if (match_here(alt, 0, subject, start)) return true;
    }
  }
  return false;
}

std::optional<OsMatch> OsMatch::compile(std::string_view pattern, std::string* error) {
  if (pattern.empty()) {
    if (error) *error = "empty OS_Match pattern";
    return std::nullopt;
  }
  OsMatch m;
  for (std::string_view part : split_alternatives(pattern, false)) {
    Alternative alt;
    if (!part.empty() && part.front() == '^') {
      alt.begin = true;
      part.remove_prefix(1);
    }
    if (!part.empty() && part.back() == '$') {
      alt.end = true;
      part.remove_suffix(1);
    }
    alt.text = ascii_lower(part);
    m.alternatives_.push_back(std::move(alt));
  }
  return m;
}

bool OsMatch::matches(std::string_view subject) const {
  const std::string s = ascii_lower(subject);
  for (const Alternative& alt : alternatives_) {
    if (alt.begin && alt.end) {
      if (s == alt.text) return true;
    } else if (alt.begin) {
      if (s.starts_with(alt.text)) return true;
    } else if (alt.end) {
      if (s.ends_with(alt.text)) return true;
    } else if (s.find(alt.text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool os_word_match(std::string_view pattern, std::string_view str) {
  if (pattern.empty()) return false;
  const std::string s = ascii_lower(str);
  for (std::string_view part : split_alternatives(pattern, false)) {
    if (part.empty()) return true;  // Wazuh: an empty alternative matches
    if (part.front() == '^') {
      if (s.starts_with(ascii_lower(part.substr(1)))) return true;
    } else if (s.find(ascii_lower(part)) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace wazuh
