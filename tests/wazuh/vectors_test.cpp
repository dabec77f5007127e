// The evaluator against the 406 ground-truth vectors recorded from a real Wazuh 4.14.7
// (tests/data/wazuh-vectors/README.md): decoding must agree on every vector; verdicts with the
// seed post's rules must agree with `rule_seed_only` (category template + seed file) and, with
// the stock model loaded in front, with `rule` (the full stock ruleset).
// tests/data/wazuh-vectors/seed_crowdstrike.xml is the last xml block of the seed post, byte for
// byte (sha256 d73ec3ce25ff6a98621d74541cdadef00320caa4bbc598a815beb99718cb76cf, as the README
// of the vectors requires); rules/crowdstrike.xml has replaced it in the project.

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "test_lines.h"
#include "wazuh/evaluator.h"

namespace wazuh {
namespace {

using nlohmann::json;

constexpr std::size_t kVectorCount = 406;
constexpr int kMaxReported = 15;

std::vector<json> load_vectors() {
  std::istringstream in(testing::read_text(testing::data_dir() + "/wazuh-vectors/vectors.ndjson"));
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

const std::vector<json>& vectors() {
  static const std::vector<json> v = load_vectors();
  return v;
}

std::string seed_file() { return testing::data_dir() + "/wazuh-vectors/seed_crowdstrike.xml"; }

/// Describes how `got` differs from the vector's decoding, or "" when it agrees exactly.
std::string decoding_diff(const json& v, const DecodedEvent& got) {
  std::ostringstream d;
  const std::string want_decoder =
      v["decoded_as"].is_null() ? "" : v["decoded_as"].get<std::string>();
  if (got.decoder != want_decoder)
    d << "decoder '" << got.decoder << "' want '" << want_decoder << "'; ";
  json fields = json::array();
  for (const auto& [k, val] : got.fields) fields.push_back({k, val});
  if (fields != v["field_list"]) d << "field_list " << fields.dump().substr(0, 400) << "; ";
  json statics = json::object();
  for (const auto& [slot, val] : got.statics()) statics[slot] = val;
  if (statics != v["static"]) d << "static " << statics.dump() << "; ";
  json static_list = json::array();
  for (const auto& a : got.static_list) static_list.push_back({a.key, a.slot, a.value});
  if (static_list != v["static_list"]) d << "static_list " << static_list.dump() << "; ";
  std::size_t want_errors = 0;
  for (const auto& e : v["errors"]) {
    if (e["message"] == std::string(kTooManyFieldsError))
      want_errors += e["count"].get<std::size_t>();
  }
  if (got.dropped_fields != want_errors)
    d << "dropped " << got.dropped_fields << " want " << want_errors;
  return d.str();
}

/// Describes how `got` differs from an expected verdict object (or null), "" when it agrees.
std::string verdict_diff(const json& want, const Verdict& got, bool full) {
  std::ostringstream d;
  if (want.is_null()) {
    if (got.matched()) d << "rule " << got.rule_id << " want none";
    return d.str();
  }
  if (std::to_string(got.rule_id) != want["id"].get<std::string>()) {
    d << "rule " << got.rule_id << " want " << want["id"].get<std::string>() << "; ";
  }
  if (got.level != want["level"].get<int>()) d << "level " << got.level << "; ";
  if (got.description != want["description"].get<std::string>()) {
    d << "description '" << got.description.substr(0, 120) << "'; ";
  }
  if (got.alert != want["alert"].get<bool>()) d << "alert " << got.alert << "; ";
  if (full) {
    if (got.mail != want["mail"].get<bool>()) d << "mail " << got.mail << "; ";
    if (json(got.groups) != want["groups"]) d << "groups " << json(got.groups).dump();
  }
  return d.str();
}

/// Runs `check` over every vector; reports up to kMaxReported differences, prints x/406.
template <class Check>
void expect_all_agree(const char* what, Check check) {
  ASSERT_EQ(vectors().size(), kVectorCount) << "vectors.ndjson is incomplete";
  std::size_t agree = 0;
  int reported = 0;
  for (const json& v : vectors()) {
    const std::string diff = check(v);
    if (diff.empty()) {
      ++agree;
    } else if (reported++ < kMaxReported) {
      ADD_FAILURE() << what << " differs on " << v["name"].get<std::string>() << ": " << diff;
    }
  }
  std::cout << "[ vectors  ] " << what << ": " << agree << "/" << vectors().size() << " agree\n";
  EXPECT_EQ(agree, vectors().size());
}

TEST(WazuhVectors, DecodingAgreesOnEveryVector) {
  expect_all_agree("decoding", [](const json& v) {
    return decoding_diff(v, decode(v["input"].get<std::string>()));
  });
}

TEST(WazuhVectors, InputBytesAreWhatTheVectorsSay) {
  for (const json& v : vectors()) {
    EXPECT_EQ(v["input"].get<std::string>().size(), v["input_bytes"].get<std::size_t>())
        << v["name"];
  }
}

TEST(WazuhVectors, SeedRulesVerdictsAgreeWithRuleSeedOnly) {
  const Evaluator ev = Evaluator::load(seed_file(), {.stock = StockRules::kNone});
  expect_all_agree("seed-only verdicts", [&](const json& v) {
    return verdict_diff(v["rule_seed_only"], ev.evaluate(v["input"].get<std::string>()), false);
  });
}

TEST(WazuhVectors, FullStockVerdictsAgreeWithRule) {
  const Evaluator ev = Evaluator::load(seed_file());
  expect_all_agree("full-stock verdicts", [&](const json& v) {
    return verdict_diff(v["rule"], ev.evaluate(v["input"].get<std::string>()), true);
  });
}

// The checks above must be able to fail: a wrong decoder setting or a wrong rules file shows up.
TEST(WazuhVectors, ComparisonDetectsADifferentFieldCap) {
  std::size_t differing = 0;
  for (const json& v : vectors()) {
    const DecodedEvent got = decode(v["input"].get<std::string>(), DecoderOptions{200});
    if (!decoding_diff(v, got).empty()) ++differing;
  }
  EXPECT_GE(differing, 4U);  // the cap vectors with 256+ fields
}

TEST(WazuhVectors, ComparisonDetectsDifferentRules) {
  const Evaluator ev = Evaluator::load(testing::rules_file());
  std::size_t differing = 0;
  for (const json& v : vectors()) {
    if (!verdict_diff(v["rule"], ev.evaluate(v["input"].get<std::string>()), true).empty()) {
      ++differing;
    }
  }
  EXPECT_GT(differing, 200U);  // the vectors carry no marker: the new rules ignore them
}

}  // namespace
}  // namespace wazuh
