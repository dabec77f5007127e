#pragma once

/// \file
/// The rule tree wazuh-analysisd builds from the loaded files (rules_list.c), and the search it
/// runs for each event (OS_CheckIfRuleMatch).
///
/// Building, in load order:
/// * a rule without <if_sid>/<if_group> becomes a child of the category template, rule 1
///   ("syslog", noalert), i.e. a root;
/// * <if_sid>A,B</if_sid>: for each id, the rule is added under the FIRST node with that id in a
///   depth-first walk of the tree; an id not yet loaded is a load error. A rule with several
///   parents therefore has several nodes, and a rule that names it in <if_sid> hangs under only
///   one of them. <if_group> instead adds the rule under EVERY node whose group string contains
///   the text (OS_WordMatch), which is how a child reaches all copies of a multi-parent rule;
/// * siblings are kept ordered by level, highest first, with level 0 counting as the highest of
///   all (Wazuh stores levels x100 and level 0 as 9900); equal levels keep load order, so stock
///   files (loaded first) win ties against etc/rules files;
/// * a duplicate rule id is skipped with a warning, as Wazuh does without overwrite="yes".
///
/// Matching: children are tried in order, depth first; the first node whose conditions hold and
/// none of whose children match is the verdict, and siblings are not tried after that even if the
/// verdict has level 0. A noalert rule whose children do not match lets the search continue.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "wazuh/json_decoder.h"
#include "wazuh/load_error.h"
#include "wazuh/rule.h"

namespace wazuh {

/// The loaded rule tree.
class Ruleset {
 public:
  Ruleset();
  Ruleset(const Ruleset&) = delete;
  Ruleset& operator=(const Ruleset&) = delete;

  /// Adds the rules of one file, in order. Throws LoadError for an <if_sid>/<if_group> that names
  /// no loaded rule (Wazuh: "Signature ID '%d' not found. Invalid 'if_sid'.").
  void add(std::vector<Rule> rules);

  /// The verdict rule for `event`, or nullptr when no rule matched.
  [[nodiscard]] const Rule* match(const DecodedEvent& event) const;

  /// The rule with `id`, or nullptr.
  [[nodiscard]] const Rule* find(int id) const;

  /// Warnings Wazuh would log while loading (duplicate ids).
  [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }

  /// Every loaded rule, in load order (the category template first).
  [[nodiscard]] const std::deque<Rule>& rules() const { return rules_; }

 private:
  struct Node {
    const Rule* rule = nullptr;
    std::vector<std::unique_ptr<Node>> children{};
  };
  static void insert_child(Node& parent, const Rule& rule);
  static bool attach_by_sid(Node& node, int sid, const Rule& rule);
  static bool attach_by_group(Node& node, const std::string& group, const Rule& rule);
  static const Rule* match_node(const Node& node, const DecodedEvent& event);
  static bool conditions_hold(const Rule& rule, const DecodedEvent& event);

  std::deque<Rule> rules_{};
  Node root_{};  // holds the category template (rule 1) as its only child
  std::vector<std::string> warnings_{};
};

}  // namespace wazuh
