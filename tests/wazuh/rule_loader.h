#pragma once

/// \file
/// Reads one Wazuh rules file (XML) with expat into Rule objects, applying the checks that make
/// wazuh-analysisd 4.14 refuse a file at start-up (rules.c): invalid id (more than 6 digits) or
/// level (outside 0..16), a <field> on a static name (srcip dstip srcgeoip dstgeoip srcport dstport
/// user srcuser dstuser url id data extra_data status protocol system_name action, any case:
/// "Field 'status' is static."), a pattern that does not compile, unknown variables once the file
/// defines any <var> (os_xml_variables.c: after a <var>, every `$` starts a variable name that runs
/// to the next `$ . | , space` or the end, so "$(description)" is then an error).
///
/// Like Wazuh's own XML reader the file may hold several top-level elements (<var>, <group>).
/// Rule options outside the supported set (regex, srcip, frequency, if_matched_sid, overwrite, ...)
/// raise LoadError saying the evaluator does not model them, so a rule is never half-understood.

#include <string>
#include <string_view>
#include <vector>

#include "wazuh/load_error.h"
#include "wazuh/rule.h"

namespace wazuh {

/// Parses the XML text of one rules file. `source` names it in messages. Throws LoadError.
[[nodiscard]] std::vector<Rule> parse_rules_xml(std::string_view xml, std::string_view source);

}  // namespace wazuh
