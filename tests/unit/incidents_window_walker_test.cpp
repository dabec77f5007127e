#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "incidents/window_walker.h"

namespace csbridge::incidents {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1'779'796'800 * kSecond;  // 2026-05-26T12:00:00Z

/// An offset-paged ids API over an in-memory store sorted by (time, id), with the Falcon
/// ceiling enforced (a violation is a test failure and an error).
class FakeIdsApi {
 public:
  void add(std::int64_t ns, const std::string& id) { items_[id] = ns; }
  void move(const std::string& id, std::int64_t ns) { items_[id] = ns; }

  Result<IdPage> query(const TimeWindow& w, int limit, std::int64_t offset) {
    ++queries;
    if (offset + limit > ceiling) {
      ADD_FAILURE() << "offset " << offset << " + limit " << limit << " > " << ceiling;
      return Error{ErrorCode::kHttpStatus, "offset + limit must be less than or equal to ceiling"};
    }
    max_offset_plus_limit = std::max(max_offset_plus_limit, offset + limit);
    std::vector<std::pair<std::int64_t, std::string>> matching;
    for (const auto& [id, ns] : items_) {
      if (ns >= w.from.ns && ns <= w.to.ns) matching.emplace_back(ns, id);
    }
    std::sort(matching.begin(), matching.end());
    IdPage page;
    for (std::int64_t i = offset; i < offset + limit && i < std::ssize(matching); ++i) {
      page.ids.push_back(matching[static_cast<std::size_t>(i)].second);
    }
    if (send_total) page.total = std::ssize(matching);
    return page;
  }

  [[nodiscard]] std::int64_t time_of(const std::string& id) const { return items_.at(id); }
  [[nodiscard]] std::size_t size() const { return items_.size(); }

  std::int64_t ceiling = 10000;
  bool send_total = true;
  int queries = 0;
  std::int64_t max_offset_plus_limit = 0;

 private:
  std::map<std::string, std::int64_t> items_;
};

class WindowWalkerTest : public ::testing::Test {
 protected:
  /// Walks [from, to] with `limit`; every consumed id lands in `consumed` (in order).
  Status walk(int limit,
              TimeWindow window = TimeWindow{Timestamp{kT0}, Timestamp{kT0 + 3600 * kSecond}},
              int max_passes = 3) {
    WalkOptions o;
    o.page_limit = limit;
    o.offset_ceiling = api.ceiling;
    o.max_passes = max_passes;
    walker = std::make_unique<WindowWalker>(
        o, [this](const TimeWindow& w, int l, std::int64_t off) { return api.query(w, l, off); },
        [this](std::vector<std::string> ids) -> Status {
          ++pages;
          for (auto& id : ids) consumed.push_back(std::move(id));
          if (on_page) return on_page(pages);
          return ok();
        });
    return walker->walk(window, stop);
  }

  /// `n` ids "id<i>" spread evenly over the first hour, `per_instant` sharing each instant.
  void fill(int n, int per_instant = 1) {
    for (int i = 0; i < n; ++i) {
      api.add(kT0 + (i / per_instant) * (3000 * kSecond / n) + 1,
              "id" + std::to_string(100000 + i));
    }
  }

  [[nodiscard]] std::set<std::string> unique() const {
    return std::set<std::string>(consumed.begin(), consumed.end());
  }

