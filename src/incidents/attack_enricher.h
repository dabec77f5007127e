#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "csbridge/clock.h"
#include "csbridge/falcon_client.h"
#include "incident_rows.h"

namespace csbridge::incidents {

/// The alert composite ids a case's evidence names: evidence.alerts.records[].selector.id,
/// falling back to .id (Jul 2026 schema); unique, in order. Lenient: missing levels are empty.
[[nodiscard]] std::vector<std::string> case_alert_ids(const nlohmann::ordered_json& case_record);

/// Appends the technique and tactic names of one alert (technique, tactic and
/// mitre_attack[].technique / .tactic) to `into`, skipping empty and repeated names.
void add_attack_names(const nlohmann::ordered_json& alert, AttackNames& into);

/// Alert composite id → its technique and tactic names.
using AttackNamesById = std::unordered_map<std::string, AttackNames>;

/// Looks up alerts with POST /alerts/entities/alerts/v2 {"composite_ids":[...]}, at most 1000
/// ids a call (needs the Alerts: Read scope). Not thread-safe.
class AttackEnricher {
 public:
  /// Ids per call, the endpoint's maximum.
  static constexpr std::size_t kChunk = 1000;

  explicit AttackEnricher(FalconClient& client) : client_(client) {}

  /// Names of each alert the API returned (alerts it omits are simply absent). Errors are
  /// FalconClient's, after its retries.
  [[nodiscard]] Result<AttackNamesById> lookup(const std::vector<std::string>& composite_ids,
                                               StopSignal& stop);

 private:
  FalconClient& client_;
};

}  // namespace csbridge::incidents
