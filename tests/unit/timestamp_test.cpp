#include "csbridge/timestamp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace csbridge {
namespace {

constexpr std::int64_t kNs = 1'000'000'000;
// 2023-11-03T18:01:23Z and 2026-05-26T12:14:34Z as Unix seconds (date -u -d ... +%s).
constexpr std::int64_t k20231103 = 1'699'034'483;
constexpr std::int64_t k20260526 = 1'779'797'674;

struct ParseCase {
  std::string_view text;
  std::int64_t ns;
};

class ParseValid : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseValid, ParsesToTheExactInstant) {
  const auto& c = GetParam();
  const auto t = parse_rfc3339(c.text);
  ASSERT_TRUE(t.has_value()) << c.text;
  EXPECT_EQ(t->ns, c.ns) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    FractionalDigits, ParseValid,
    ::testing::Values(ParseCase{"2023-11-03T18:01:23Z", k20231103* kNs},
                      ParseCase{"2023-11-03T18:01:23.1Z", k20231103* kNs + 100'000'000},
                      ParseCase{"2023-11-03T18:01:23.12Z", k20231103* kNs + 120'000'000},
                      ParseCase{"2023-11-03T18:01:23.328Z", k20231103* kNs + 328'000'000},
                      ParseCase{"2023-11-03T18:01:23.3281Z", k20231103* kNs + 328'100'000},
                      ParseCase{"2023-11-03T18:01:23.32812Z", k20231103* kNs + 328'120'000},
                      ParseCase{"2023-11-03T18:01:23.328123Z", k20231103* kNs + 328'123'000},
                      ParseCase{"2023-11-03T18:01:23.3281234Z", k20231103* kNs + 328'123'400},
                      ParseCase{"2026-05-26T12:14:34.85475758Z", k20260526* kNs + 854'757'580},
                      ParseCase{"2023-11-03T18:01:23.995794943Z", k20231103* kNs + 995'794'943},
                      ParseCase{"2023-11-03T18:01:23.000000001Z", k20231103* kNs + 1},
                      ParseCase{"2023-11-03T18:01:23.0Z", k20231103* kNs}));

INSTANTIATE_TEST_SUITE_P(OffsetsAndCase, ParseValid,
                         ::testing::Values(
                             // Offsets are normalised to UTC: local time minus the offset.
                             ParseCase{"2023-11-03T20:01:23+02:00", k20231103* kNs},
                             ParseCase{"2023-11-03T12:31:23-05:30", k20231103* kNs},
                             ParseCase{"2023-11-03T18:01:23+00:00", k20231103* kNs},
                             ParseCase{"2023-11-03T18:01:23-00:00", k20231103* kNs},
                             ParseCase{"2023-11-04T03:01:23.5+09:00", k20231103* kNs + 500'000'000},
                             ParseCase{"2023-11-03t18:01:23z", k20231103* kNs},
                             ParseCase{"2023-11-03t18:01:23.25Z", k20231103* kNs + 250'000'000}));

