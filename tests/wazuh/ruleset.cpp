#include "wazuh/ruleset.h"

#include "wazuh/os_regex.h"

namespace wazuh {
namespace {

/// The order key of a rule among its siblings: Wazuh stores level x100, and level 0 as 9900.
int order_key(const Rule& r) { return r.level == 0 ? 9900 : r.level * 100; }

}  // namespace

Ruleset::Ruleset() {
  Rule syslog;
  syslog.id = 1;
  syslog.level = 0;
  syslog.noalert = true;
  syslog.description = "Generic template for all syslog rules.";
  syslog.group = "syslog,";
  syslog.source = "0010-rules_config.xml";
  rules_.push_back(std::move(syslog));
  insert_child(root_, rules_.back());
}

void Ruleset::insert_child(Node& parent, const Rule& rule) {
  auto node = std::make_unique<Node>();
  node->rule = &rule;
  auto& kids = parent.children;
  auto it = kids.begin();
  while (it != kids.end() && order_key(rule) <= order_key(*(*it)->rule)) ++it;
  kids.insert(it, std::move(node));
}

bool Ruleset::attach_by_sid(Node& node, int sid, const Rule& rule) {
  for (auto& child : node.children) {
    if (child->rule->id == sid) {
      insert_child(*child, rule);
      return true;
    }
    if (attach_by_sid(*child, sid, rule)) return true;
  }
  return false;
}

bool Ruleset::attach_by_group(Node& node, const std::string& group, const Rule& rule) {
  bool attached = false;
  // Index loop: insert_child never touches `node.children` itself, only a child's list.
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    Node& child = *node.children[i];
    if (os_word_match(group, child.rule->group) && child.rule->id != rule.id) {
      insert_child(child, rule);
      attached = true;
    }
    if (attach_by_group(child, group, rule)) attached = true;
  }
  return attached;
}

void Ruleset::add(std::vector<Rule> rules) {
  for (Rule& r : rules) {
    if (find(r.id) != nullptr) {
      warnings_.push_back(r.source + ": duplicate rule id " + std::to_string(r.id) +
                          " (skipped, as Wazuh does without overwrite=\"yes\")");
      continue;
    }
    rules_.push_back(std::move(r));
    const Rule& rule = rules_.back();
    if (!rule.if_sid.empty()) {
      for (const int sid : rule.if_sid) {
        if (!attach_by_sid(root_, sid, rule)) {
          throw LoadError(rule.source + ": rule " + std::to_string(rule.id) +
                          ": rules_list: Signature ID '" + std::to_string(sid) +
                          "' not found. Invalid 'if_sid'.");
        }
      }
    } else if (rule.if_group) {
      if (!attach_by_group(root_, *rule.if_group, rule)) {
        throw LoadError(rule.source + ": rule " + std::to_string(rule.id) +
                        ": rules_list: Group '" + *rule.if_group +
                        "' not found. Invalid 'if_group'.");
      }
    } else {
      insert_child(*root_.children.front(), rule);
    }
  }
}

const Rule* Ruleset::find(int id) const {
  for (const Rule& r : rules_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool Ruleset::conditions_hold(const Rule& rule, const DecodedEvent& event) {
  if (rule.decoded_as && *rule.decoded_as != event.decoder) return false;
  if (rule.match && !rule.match->matches(event.log)) return false;
  for (const FieldCondition& f : rule.fields) {
    const std::string* value = event.find_field(f.name);
    if (value == nullptr || !f.expression.matches(*value)) return false;
  }
  return true;
}

const Rule* Ruleset::match_node(const Node& node, const DecodedEvent& event) {
  if (!conditions_hold(*node.rule, event)) return nullptr;
  for (const auto& child : node.children) {
    if (const Rule* r = match_node(*child, event)) return r;
  }
  return node.rule->noalert ? nullptr : node.rule;
}

const Rule* Ruleset::match(const DecodedEvent& event) const {
  for (const auto& top : root_.children) {
    if (const Rule* r = match_node(*top, event)) return r;
  }
  return nullptr;
}

}  // namespace wazuh
