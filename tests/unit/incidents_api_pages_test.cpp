#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "incidents/api_pages.h"

namespace csbridge::incidents {
namespace {

using nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string slurp(const std::string& name) {
  std::ifstream in(std::string(CSBRIDGE_TEST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HttpResponse ok_body(std::string body) {
  HttpResponse r;
  r.status = 200;
  r.body = std::move(body);
  return r;
}

// --- Ids queries --------------------------------------------------------------------------------

TEST(IdPageTest, ParsesTheCasesQueryFixture) {
  const auto page =
      parse_id_page(ok_body(slurp("cases/responses/cases_query_all_CONSTRUCTED.json")));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_TRUE(page.value().total);
  EXPECT_EQ(page.value().ids.size(), static_cast<std::size_t>(*page.value().total));
  EXPECT_EQ(page.value().ids.size(), 3U);
}

TEST(IdPageTest, ParsesTheIncidentsQueryFixtures) {
  const auto page =
      parse_id_page(ok_body(slurp("responses/incidents_query_page_CONSTRUCTED.json")));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_FALSE(page.value().ids.empty());
  EXPECT_TRUE(page.value().ids[0].starts_with("inc:"));
  const auto empty = parse_id_page(ok_body(slurp("responses/incidents_query_empty.json")));
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_TRUE(empty.value().ids.empty());
}

TEST(IdPageTest, TotalIsOptional) {
  const auto page = parse_id_page(ok_body(R"({"meta":{},"resources":["a","b"]})"));
  ASSERT_TRUE(page);
  EXPECT_THAT(page.value().ids, ElementsAre("a", "b"));
  EXPECT_FALSE(page.value().total);
}

TEST(IdPageTest, GarbageIsAParseErrorNeverAnException) {
  for (const char* body :
       {"", "<html>502 Bad Gateway</html>", "{", R"({"meta":{}})", R"({"resources":{"a":1}})",
        R"({"resources":[{"id":"x"}]})", R"({"resources":[1,2]})", "[\"a\"]", "null",
        R"({"resources":["a"]} trailing)"}) {
    const auto page = parse_id_page(ok_body(body));
    ASSERT_FALSE(page) << body;
    EXPECT_EQ(page.error().code, ErrorCode::kParse) << body;
  }
}

TEST(IdPageTest, ErrorsInA200AreAServerErrorWithTheApiMessageAndTraceId) {
  const auto page = parse_id_page(ok_body(
      R"({"meta":{"trace_id":"tr-1"},"resources":[],"errors":[{"code":403,"message":"access denied, authorization failed"}]})"));
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::kServer);
  EXPECT_THAT(page.error().message, HasSubstr("403 access denied, authorization failed"));
  EXPECT_EQ(page.error().trace_id, "tr-1");
}

// --- Entities -----------------------------------------------------------------------------------

TEST(EntitiesTest, ParsesTheCasesEntitiesFixtureKeepingKeyOrder) {
  const auto cases =
      parse_entities(ok_body(slurp("cases/responses/cases_entities_all_ASSEMBLED.json")));
  ASSERT_TRUE(cases) << cases.error().message;
  ASSERT_EQ(cases.value().size(), 3U);
  EXPECT_EQ(cases.value()[0].begin().key(), "access_tags");  // the file's order, not sorted
  for (const auto& c : cases.value()) EXPECT_TRUE(c.contains("id"));
}

TEST(EntitiesTest, ParsesTheIncidentsEntitiesFixture) {
  const auto incidents =
      parse_entities(ok_body(slurp("responses/incidents_entities_full_ASSEMBLED.json")));
  ASSERT_TRUE(incidents) << incidents.error().message;
  EXPECT_EQ(incidents.value().size(), 3U);
}

TEST(EntitiesTest, InvalidUtf8IsReplacedNotRejected) {
  const auto e = parse_entities(ok_body("{\"resources\":[{\"id\":\"c\",\"name\":\"a\xFF b\"}]}"));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e.value()[0]["name"], "a\xEF\xBF\xBD b");
}

TEST(EntitiesTest, GarbageIsAParseError) {
  for (const char* body : {"", "{\"resources\":[{\"id\":", "nope", R"({"errors":[]})"}) {
    const auto e = parse_entities(ok_body(body));
    ASSERT_FALSE(e) << body;
    EXPECT_EQ(e.error().code, ErrorCode::kParse) << body;
  }
}

TEST(EntitiesTest, NotFoundErrorsAreToleratedOthersAreNot) {
  const auto partial = parse_entities(ok_body(
      R"({"resources":[{"id":"a"}],"errors":[{"code":404,"message":"case b not found"}]})"));
  ASSERT_TRUE(partial) << partial.error().message;
  EXPECT_EQ(partial.value().size(), 1U);
  const auto denied = parse_entities(ok_body(
      R"({"resources":[],"errors":[{"code":404,"message":"x"},{"code":403,"message":"access denied"}]})"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kServer);
  EXPECT_THAT(denied.error().message, HasSubstr("access denied"));
}

// --- Matching -----------------------------------------------------------------------------------

std::vector<ordered_json> entities(std::initializer_list<const char*> ids) {
  std::vector<ordered_json> out;
  for (const char* id : ids) out.push_back(ordered_json{{"id", id}, {"n", std::string(id) + "!"}});
  return out;
}

TEST(MatchByIdTest, ShuffledEntitiesComeBackInRequestOrder) {
  const auto m = match_by_id(entities({"c", "a", "b"}), {"a", "b", "c"}, "id");
  ASSERT_EQ(m.records.size(), 3U);
  EXPECT_EQ(m.records[0]["n"], "a!");
  EXPECT_EQ(m.records[1]["n"], "b!");
  EXPECT_EQ(m.records[2]["n"], "c!");
  EXPECT_TRUE(m.missing.empty());
  EXPECT_EQ(m.unrequested, 0U);
}

TEST(MatchByIdTest, MissingExtraRepeatedAndIdlessEntities) {
  std::vector<ordered_json> got = entities({"c", "x", "a", "a"});
  got.push_back(ordered_json{{"name", "no id"}});
  got.push_back(ordered_json{{"id", 7}});
  const auto m = match_by_id(std::move(got), {"a", "b", "c", "b"}, "id");
  ASSERT_EQ(m.records.size(), 2U);
  EXPECT_EQ(m.records[0]["id"], "a");
  EXPECT_EQ(m.records[1]["id"], "c");
  EXPECT_THAT(m.missing, ElementsAre("b"));
  EXPECT_EQ(m.unrequested, 4U);  // x, the second a, the id-less one, the numeric id
}

TEST(MatchByIdTest, IncidentsMatchOnIncidentId) {
  std::vector<ordered_json> got{ordered_json{{"incident_id", "inc:2"}},
                                ordered_json{{"incident_id", "inc:1"}}};
  const auto m = match_by_id(std::move(got), {"inc:1", "inc:2"}, "incident_id");
  ASSERT_EQ(m.records.size(), 2U);
  EXPECT_EQ(m.records[0]["incident_id"], "inc:1");
}

}  // namespace
}  // namespace csbridge::incidents
