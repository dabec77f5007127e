// rules/ossec.conf.snippet: one <localfile> per output file, fixed paths of the packaged layout,
// JSON format, and the backlog read after a restart.

#include <gtest/gtest.h>

#include <regex>

#include "test_lines.h"

namespace wazuh {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

/// The snippet without its XML comments (which mention the tags they explain).
std::string snippet_without_comments() {
  std::string text = testing::read_text(std::string(CSBRIDGE_RULES_DIR) + "/ossec.conf.snippet");
  for (std::size_t start = text.find("<!--"); start != std::string::npos;
       start = text.find("<!--")) {
    const std::size_t end = text.find("-->", start);
    EXPECT_NE(end, std::string::npos) << "unterminated comment";
    if (end == std::string::npos) break;
    text.erase(start, end + 3 - start);
  }
  return text;
}

TEST(OssecSnippet, OneJsonLocalfilePerOutputFile) {
  const std::string text = snippet_without_comments();
  EXPECT_EQ(count(text, "<ossec_config>"), 1U);
  EXPECT_EQ(count(text, "</ossec_config>"), 1U);
  EXPECT_EQ(count(text, "<localfile>"), 2U);
  EXPECT_EQ(count(text, "</localfile>"), 2U);
  EXPECT_EQ(count(text, "<log_format>json</log_format>"), 2U);
  EXPECT_EQ(count(text, "<only-future-events>no</only-future-events>"), 2U);
  EXPECT_EQ(
      count(text, "<location>/var/lib/cs-bridge/detections/crowdstrike_alerts.jsonl</location>"),
      1U);
  EXPECT_EQ(
      count(text, "<location>/var/lib/cs-bridge/incidents/crowdstrike_incidents.jsonl</location>"),
      1U);
  const std::regex location("<location>([^<]*)</location>");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), location);
       it != std::sregex_iterator(); ++it) {
    EXPECT_EQ((*it)[1].str().find_first_of("*?[{"), std::string::npos)
        << "no wildcard: " << (*it)[1];
  }
  EXPECT_EQ(count(text, "<label"), 0U);
}

}  // namespace
}  // namespace wazuh
