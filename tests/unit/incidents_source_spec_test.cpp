#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "incidents/record_source.h"
#include "incidents/source_spec.h"

namespace csbridge::incidents {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kSecond = 1'000'000'000;
const TimeWindow kWindow{Timestamp{1'779'796'800 * kSecond + 500'000'000},
                         Timestamp{1'779'800'400 * kSecond}};

TEST(SourceSpecTest, WindowFilterIsSingleQuotedRfc3339) {
  EXPECT_EQ(
      window_filter("updated_timestamp", kWindow),
      "updated_timestamp:>='2026-05-26T12:00:00.5Z'+updated_timestamp:<='2026-05-26T13:00:00Z'");
}

TEST(SourceSpecTest, CasesQueryTargetIsFullyEncoded) {
  EXPECT_EQ(
      query_target(cases_spec(), kWindow, 500, 1500),
      "/cases/queries/cases/v1?filter=updated_timestamp%3A%3E%3D%272026-05-26T12%3A00%3A00.5Z%27"
      "%2Bupdated_timestamp%3A%3C%3D%272026-05-26T13%3A00%3A00Z%27"
      "&sort=updated_timestamp.asc&limit=500&offset=1500");
}

TEST(SourceSpecTest, IncidentsQueryTarget) {
  const std::string t = query_target(incidents_spec(), kWindow, 500, 0);
  EXPECT_TRUE(t.starts_with("/incidents/queries/incidents/v1?filter=modified_timestamp%3A%3E%3D"));
  EXPECT_THAT(t, HasSubstr("&sort=modified_timestamp.asc&limit=500&offset=0"));
}

TEST(SourceSpecTest, TheTwoSourcesContracts) {
  const SourceSpec c = cases_spec();
  EXPECT_EQ(c.entities_path, "/cases/entities/cases/v2");
  EXPECT_EQ(c.entities_chunk, 100U);
  EXPECT_EQ(c.max_limit, 10000);
  EXPECT_EQ(c.id_field, "id");
  EXPECT_EQ(c.version_field, "version");
  const SourceSpec i = incidents_spec();
  EXPECT_EQ(i.entities_path, "/incidents/entities/incidents/GET/v1");
  EXPECT_EQ(i.entities_chunk, 500U);
  EXPECT_EQ(i.max_limit, 500);
  EXPECT_EQ(i.id_field, "incident_id");
}

TEST(SourceSpecTest, TheDecommissionedErrorNamesSourceCasesAndWaitsAnHour) {
  Error e{ErrorCode::kHttpStatus,
          "HTTP 404 from GET /incidents/queries/incidents/v1: 'No content "
          "was received for this request.'",
          404};
  const Error d = incidents_decommissioned(e);
  EXPECT_EQ(d.code, ErrorCode::kHttpStatus);  // not transient: --once gives up at once
  EXPECT_THAT(d.message, HasSubstr("decommissioned on 2026-03-09"));
  EXPECT_THAT(d.message, HasSubstr("--source cases"));
  EXPECT_THAT(d.message, HasSubstr("No content was received for this request."));
  ASSERT_TRUE(d.retry_after);
  EXPECT_EQ(*d.retry_after, std::chrono::hours{1});
}

}  // namespace
}  // namespace csbridge::incidents
