#include "source_spec.h"

#include "csbridge/oauth2_client.h"

namespace csbridge::incidents {

SourceSpec cases_spec() {
  SourceSpec s;
  s.kind = RecordKind::kCase;
  s.noun = "case";
  s.query_path = "/cases/queries/cases/v1";
  s.entities_path = "/cases/entities/cases/v2";
  s.time_field = "updated_timestamp";
  s.id_field = "id";
  s.version_field = "version";
  s.entities_chunk = 100;  // undocumented maximum; falcon-cases.md §1.2 recommends ≤ 100
  s.max_limit = 10000;
  return s;
}

SourceSpec incidents_spec() {
  SourceSpec s;
  s.kind = RecordKind::kIncident;
  s.noun = "incident";
  s.query_path = "/incidents/queries/incidents/v1";
  s.entities_path = "/incidents/entities/incidents/GET/v1";
  s.time_field = "modified_timestamp";
  s.id_field = "incident_id";
  s.version_field = "modified_timestamp";
  s.entities_chunk = 500;  // the API's documented maximum
  s.max_limit = 500;
  return s;
}

std::string window_filter(std::string_view field, const TimeWindow& window) {
  const std::string f{field};
  return f + ":>='" + format_rfc3339(window.from) + "'+" + f + ":<='" + format_rfc3339(window.to) +
         "'";
}

std::string query_target(const SourceSpec& spec, const TimeWindow& window, int limit,
                         std::int64_t offset) {
  return spec.query_path + "?filter=" + form_urlencode(window_filter(spec.time_field, window)) +
         "&sort=" + form_urlencode(spec.time_field + ".asc") + "&limit=" + std::to_string(limit) +
         "&offset=" + std::to_string(offset);
}

}  // namespace csbridge::incidents
