#include "attack_enricher.h"

#include <algorithm>
#include <unordered_set>

#include "api_pages.h"

namespace csbridge::incidents {
namespace {

using nlohmann::ordered_json;

const ordered_json* member(const ordered_json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  const auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

const std::string* string_member(const ordered_json* object, std::string_view key) {
  const ordered_json* v = member(object, key);
  return v != nullptr && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

void add_unique(std::vector<std::string>& names, const std::string* name) {
  if (name == nullptr || name->empty()) return;
  if (std::find(names.begin(), names.end(), *name) == names.end()) names.push_back(*name);
}

}  // namespace

std::vector<std::string> case_alert_ids(const ordered_json& case_record) {
  std::vector<std::string> ids;
  const ordered_json* records =
      member(member(member(&case_record, "evidence"), "alerts"), "records");
  if (records == nullptr || !records->is_array()) return ids;
  std::unordered_set<std::string> seen;
  for (const auto& r : *records) {
    const std::string* id = string_member(member(&r, "selector"), "id");
    if (id == nullptr || id->empty()) id = string_member(&r, "id");
    if (id != nullptr && !id->empty() && seen.insert(*id).second) ids.push_back(*id);
  }
  return ids;
}

void add_attack_names(const ordered_json& alert, AttackNames& into) {
  add_unique(into.techniques, string_member(&alert, "technique"));
  add_unique(into.tactics, string_member(&alert, "tactic"));
  const ordered_json* mitre = member(&alert, "mitre_attack");
  if (mitre == nullptr || !mitre->is_array()) return;
  for (const auto& m : *mitre) {
    add_unique(into.techniques, string_member(&m, "technique"));
    add_unique(into.tactics, string_member(&m, "tactic"));
  }
}

Result<AttackNamesById> AttackEnricher::lookup(const std::vector<std::string>& composite_ids,
                                               StopSignal& stop) {
  AttackNamesById out;
  for (std::size_t begin = 0; begin < composite_ids.size(); begin += kChunk) {
    const std::size_t end = std::min(composite_ids.size(), begin + kChunk);
    HttpRequest req;
    req.method = "POST";
    req.url = "/alerts/entities/alerts/v2";
    req.headers = {{"Content-Type", "application/json"}};
    req.body = nlohmann::json{{"composite_ids",
                               std::vector<std::string>(
                                   composite_ids.begin() + static_cast<std::ptrdiff_t>(begin),
                                   composite_ids.begin() + static_cast<std::ptrdiff_t>(end))}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto alerts = client_.call<std::vector<ordered_json>>(req, parse_entities, stop);
    if (!alerts) return std::move(alerts).error();
    for (const auto& alert : alerts.value()) {
      const std::string* id = string_member(&alert, "composite_id");
      if (id == nullptr) id = string_member(&alert, "id");
      if (id != nullptr) add_attack_names(alert, out[*id]);
    }
  }
  return out;
}

}  // namespace csbridge::incidents
