#pragma once

/// \file
/// Wazuh's own two pattern languages, as far as rules and decoders of this project use them.
///
/// OS_Regex (the default type of <field>, <regex> and <prematch>), from os_regex/*.c:
/// * the match is unanchored and ASCII case-insensitive;
/// * `|` separates alternatives; `^` at the start and `$` at the end of an alternative anchor it;
/// * `\d` digit, `\w` [A-Za-z0-9_@-], `\s` a space (only 0x20), `\p` one of `()*+,-.:;<=>?[]`,
///   `\D` `\W` `\S` their complements, `\.` ANY character (not a dot!), `\n` a newline;
/// * `+` / `*` after one of those escapes: one-or-more / zero-or-more of it;
/// * `\\` `\(` `\)` `\|` `\$` `\^` `\+` `\*` `\.`... see compile(): escaped literals.
/// Parentheses (capture groups) and `+`/`*` after a plain character are not modelled: compile()
/// rejects them, so a rule that needs them fails loudly instead of being misjudged. OS_Regex's
/// matcher does not backtrack everywhere; this one does, which only differs on patterns this
/// project does not use.
///
/// OS_Match / sregex (the default type of <match>), from os_regex_match.c: `|` alternatives, each
/// a case-insensitive substring search, `^` prefix = starts with, `$` suffix = ends with.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wazuh {

/// A compiled OS_Regex pattern (see the file comment for the supported subset).
class OsRegex {
 public:
  /// Compiles `pattern`; on failure returns nullopt and sets `error`.
  [[nodiscard]] static std::optional<OsRegex> compile(std::string_view pattern, std::string* error);
  /// True when any alternative matches somewhere in `subject` (anchors respected).
  [[nodiscard]] bool matches(std::string_view subject) const;

 private:
  enum class Kind { kLiteral, kClass };
  enum class Repeat { kOne, kPlus, kStar };
  struct Token {
    Kind kind = Kind::kLiteral;
    char value = 0;  // the lower-cased literal, or the class letter (d w s p D W S . n)
    Repeat repeat = Repeat::kOne;
  };
  struct Alternative {
    bool begin = false;
    bool end = false;
    std::vector<Token> tokens{};
  };
  [[nodiscard]] static bool token_matches(const Token& t, unsigned char c);
  [[nodiscard]] static bool match_here(const Alternative& alt, std::size_t ti, std::string_view s,
                                       std::size_t si);
  std::vector<Alternative> alternatives_{};
};

/// A compiled OS_Match (sregex) pattern.
class OsMatch {
 public:
  /// Compiles `pattern` (an empty pattern is an error, as in Wazuh).
  [[nodiscard]] static std::optional<OsMatch> compile(std::string_view pattern, std::string* error);
  /// True when any alternative matches `subject`.
  [[nodiscard]] bool matches(std::string_view subject) const;

 private:
  struct Alternative {
    bool begin = false;
    bool end = false;
    std::string text{};  // lower-cased
  };
  std::vector<Alternative> alternatives_{};
};

/// OS_WordMatch(pattern, str): what <if_group> uses to find parent rules by their group string.
/// `|` alternatives, `^` prefix, case-insensitive substring otherwise.
[[nodiscard]] bool os_word_match(std::string_view pattern, std::string_view str);

/// ASCII lower-casing as Wazuh's charmap does (bytes >= 0x80 unchanged).
[[nodiscard]] std::string ascii_lower(std::string_view s);

/// strcasecmp() == 0 for ASCII.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

}  // namespace wazuh
