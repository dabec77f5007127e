#include "csbridge/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace csbridge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SysTime = std::chrono::system_clock::time_point;

constexpr milliseconds kBase{1000};
constexpr milliseconds kCap{60'000};

struct DelayCase {
  int attempt;
  double unit;
  milliseconds expected;
};

class BackoffDelay : public ::testing::TestWithParam<DelayCase> {};

TEST_P(BackoffDelay, IsCappedExponentialTimesTheSample) {
  const auto& c = GetParam();
  EXPECT_EQ(backoff_delay(c.attempt, kBase, kCap, c.unit), c.expected)
      << "attempt " << c.attempt << " unit " << c.unit;
}

INSTANTIATE_TEST_SUITE_P(
    Growth, BackoffDelay,
    ::testing::Values(DelayCase{1, 1.0, milliseconds{1000}}, DelayCase{2, 1.0, milliseconds{2000}},
                      DelayCase{3, 1.0, milliseconds{4000}}, DelayCase{4, 1.0, milliseconds{8000}},
                      DelayCase{5, 1.0, milliseconds{16'000}},
                      DelayCase{6, 1.0, milliseconds{32'000}},
                      DelayCase{7, 1.0, kCap},  // 64 s > cap
                      DelayCase{8, 1.0, kCap}, DelayCase{30, 1.0, kCap}, DelayCase{31, 1.0, kCap},
                      DelayCase{1000, 1.0, kCap},  // overflow guard
                      DelayCase{std::numeric_limits<int>::max(), 1.0, kCap},
                      DelayCase{3, 0.5, milliseconds{2000}},
                      DelayCase{1000, 0.5, milliseconds{30'000}}));

INSTANTIATE_TEST_SUITE_P(
    UnitEdges, BackoffDelay,
    ::testing::Values(DelayCase{1, 0.0, milliseconds{0}}, DelayCase{10, 0.0, milliseconds{0}},
                      DelayCase{1000, 0.0, milliseconds{0}},
                      // Just below 1: the half-open interval [0, ceiling).
                      DelayCase{1, 0.9999999, milliseconds{999}},
                      DelayCase{1000, 0.9999999, milliseconds{59'999}},
                      // Out-of-range samples are clamped, never negative or above the ceiling.
                      DelayCase{3, -0.5, milliseconds{0}}, DelayCase{3, 7.0, milliseconds{4000}},
                      // Attempt 0 or negative behaves as the first attempt.
                      DelayCase{0, 1.0, milliseconds{1000}},
                      DelayCase{-5, 1.0, milliseconds{1000}}));

TEST(BackoffDelayTest, IsNonDecreasingInTheAttemptAndNeverAboveTheCap) {
  milliseconds previous{0};
  for (int attempt = 1; attempt <= 2000; ++attempt) {
    const auto d = backoff_delay(attempt, milliseconds{250}, milliseconds{45'000}, 0.75);
    ASSERT_GE(d, previous) << attempt;
    ASSERT_LE(d, milliseconds{45'000}) << attempt;
    ASSERT_GE(d, milliseconds{0}) << attempt;
    previous = d;
  }
  EXPECT_EQ(previous, milliseconds{33'750});
}

TEST(BackoffDelayTest, IsUsableAtCompileTime) {
  static_assert(backoff_delay(3, milliseconds{100}, milliseconds{1000}, 1.0) == milliseconds{400});
  SUCCEED();
}

// --- X-RateLimit-RetryAfter -------------------------------------------------------------

const SysTime kNow{seconds{1'779'796'800}};  // 2026-05-26T12:00:00Z

struct RetryAfterCase {
  std::string value;
  SysTime now;
  std::optional<milliseconds> expected;
};

class RateLimitRetryAfter : public ::testing::TestWithParam<RetryAfterCase> {};

TEST_P(RateLimitRetryAfter, Parses) {
  const auto& c = GetParam();
  EXPECT_EQ(parse_rate_limit_retry_after(c.value, c.now), c.expected) << "'" << c.value << "'";
}

INSTANTIATE_TEST_SUITE_P(
    EpochSeconds, RateLimitRetryAfter,
    ::testing::Values(RetryAfterCase{"1779796807", kNow, milliseconds{7000}},
                      RetryAfterCase{"1779796801", kNow, milliseconds{1000}},
                      RetryAfterCase{"1779796800", kNow, milliseconds{0}},  // now
                      RetryAfterCase{"1779796799", kNow, milliseconds{0}},  // past: no wait
                      RetryAfterCase{"1", kNow, milliseconds{0}},           // far past
                      RetryAfterCase{"0", kNow, milliseconds{0}},
                      // Sub-second now: the wait is measured from the exact instant.
                      RetryAfterCase{"1779796807", kNow + milliseconds{250}, milliseconds{6750}},
                      // Whitespace the header parser may leave.
                      RetryAfterCase{" 1779796807\r", kNow, milliseconds{7000}},
                      RetryAfterCase{"\t1779796807 ", kNow, milliseconds{7000}}));

INSTANTIATE_TEST_SUITE_P(
    EpochMilliseconds, RateLimitRetryAfter,
    ::testing::Values(RetryAfterCase{"1779796807500", kNow, milliseconds{7500}},
                      RetryAfterCase{"1779796799000", kNow, milliseconds{0}},
                      // 1e11 itself is still seconds (year 5138); just above is ms (1973).
                      RetryAfterCase{"100000000001", kNow, milliseconds{0}},
                      RetryAfterCase{"9223372036854775807", SysTime{},
                                     milliseconds{9'223'372'036'854'775'807}}));

INSTANTIATE_TEST_SUITE_P(
    Garbage, RateLimitRetryAfter,
    ::testing::Values(
        RetryAfterCase{"", kNow, std::nullopt}, RetryAfterCase{" ", kNow, std::nullopt},
        RetryAfterCase{"-5", kNow, std::nullopt}, RetryAfterCase{"-1779796807", kNow, std::nullopt},
        RetryAfterCase{"+1779796807", kNow, std::nullopt},
        RetryAfterCase{"1779796807.5", kNow, std::nullopt},
        RetryAfterCase{"17797968O7", kNow, std::nullopt}, RetryAfterCase{"abc", kNow, std::nullopt},
        RetryAfterCase{"0x10", kNow, std::nullopt}, RetryAfterCase{"7 s", kNow, std::nullopt},
        RetryAfterCase{"Wed, 21 Oct 2015 07:28:00 GMT", kNow, std::nullopt},
        RetryAfterCase{"99999999999999999999999", kNow, std::nullopt}));

TEST(RateLimitRetryAfterTest, SecondsJustBelowTheThresholdDoNotOverflow) {
  // 1e11 s is read as seconds: a wait of ~3100 years, but representable and positive.
  const auto w = parse_rate_limit_retry_after("100000000000", kNow);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(*w, milliseconds{100'000'000'000'000LL} - milliseconds{1'779'796'800'000LL});
}

// --- Retry-After (delta seconds) --------------------------------------------------------

struct SecondsCase {
  std::string value;
  std::optional<milliseconds> expected;
};

class RetryAfterSeconds : public ::testing::TestWithParam<SecondsCase> {};

TEST_P(RetryAfterSeconds, Parses) {
  const auto& c = GetParam();
  EXPECT_EQ(parse_retry_after_seconds(c.value), c.expected) << "'" << c.value << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RetryAfterSeconds,
    ::testing::Values(SecondsCase{"0", milliseconds{0}}, SecondsCase{"1", milliseconds{1000}},
                      SecondsCase{"120", milliseconds{120'000}},
                      SecondsCase{" 30\r", milliseconds{30'000}},
                      SecondsCase{"86400", milliseconds{86'400'000}},
                      SecondsCase{"86401", std::nullopt},  // implausible
                      SecondsCase{"1779796807", std::nullopt}, SecondsCase{"", std::nullopt},
                      SecondsCase{"-1", std::nullopt}, SecondsCase{"1.5", std::nullopt},
                      SecondsCase{"Wed, 21 Oct 2015 07:28:00 GMT", std::nullopt},
                      SecondsCase{"soon", std::nullopt}));

}  // namespace
}  // namespace csbridge
