#include "wazuh/expression.h"

namespace wazuh {

std::optional<Expression> Expression::compile(ExpressionType type, std::string_view pattern,
                                              bool negate, std::string* error) {
  Expression e;
  e.type_ = type;
  e.pattern_ = std::string(pattern);
  e.negate_ = negate;
  switch (type) {
    case ExpressionType::kOsRegex: {
      auto re = OsRegex::compile(pattern, error);
      if (!re) return std::nullopt;
      e.compiled_ = std::move(*re);
      break;
    }
    case ExpressionType::kOsMatch: {
      auto m = OsMatch::compile(pattern, error);
      if (!m) return std::nullopt;
      e.compiled_ = std::move(*m);
      break;
    }
    case ExpressionType::kPcre2: {
      auto p = Pcre2Pattern::compile(pattern, error);
      if (!p) return std::nullopt;
      e.compiled_ = std::move(*p);
      break;
    }
  }
  return e;
}

bool Expression::matches(std::string_view subject) const {
  const bool hit = std::visit([subject](const auto& c) { return c.matches(subject); }, compiled_);
  return hit != negate_;
}

}  // namespace wazuh
