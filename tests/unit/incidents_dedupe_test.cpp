#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "incidents/dedupe.h"

namespace csbridge::incidents {
namespace {

using nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr Timestamp kW{1'779'796'800LL * 1'000'000'000LL};
constexpr Timestamp kLater{kW.ns + 1};

class DedupeTest : public ::testing::Test {
 protected:
  DedupeDecision run(const char* id, std::optional<std::string> version, bool emit_updates,
                     std::optional<Timestamp> time = kLater) {
    return decide([this](std::string_view k) { return seen.contains(std::string(k)); },
                  DedupeInput{id, std::move(version), time, kW, emit_updates});
  }
  std::set<std::string> seen;
};

TEST_F(DedupeTest, DefaultWritesEachIdOnceEver) {
  const auto first = run("c1", "3", false);
  EXPECT_TRUE(first.write);
  EXPECT_FALSE(first.event_action);
  EXPECT_THAT(first.keys, ElementsAre("c1"));
  seen.insert("c1");
  const auto again = run("c1", "4", false);
  EXPECT_FALSE(again.write);
  EXPECT_THAT(again.keys, IsEmpty());
}

TEST_F(DedupeTest, EmitUpdatesWritesEachVersionOnce) {
  const auto created = run("c1", "3", true);
  EXPECT_TRUE(created.write);
  EXPECT_EQ(created.event_action, "created");
  EXPECT_THAT(created.keys, ElementsAre("c1", "c1#", "c1#3"));
  seen.insert(created.keys.begin(), created.keys.end());

  const auto same = run("c1", "3", true);
  EXPECT_FALSE(same.write);
  EXPECT_THAT(same.keys, IsEmpty());

  const auto updated = run("c1", "4", true);
  EXPECT_TRUE(updated.write);
  EXPECT_EQ(updated.event_action, "updated");
  EXPECT_THAT(updated.keys, ElementsAre("c1#4"));
}

TEST_F(DedupeTest, EmitUpdatesAdoptsTheVersionWrittenWithoutTheFlag) {
  // The seed (or a run without --emit-updates) wrote c1, at or before the watermark; the query
  // (which starts --lookback before it) reads it again: that is not an update.
  seen.insert("c1");
  const auto adopted = run("c1", "2026-05-26T12:00:00Z", true, kW);
  EXPECT_FALSE(adopted.write);
  EXPECT_THAT(adopted.keys, ElementsAre("c1#", "c1#2026-05-26T12:00:00Z"));
  // A version newer than the watermark is a real update.
  const auto newer = run("c1", "2026-05-26T12:00:00.000000001Z", true, kLater);
  EXPECT_TRUE(newer.write);
  EXPECT_EQ(newer.event_action, "updated");
  EXPECT_THAT(newer.keys, ElementsAre("c1#", "c1#2026-05-26T12:00:00.000000001Z"));
}

TEST_F(DedupeTest, ATrackedIdsLateIndexedUpdateIsNotMistakenForTheOldVersion) {
  seen = {"c1", "c1#", "c1#3"};
  const Timestamp before_watermark{kW.ns - 60'000'000'000LL};
  const auto update = run("c1", "4", true, before_watermark);
  EXPECT_TRUE(update.write);
  EXPECT_EQ(update.event_action, "updated");
  EXPECT_THAT(update.keys, ElementsAre("c1#4"));
}

TEST_F(DedupeTest, WithoutAVersionEmitUpdatesFallsBackToTheId) {
  const auto first = run("c1", std::nullopt, true);
  EXPECT_TRUE(first.write);
  EXPECT_EQ(first.event_action, "created");
  EXPECT_THAT(first.keys, ElementsAre("c1"));
  seen.insert("c1");
  EXPECT_FALSE(run("c1", std::nullopt, true).write);
}

TEST(VersionOfTest, StringsNumbersAndNothing) {
  const auto r = ordered_json::parse(
      R"({"version":7,"modified_timestamp":"2026-01-01T00:00:00.5Z","n":null,"o":{},"f":1.5})");
  EXPECT_EQ(version_of(r, "version"), "7");
  EXPECT_EQ(version_of(r, "modified_timestamp"), "2026-01-01T00:00:00.5Z");
  EXPECT_EQ(version_of(r, "f"), "1.5");
  EXPECT_FALSE(version_of(r, "n"));
  EXPECT_FALSE(version_of(r, "o"));
  EXPECT_FALSE(version_of(r, "missing"));
  EXPECT_FALSE(version_of(ordered_json::array(), "version"));
  EXPECT_EQ(version_key("c1", "7"), "c1#7");
  EXPECT_EQ(tracked_key("c1"), "c1#");
  EXPECT_FALSE(version_of(ordered_json::parse(R"({"v":""})"), "v"));
}

TEST(RowKeysTest, IdAndWithEmitUpdatesItsVersionKeys) {
  const auto row = nlohmann::json::parse(
      R"({"crowdstrike.id":"c1","crowdstrike.version":7,"crowdstrike.device_id":"d"})");
  const RecordKeys plain = row_keys(row, "crowdstrike.id", "crowdstrike.version", false);
  EXPECT_THAT(plain.keys, ElementsAre("c1"));
  EXPECT_FALSE(plain.timestamp);
  EXPECT_THAT(row_keys(row, "crowdstrike.id", "crowdstrike.version", true).keys,
              ElementsAre("c1", "c1#", "c1#7"));
  const auto inc = nlohmann::json::parse(
      R"({"crowdstrike.incident_id":"inc:1","crowdstrike.modified_timestamp":"2026-01-01T00:00:00Z"})");
  EXPECT_THAT(row_keys(inc, "crowdstrike.incident_id", "crowdstrike.modified_timestamp", true).keys,
              ElementsAre("inc:1", "inc:1#", "inc:1#2026-01-01T00:00:00Z"));
  EXPECT_THAT(row_keys(nlohmann::json::parse(R"({"crowdstrike.id":5})"), "crowdstrike.id",
                       "crowdstrike.version", true)
                  .keys,
              IsEmpty());
  EXPECT_THAT(row_keys(nlohmann::json::array(), "crowdstrike.id", "crowdstrike.version", true).keys,
              IsEmpty());
}

TEST(RowKeysTest, ARowNumberMakesTheRowOnePartOfItsRecord) {
  const auto keys_of = [](const char* text) {
    return row_keys(nlohmann::json::parse(text), "crowdstrike.id", "crowdstrike.version", false);
  };
  const RecordKeys second = keys_of(R"({"cs_row":"2/3","crowdstrike.id":"c"})");
  EXPECT_EQ(second.part, 2U);
  EXPECT_EQ(second.parts, 3U);
  // Missing or malformed numbers leave the row a whole record.
  for (const char* text :
       {R"({"crowdstrike.id":"c"})", R"({"cs_row":"4/3","crowdstrike.id":"c"})",
        R"({"cs_row":"0/3","crowdstrike.id":"c"})", R"({"cs_row":"2/3x","crowdstrike.id":"c"})",
        R"({"cs_row":2,"crowdstrike.id":"c"})"}) {
    const RecordKeys whole = keys_of(text);
    EXPECT_EQ(whole.parts, 1U) << text;
    EXPECT_THAT(whole.keys, ElementsAre("c")) << text;
  }
}

}  // namespace
}  // namespace csbridge::incidents
