#pragma once

/// \file
/// One Wazuh rule as the evaluator keeps it after loading: only the options this project's rules
/// and the modelled stock rules use (anything else is refused by the loader).

#include <optional>
#include <string>
#include <vector>

#include "wazuh/expression.h"

namespace wazuh {

/// <field name="...">: a dynamic field that must exist and match.
struct FieldCondition {
  std::string name{};     ///< looked up ignoring ASCII case; the first field of that name counts
  Expression expression;  ///< OS_Regex unless type="pcre2"/"osmatch"
};

/// A loaded rule.
struct Rule {
  int id = 0;
  int level = 0;              ///< 0..16
  bool noalert = false;       ///< noalert="1": a match without matching child is ignored
  std::string description{};  ///< the raw template, $(field) unexpanded
  std::optional<std::string> decoded_as;  ///< decoder name the event must have
  std::optional<Expression> match;        ///< <match> on the whole log line (OS_Match by default)
  std::vector<FieldCondition> fields{};   ///< all must hold
  std::vector<int> if_sid{};              ///< parents by id (comma/space separated in XML)
  std::optional<std::string> if_group;    ///< parents by group (OS_WordMatch on their group string)
  std::string group{};                    ///< Wazuh's group string: "<group name>" + <group> texts
  std::vector<std::string> options{};     ///< <options> words (no_full_log, alert_by_email, ...)
  std::string source{};                   ///< file the rule came from, for messages
};

}  // namespace wazuh
