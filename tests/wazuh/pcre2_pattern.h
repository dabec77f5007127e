#pragma once

/// \file
/// A PCRE2 pattern compiled the way Wazuh compiles <field type="pcre2"> (shared/expression.c):
/// options 0, so case-sensitive, unanchored, and `$` also matches before a final newline.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wazuh {

/// A compiled PCRE2 (8-bit) pattern; cheap to copy (the compiled code is shared, immutable).
class Pcre2Pattern {
 public:
  /// Compiles `pattern` with options 0; on failure returns nullopt and sets `error` to PCRE2's
  /// message and offset.
  [[nodiscard]] static std::optional<Pcre2Pattern> compile(std::string_view pattern,
                                                           std::string* error);
  /// pcre2_match over the whole of `subject` (embedded NULs included) returns a match.
  [[nodiscard]] bool matches(std::string_view subject) const;

 private:
  struct Code;
  std::shared_ptr<const Code> code_{};
};

}  // namespace wazuh