INSTANTIATE_TEST_SUITE_P(CalendarEdges, ParseValid,
                         ::testing::Values(ParseCase{"1970-01-01T00:00:00Z", 0},
                                           ParseCase{"1970-01-01T01:00:00+01:00", 0},
                                           ParseCase{"2024-02-29T00:00:00Z", 1'709'164'800 * kNs},
                                           ParseCase{"2000-02-29T12:00:00Z", 951'825'600 * kNs},
                                           ParseCase{"2023-12-31T23:59:59Z", 1'704'067'199 * kNs},
                                           ParseCase{"2024-01-01T00:00:00Z", 1'704'067'200 * kNs},
                                           // The last instant an int64 of nanoseconds can hold.
                                           ParseCase{"2262-04-11T23:47:16.854775807Z",
                                                     std::numeric_limits<std::int64_t>::max()}));

class ParseInvalid : public ::testing::TestWithParam<std::string_view> {};

TEST_P(ParseInvalid, IsRejected) {
  const auto t = parse_rfc3339(GetParam());
  EXPECT_FALSE(t.has_value()) << "'" << GetParam() << "' parsed as " << (t ? t->ns : 0);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseInvalid,
    ::testing::Values("", "Z", "2026", "2026-01-01", "2026-01-01T00:00:00",  // missing zone
                      "2026-01-01T00:00Z",                                   // missing seconds
                      "2026-01-01 00:00:00Z",                                // space separator
                      "2026-01-01T00:00:00.1234567890Z",                     // 10 fractional digits
                      "2026-01-01T00:00:00.Z",                               // dot without digits
                      "2026-01-01T00:00:00,5Z",                              // comma fraction
                      "2026-01-01T00:00:00ZZ", "2026-01-01T00:00:00Z ",      // trailing junk
                      " 2026-01-01T00:00:00Z",                               // leading space
                      "2026-01-01T00:00:00Z\n",
                      std::string_view{"2026-01-01T00:00:00Z\0x", 22},  // trailing newline / NUL
                      "2026-1-01T00:00:00Z", "26-01-01T00:00:00Z",      // short fields
                      "2026-01-01T00:00:00+0200", "2026-01-01T00:00:00+02",    // incomplete offsets
                      "2026-01-01T00:00:00+2:00", "2026-01-01T00:00:00+02:0",  //
                      "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+02:60",  //
                      "2026-01-01T00:00:00+02:00Z", "+2026-01-01T00:00:00Z",     //
                      "-2026-01-01T00:00:00Z", "2026-01-01T00:00:00UTC"));

INSTANTIATE_TEST_SUITE_P(
    OutOfRange, ParseInvalid,
    ::testing::Values("2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z",  // not leap
                      "1900-02-29T00:00:00Z",                          // century, not leap
                      "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                      "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z",
                      "2026-01-01T24:00:00Z",                          // hour 24
                      "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z",  // no leap seconds
                      "1969-12-31T23:59:59Z",                          // year < 1970
                      "0000-01-01T00:00:00Z",
                      "1970-01-01T00:00:00+00:01",  // before the epoch once normalised
                      // Beyond what int64 nanoseconds can hold (year 2262).
                      "2262-04-11T23:47:16.854775808Z", "2262-04-11T23:47:17Z",
                      "2262-04-12T00:00:00Z", "2500-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                      "9999-12-31T23:59:59.999999999Z"));

INSTANTIATE_TEST_SUITE_P(InjectionAttempts, ParseInvalid,
                         ::testing::Values("2026-01-01T00:00:00Z' + name:'x",
                                           "2026-01-01T00:00:00Z'", "'2026-01-01T00:00:00Z'",
                                           "\"2026-01-01T00:00:00Z\"",
                                           "2026-01-01T00:00:00Z'+created_timestamp:>'2000-01-01",
                                           "2026-01-01T00:00:00Z,status:'new'",
                                           "2026-01-01T00:00:00Z;rm -rf /",
                                           "2026-01-01T00:00:00\"Z"));

TEST(ParseRfc3339, ZeroFractionEqualsNoFraction) {
  EXPECT_EQ(parse_rfc3339("2026-05-26T12:14:34Z"), parse_rfc3339("2026-05-26T12:14:34.000000000Z"));
}

TEST(ParseRfc3339, OrdersAsInstantsNotAsStrings) {
  // As strings 'Z' (0x5A) sorts after '.' (0x2E): the string order is wrong.
  const std::string whole = "2026-05-26T12:14:34Z";
  const std::string half = "2026-05-26T12:14:34.5Z";
  ASSERT_GT(whole, half);
  const auto a = parse_rfc3339(whole);
  const auto b = parse_rfc3339(half);
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);

  // Fewer digits is not "earlier": .9 > .10 > .099999999
  const auto p9 = parse_rfc3339("2026-05-26T12:14:34.9Z");
  const auto p10 = parse_rfc3339("2026-05-26T12:14:34.10Z");
  const auto p099 = parse_rfc3339("2026-05-26T12:14:34.099999999Z");
  ASSERT_TRUE(p9 && p10 && p099);
  EXPECT_GT(*p9, *p10);
  EXPECT_GT(*p10, *p099);

  // An offset can make a lexicographically smaller string a later instant.
  const auto tokyo = parse_rfc3339("2026-05-26T20:00:00+09:00");  // 11:00Z
  const auto utc = parse_rfc3339("2026-05-26T12:00:00Z");
  ASSERT_TRUE(tokyo && utc);
  EXPECT_LT(*tokyo, *utc);
}

struct FormatCase {
  std::string_view input;
  std::string_view formatted;
};

class FormatRoundTrip : public ::testing::TestWithParam<FormatCase> {};

TEST_P(FormatRoundTrip, FormatsCanonicallyAndParsesBack) {
  const auto& c = GetParam();
  const auto t = parse_rfc3339(c.input);
  ASSERT_TRUE(t.has_value()) << c.input;
  const std::string out = format_rfc3339(*t);
  EXPECT_EQ(out, c.formatted);
  const auto back = parse_rfc3339(out);
  ASSERT_TRUE(back.has_value()) << out;
  EXPECT_EQ(*back, *t);
}

INSTANTIATE_TEST_SUITE_P(
    TrailingZerosTrimmed, FormatRoundTrip,
    ::testing::Values(
        FormatCase{"2026-05-26T12:14:34.85475758Z", "2026-05-26T12:14:34.85475758Z"},
        FormatCase{"2023-11-03T18:01:23.995794943Z", "2023-11-03T18:01:23.995794943Z"},
        FormatCase{"2023-11-03T18:01:23.328Z", "2023-11-03T18:01:23.328Z"},
        FormatCase{"2023-11-03T18:01:23.328000Z", "2023-11-03T18:01:23.328Z"},
        FormatCase{"2023-11-03T18:01:23.100000000Z", "2023-11-03T18:01:23.1Z"},
        FormatCase{"2023-11-03T18:01:23.000000Z", "2023-11-03T18:01:23Z"},
        FormatCase{"2023-11-03T18:01:23.000000001Z", "2023-11-03T18:01:23.000000001Z"},
        FormatCase{"2023-11-03T18:01:23Z", "2023-11-03T18:01:23Z"},
        FormatCase{"2023-11-03t20:01:23.5+02:00", "2023-11-03T18:01:23.5Z"},
        FormatCase{"2023-11-03T12:31:23-05:30", "2023-11-03T18:01:23Z"},
        FormatCase{"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"},
        FormatCase{"2024-02-29T23:59:59.999999999Z", "2024-02-29T23:59:59.999999999Z"},
        FormatCase{"2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775807Z"}));

TEST(FormatRfc3339, RoundTripsEveryDayOfALeapAndACommonYear) {
  // Walks 2023-01-01 .. 2024-12-31 a day (plus an odd fraction) at a time.
  const auto start = parse_rfc3339("2023-01-01T00:00:00Z");
  ASSERT_TRUE(start);
  int feb29 = 0;
  for (int day = 0; day < 731; ++day) {
    const Timestamp t{start->ns + day * 86'400 * kNs + day * 1'234'567};
    const std::string s = format_rfc3339(t);
    const auto back = parse_rfc3339(s);
    ASSERT_TRUE(back.has_value()) << s;
    ASSERT_EQ(*back, t) << s;
    if (s.substr(5, 5) == "02-29") ++feb29;
  }
  EXPECT_EQ(feb29, 1);  // only 2024-02-29
}

TEST(ToTimestamp, ConvertsSystemClockTimePoints) {
  const std::chrono::system_clock::time_point tp{std::chrono::seconds{k20260526} +
                                                 std::chrono::milliseconds{854}};
  EXPECT_EQ(to_timestamp(tp).ns, k20260526 * kNs + 854'000'000);
  EXPECT_EQ(format_rfc3339(to_timestamp(tp)), "2026-05-26T12:14:34.854Z");
  EXPECT_EQ(to_timestamp(std::chrono::system_clock::time_point{}).ns, 0);
}

}  // namespace
}  // namespace csbridge