  FakeIdsApi api;
  StopSignal stop;
  std::unique_ptr<WindowWalker> walker;
  std::vector<std::string> consumed;
  int pages = 0;
  std::function<Status(int page)> on_page;
};

TEST_F(WindowWalkerTest, ASmallWindowIsOneQuery) {
  fill(3);
  ASSERT_TRUE(walk(500));
  EXPECT_EQ(consumed.size(), 3U);
  EXPECT_EQ(api.queries, 1);
  EXPECT_EQ(walker->stats().splits, 0U);
}

TEST_F(WindowWalkerTest, AnEmptyWindowIsOneQueryAndOneEmptyPage) {
  ASSERT_TRUE(walk(500));
  EXPECT_TRUE(consumed.empty());
  EXPECT_EQ(api.queries, 1);
}

TEST_F(WindowWalkerTest, EveryPageIsReadOnceInOrder) {
  fill(2345);
  ASSERT_TRUE(walk(100));
  EXPECT_EQ(consumed.size(), 2345U);
  EXPECT_EQ(unique().size(), 2345U);
  EXPECT_TRUE(std::is_sorted(consumed.begin(), consumed.end()));
  EXPECT_EQ(api.queries, 24 + 1);  // 24 pages, then the total check
  EXPECT_EQ(walker->stats().repeats, 0U);
}

TEST_F(WindowWalkerTest, MoreThanTheCeilingIsSplitOldestFirstAndNothingIsLost) {
  api.ceiling = 1000;
  fill(4321);
  ASSERT_TRUE(walk(100));
  EXPECT_EQ(unique().size(), 4321U);
  EXPECT_GT(walker->stats().splits, 2U);
  EXPECT_LE(api.max_offset_plus_limit, 1000);
  EXPECT_EQ(walker->stats().unreachable, 0);
  // Oldest first: the first sighting of each id comes in time order.
  std::set<std::string> seen;
  std::int64_t last = 0;
  for (const auto& id : consumed) {
    if (!seen.insert(id).second) continue;
    EXPECT_GE(api.time_of(id), last) << id;
    last = api.time_of(id);
  }
}

TEST_F(WindowWalkerTest, FalconsCeilingWithTwelveThousandIdsInOneWindow) {
  fill(12000);
  ASSERT_TRUE(walk(1000));
  EXPECT_EQ(unique().size(), 12000U);
  EXPECT_GE(walker->stats().splits, 1U);
  EXPECT_LE(api.max_offset_plus_limit, 10000);
}

TEST_F(WindowWalkerTest, AWindowTooShortToSplitIsReadUpToTheCeilingAndTheRestReported) {
  api.ceiling = 100;
  for (int i = 0; i < 150; ++i) api.add(kT0 + 5, "same" + std::to_string(1000 + i));
  ASSERT_TRUE(walk(30));
  EXPECT_EQ(unique().size(), 100U);
  EXPECT_EQ(walker->stats().unreachable, 50);
  EXPECT_LE(api.max_offset_plus_limit, 100);  // the last page asked for 10, not 30
}

TEST_F(WindowWalkerTest, WithoutTotalsAFullPageAtTheCeilingSplitsTheWindow) {
  api.ceiling = 100;
  api.send_total = false;
  fill(350);
  ASSERT_TRUE(walk(25));
  EXPECT_EQ(unique().size(), 350U);
  EXPECT_GE(walker->stats().splits, 2U);
  EXPECT_LE(api.max_offset_plus_limit, 100);
}

TEST_F(WindowWalkerTest, OffsetDriftIsCaughtByTheTotalCheckAndASecondPass) {
  fill(30);
  // While page 1 is handled, id 2 is updated past the window: ids after it shift left, and
  // without a second pass the first id of page 2 would never be read.
  on_page = [this](int page) {
    if (page == 1) api.move("id100002", kT0 + 7200 * kSecond);
    return ok();
  };
  ASSERT_TRUE(walk(10));
  EXPECT_EQ(unique().size(), 30U);
  EXPECT_EQ(walker->stats().repeats, 1U);
}

TEST_F(WindowWalkerTest, TheNumberOfPassesIsBounded) {
  fill(30);
  int added = 0;
  on_page = [this, &added](int) {
    api.add(kT0 + 10 * kSecond, "late" + std::to_string(added++));  // a window that never settles
    return ok();
  };
  ASSERT_TRUE(walk(10, TimeWindow{Timestamp{kT0}, Timestamp{kT0 + 3600 * kSecond}}, 3));
  EXPECT_EQ(walker->stats().repeats, 2U);
  EXPECT_LT(pages, 20);
}

TEST_F(WindowWalkerTest, AQueryErrorEndsTheWalk) {
  fill(50);
  api.ceiling = 20;  // page 3 would cross it: the fake answers an error (and flags it)
  WalkOptions o;
  o.page_limit = 10;
  o.offset_ceiling = 1000;  // the walker believes in a higher ceiling than the API has
  int calls = 0;
  WindowWalker w{o,
                 [&](const TimeWindow& win, int l, std::int64_t off) -> Result<IdPage> {
                   ++calls;
                   if (off + l > api.ceiling) return Error{ErrorCode::kHttpStatus, "HTTP 400"};
                   return api.query(win, l, off);
                 },
                 [](std::vector<std::string>) { return ok(); }};
  const Status st = w.walk(TimeWindow{Timestamp{kT0}, Timestamp{kT0 + 3600 * kSecond}}, stop);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "HTTP 400");
  EXPECT_EQ(calls, 3);
}

TEST_F(WindowWalkerTest, AConsumerErrorEndsTheWalkBeforeTheNextPage) {
  fill(50);
  on_page = [](int page) -> Status {
    if (page == 2) return Error{ErrorCode::kIo, "disk full"};
    return ok();
  };
  const Status st = walk(10);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_EQ(api.queries, 2);
}

TEST_F(WindowWalkerTest, AStopEndsTheWalk) {
  fill(50);
  on_page = [this](int) {
    stop.request_stop();
    return ok();
  };
  const Status st = walk(10);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kStopped);
  EXPECT_EQ(pages, 1);
}

}  // namespace
}  // namespace csbridge::incidents
