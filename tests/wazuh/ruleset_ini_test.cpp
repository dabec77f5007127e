// rules/tests/crowdstrike.ini is written for Wazuh's own ruleset/testing/runtests.py. This test
// reads it the way runtests.py does (RawConfigParser: [section], key = value split at the first
// '=' or ':', keys lower-cased; `log ...` keys are test lines, those ending in "fail" expect a
// mismatch) and runs every line through the evaluator with wazuh-logtest's check: the verdict
// must have the section's rule id, level (`alert`) and decoder.

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "test_lines.h"
#include "wazuh/evaluator.h"

namespace wazuh {
namespace {

struct IniSection {
  std::string name{};
  std::map<std::string, std::string> values{};
  std::vector<std::pair<std::string, std::string>> logs{};  // key, line
};

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::vector<IniSection> parse_ini(const std::string& text) {
  std::vector<IniSection> sections;
  std::istringstream in(text);
  for (std::string raw; std::getline(in, raw);) {
    const std::string line = trim(raw);
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    if (line.front() == '[' && line.back() == ']') {
      sections.push_back({line.substr(1, line.size() - 2), {}, {}});
      continue;
    }
    const std::size_t split = line.find_first_of("=:");
    if (split == std::string::npos || sections.empty()) {
      ADD_FAILURE() << "unparsable ini line: " << line;
      continue;
    }
    const std::string key = ascii_lower(trim(line.substr(0, split)));
    const std::string value = trim(line.substr(split + 1));
    if (key.starts_with("log ")) {
      sections.back().logs.emplace_back(key, value);
    } else {
      sections.back().values[key] = value;
    }
  }
  return sections;
}

TEST(RulesetIni, EveryLineBehavesAsTheSectionSays) {
  const Evaluator ev = Evaluator::load(testing::rules_file());
  const auto sections = parse_ini(testing::read_text(testing::rules_ini_file()));
  ASSERT_GE(sections.size(), 20U);
  std::size_t lines = 0;
  for (const IniSection& s : sections) {
    SCOPED_TRACE(s.name);
    ASSERT_EQ(s.values.count("rule"), 1U);
    ASSERT_EQ(s.values.count("alert"), 1U);
    ASSERT_EQ(s.values.count("decoder"), 1U);
    ASSERT_FALSE(s.logs.empty());
    const int rule = std::stoi(s.values.at("rule"));
    const int level = std::stoi(s.values.at("alert"));
    for (const auto& [key, line] : s.logs) {
      ++lines;
      const Verdict v = ev.evaluate(line);
      const bool hit = v.rule_id == rule && v.level == level && v.decoder == s.values.at("decoder");
      const bool expect_fail = key.ends_with("fail");
      EXPECT_NE(hit, expect_fail) << key << ": got rule " << v.rule_id << " level " << v.level;
      // What the daemons write goes through logcollector first: same verdict.
      EXPECT_EQ(ev.evaluate_collected(line).rule_id, v.rule_id) << key;
    }
  }
  EXPECT_GE(lines, 100U);
}

TEST(RulesetIni, CoversEveryBandAndKind) {
  const auto sections = parse_ini(testing::read_text(testing::rules_ini_file()));
  std::map<int, int> rules_tested;
  for (const IniSection& s : sections) ++rules_tested[std::stoi(s.values.at("rule"))];
  for (const int id :
       {222297, 222298, 222299, 222300, 222301, 222302, 222304, 222305, 222306, 222307, 222308,
        222311, 222314, 222315, 222316, 222317, 222318, 222319, 222323}) {
    EXPECT_GE(rules_tested[id], 1) << id;
  }
}

TEST(RulesetIni, ParserSplitsAtTheFirstDelimiter) {
  const auto s = parse_ini("[x]\nlog 1 pass = {\"a\":\"b=c\"}\nRule: 5\n");
  ASSERT_EQ(s.size(), 1U);
  ASSERT_EQ(s[0].logs.size(), 1U);
  EXPECT_EQ(s[0].logs[0].second, "{\"a\":\"b=c\"}");
  EXPECT_EQ(s[0].values.at("rule"), "5");
}

}  // namespace
}  // namespace wazuh
