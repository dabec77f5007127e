#include "wazuh/evaluator.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "wazuh/description.h"
#include "wazuh/logcollector.h"
#include "wazuh/rule_loader.h"
#include "wazuh/ruleset.h"
#include "wazuh/stock_model.h"

namespace wazuh {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read rules file " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_option(const Rule& r, std::string_view option) {
  return std::find(r.options.begin(), r.options.end(), option) != r.options.end();
}

/// The alert's rule.groups: the group string split on ',', compliance tags moved out by Wazuh.
std::vector<std::string> alert_groups(const std::string& group) {
  static constexpr std::array<std::string_view, 7> kCompliance{
      "pci_dss_", "gpg13_", "gdpr_", "hipaa_", "nist_800_53_", "tsc_", "cis_"};
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    const bool compliance = std::any_of(kCompliance.begin(), kCompliance.end(),
                                        [&](std::string_view p) { return word.starts_with(p); });
    if (!word.empty() && !compliance) out.push_back(word);
    word.clear();
  };
  for (const char c : group) {
    if (c == ',') {
      flush();
    } else if (c != ' ' && c != '\n' && c != '\t') {
      word.push_back(c);
    }
  }
  flush();
  return out;
}

}  // namespace

Evaluator::Evaluator(const EvaluatorOptions& options)
    : options_(options), ruleset_(std::make_unique<Ruleset>()) {
  if (options_.stock == StockRules::kModel) {
    for (const auto& [name, xml] : stock_model_files()) add_file(xml, name, false);
  }
}

Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;
Evaluator::~Evaluator() = default;

void Evaluator::add_file(std::string_view xml, std::string_view name, bool own) {
  std::vector<Rule> rules = parse_rules_xml(xml, name);
  std::vector<int> ids;
  ids.reserve(rules.size());
  for (const Rule& r : rules) ids.push_back(r.id);
  ruleset_->add(std::move(rules));
  if (own) own_ids_.insert(own_ids_.end(), ids.begin(), ids.end());
}

Evaluator Evaluator::load(const std::filesystem::path& rules_file,
                          const EvaluatorOptions& options) {
  return load(std::vector<std::filesystem::path>{rules_file}, options);
}

Evaluator Evaluator::load(const std::vector<std::filesystem::path>& rules_files,
                          const EvaluatorOptions& options) {
  Evaluator ev(options);
  for (const auto& path : rules_files) {
    ev.add_file(read_file(path), path.filename().string(), true);
  }
  return ev;
}

Evaluator Evaluator::from_xml(std::string_view xml, std::string_view name,
                              const EvaluatorOptions& options) {
  Evaluator ev(options);
  ev.add_file(xml, name, true);
  return ev;
}

Verdict Evaluator::evaluate(std::string_view line) const {
  Verdict v;
  v.event = decode(line, DecoderOptions{options_.decoder_order_size});
  v.decoder = v.event.decoder;
  v.decoded_ok = v.event.json_parsed;
  const Rule* rule = ruleset_->match(v.event);
  if (rule == nullptr) return v;
  v.rule_id = rule->id;
  v.level = rule->level;
  v.description = expand_description(rule->description, v.event);
  v.groups = alert_groups(rule->group);
  v.alert = rule->level >= options_.log_alert_level && !has_option(*rule, "no_log");
  v.mail = v.alert && !has_option(*rule, "no_email_alert") &&
           (rule->level >= options_.email_alert_level || has_option(*rule, "alert_by_email"));
  return v;
}

Verdict Evaluator::evaluate_collected(std::string_view line) const {
  const CollectedLine c = collect_json_line(line);
  if (!c.forwarded) {
    Verdict v;
    v.collected = false;
    v.drop_reason = c.reason;
    return v;
  }
  return evaluate(c.line);
}

const Rule* Evaluator::find_rule(int id) const { return ruleset_->find(id); }

const std::vector<std::string>& Evaluator::warnings() const { return ruleset_->warnings(); }

}  // namespace wazuh
