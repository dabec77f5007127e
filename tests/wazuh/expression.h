#pragma once

/// \file
/// One condition pattern of a rule (<field>, <match>): its type, the compiled pattern and the
/// `negate` attribute, as Wazuh's w_expression_t.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "wazuh/os_regex.h"
#include "wazuh/pcre2_pattern.h"

namespace wazuh {

/// The `type` attribute of a condition.
enum class ExpressionType { kOsRegex, kOsMatch, kPcre2 };

/// A compiled condition. matches() already applies `negate`.
class Expression {
 public:
  /// Compiles `pattern` as `type`; nullopt and `error` set when it does not compile.
  [[nodiscard]] static std::optional<Expression> compile(ExpressionType type,
                                                         std::string_view pattern, bool negate,
                                                         std::string* error);
  /// The pattern matches `subject`, inverted when the condition has negate="yes".
  [[nodiscard]] bool matches(std::string_view subject) const;
  [[nodiscard]] ExpressionType type() const { return type_; }
  [[nodiscard]] const std::string& pattern() const { return pattern_; }

 private:
  ExpressionType type_ = ExpressionType::kOsRegex;
  std::string pattern_{};
  bool negate_ = false;
  std::variant<OsRegex, OsMatch, Pcre2Pattern> compiled_{};
};

}  // namespace wazuh
