#pragma once

/// \file
/// wazuh::Evaluator: a small in-process stand-in for wazuh-logcollector + wazuh-analysisd 4.14
/// (JSON decoding and rule matching), so tests can check what a Wazuh manager would make of the
/// NDJSON lines cs-bridge writes, without Wazuh.
///
/// Typical use from a test (link the `wazuh_eval` library, which also defines CSBRIDGE_RULES_DIR
/// as the source tree's rules/ for its users; include "wazuh/evaluator.h"):
///
///     const wazuh::Evaluator ev = wazuh::Evaluator::load(CSBRIDGE_RULES_DIR "/crowdstrike.xml");
///     const wazuh::Verdict v = ev.evaluate_collected(line);  // a line of the .jsonl, no '\n'
///     EXPECT_TRUE(v.collected);                          // logcollector would forward it
///     EXPECT_TRUE(v.decoded_ok);                         // decoded as JSON
///     EXPECT_EQ(v.rule_id, 222297);                      // 0 when no rule matched
///     EXPECT_EQ(v.level, 15);
///     EXPECT_TRUE(v.alert);                              // level >= 3: an alert is written
///     EXPECT_EQ(v.event.dropped_fields, 0U);             // nothing lost to the 256-field cap
///
/// evaluate() is what `wazuh-logtest` shows for a line (analysisd only, the ground-truth vectors'
/// view); evaluate_collected() first applies logcollector's JSON reader (65 279-byte limit, NUL
/// bytes, non-object lines, re-serialisation) as the daemons' files are read in production.
///
/// By default the stock rules that can take a JSON line first are loaded before your file (see
/// stock_model.h: the generic keyword rules 1002/2501, the suricata 86600 family, the integration
/// roots); EvaluatorOptions::stock = StockRules::kNone loads only the category template and your
/// file (the vectors' `rule_seed_only` setting).
///
/// Semantics modelled and their sources are described in json_decoder.h (decoding), ruleset.h
/// (tree and search order), rule_loader.h (what makes a file fail to load), os_regex.h and
/// pcre2_pattern.h (patterns), description.h ($(field) and the 1024-byte limit),
/// logcollector.h (line limits). Not modelled: stateful rules (frequency, if_matched_*), CDB
/// lists, GeoIP, labels, the syslog pre-decoder, decoders other than json/json-msgraph.
/// An Evaluator is immutable after load() and may be shared between threads for evaluate*().

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wazuh/json_decoder.h"
#include "wazuh/load_error.h"
#include "wazuh/rule.h"

namespace wazuh {

/// Which stock rules to load before the rules under test.
enum class StockRules {
  kModel,  ///< the stock_model.h subset (what a real manager has in front of etc/rules)
  kNone,   ///< only the category template (as the vectors' rule_seed_only run)
};

/// Settings of the modelled manager.
struct EvaluatorOptions {
  StockRules stock = StockRules::kModel;
  std::size_t decoder_order_size = kDefaultDecoderOrderSize;  ///< analysisd.decoder_order_size
  int log_alert_level = 3;  ///< <log_alert_level>: Verdict::alert when level >= this
  /// Level from which Verdict::mail is set. The vectors (wazuh-logtest) show mail for level 9 and
  /// not for 5; 7 is analysisd's built-in default. A default ossec.conf sets 12.
  int email_alert_level = 7;
};

/// What the manager makes of one line.
struct Verdict {
  bool collected = true;      ///< evaluate_collected(): false when logcollector drops the line
  std::string drop_reason{};  ///< why it was dropped (evaluate_collected() only)
  bool decoded_ok = false;    ///< a JSON decoder took the line and it parsed as a JSON object
  std::string decoder{};      ///< "json", "json-msgraph" or "" (no decoder)
  int rule_id = 0;            ///< the verdict rule; 0 when no rule matched
  int level = 0;              ///< its level (0: matched, but no alert is written)
  std::string description{};  ///< the expanded description (or the raw template, see description.h)
  std::vector<std::string> groups{};  ///< rule groups as in the alert (compliance tags removed)
  bool alert = false;                 ///< an alert would be written (level >= log_alert_level)
  bool mail = false;     ///< an e-mail would be sent (level >= email_alert_level, options)
  DecodedEvent event{};  ///< the decoded fields, static slots and dropped-field count

  /// A rule matched (possibly at level 0).
  [[nodiscard]] bool matched() const { return rule_id != 0; }
};

class Ruleset;

/// Loaded rules plus the decoder; see the file comment.
class Evaluator {
 public:
  /// Loads one rules file after the stock model. Throws LoadError when Wazuh would refuse the
  /// file (or it needs an unmodelled feature), std::runtime_error when it cannot be read.
  [[nodiscard]] static Evaluator load(const std::filesystem::path& rules_file,
                                      const EvaluatorOptions& options = {});
  /// Loads several rules files in order (as etc/rules/*.xml).
  [[nodiscard]] static Evaluator load(const std::vector<std::filesystem::path>& rules_files,
                                      const EvaluatorOptions& options = {});
  /// Loads rules given as XML text (`name` is used in messages). Throws LoadError.
  [[nodiscard]] static Evaluator from_xml(std::string_view xml, std::string_view name,
                                          const EvaluatorOptions& options = {});

  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;
  ~Evaluator();

  /// analysisd's view of `line` (as wazuh-logtest): decoding, then the rule search.
  [[nodiscard]] Verdict evaluate(std::string_view line) const;
  /// logcollector then analysisd: `line` as it is written in the .jsonl file, without '\n'.
  [[nodiscard]] Verdict evaluate_collected(std::string_view line) const;

  /// The loaded rule with `id` (stock model included), or nullptr.
  [[nodiscard]] const Rule* find_rule(int id) const;
  /// Ids of the rules loaded from the caller's files, in load order.
  [[nodiscard]] const std::vector<int>& own_rule_ids() const { return own_ids_; }
  /// Load-time warnings (duplicate ids).
  [[nodiscard]] const std::vector<std::string>& warnings() const;

 private:
  explicit Evaluator(const EvaluatorOptions& options);
  void add_file(std::string_view xml, std::string_view name, bool own);

  EvaluatorOptions options_;
  std::unique_ptr<Ruleset> ruleset_;
  std::vector<int> own_ids_{};
};

}  // namespace wazuh
