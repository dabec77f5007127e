#pragma once

/// \file
/// A minimal model of the Wazuh 4.14.7 stock ruleset: only the stock rules that can take a JSON
/// line of this project before (or instead of) a rule in etc/rules, per wazuh.md §4 and the
/// ground-truth vectors (tests/data/wazuh-vectors). Loaded before the project's rules file, as
/// ruleset/rules is loaded before etc/rules.
///
/// Modelled (ids, levels, conditions; descriptions as the vectors show them):
/// * 1002 (level 2, <match>$BAD_WORDS</match> on the whole line) and its child 1009;
/// * 2501 (level 5, authentication-failure phrases such as "login failed");
/// * suricata 86600 (level 0, `timestamp` + `event_type`) with 86601 (alert, level 3) and
///   86602/86603/86604 (http/dns/tls, level 0);
/// * integration roots, level 0, `integration` = aws 80200, virustotal 87100, docker 87900,
///   gcp 65000, github 91100, office365 91531; ms-graph 99500 on the json-msgraph decoder.
/// Not modelled: every other stock rule, among them 87402/87403 (`type` + `scan_id`) and 99000
/// (`activity_id` + `category_uid`) named in wazuh.md, whose exact conditions are not known here;
/// rule 1003 (maxsize, noalert) which never yields a verdict.

#include <string_view>
#include <utility>
#include <vector>

namespace wazuh {

/// The model as (file name, XML text) pairs, in Wazuh's load order.
[[nodiscard]] const std::vector<std::pair<std::string_view, std::string_view>>& stock_model_files();

}  // namespace wazuh
