#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <optional>
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
    if (fail) return Error{ErrorCode::kHttpStatus, "HTTP 500"};
    if (offset + limit > ceiling) {
      ADD_FAILURE() << "offset " << offset << " + limit " << limit << " > " << ceiling;
      return Error{ErrorCode::kHttpStatus, "offset + limit must be less than or equal to ceiling"};
    }
    max_offset_plus_limit = std::max(max_offset_plus_limit, offset + limit);
    max_offset = std::max(max_offset, offset);
    std::vector<std::pair<std::int64_t, std::string>> matching;
    for (const auto& [id, ns] : items_) {
      if ((ignore_from || ns >= w.from.ns) && (ignore_to || ns <= w.to.ns)) {
        matching.emplace_back(ns, id);
      }
    }
    std::sort(matching.begin(), matching.end());
    IdPage page;
    for (std::int64_t i = offset; i < offset + limit && i < std::ssize(matching); ++i) {
      page.ids.push_back(matching[static_cast<std::size_t>(i)].second);
    }
    if (send_total) page.total = std::min<std::int64_t>(std::ssize(matching), total_cap);
    return page;
  }

  [[nodiscard]] std::int64_t time_of(const std::string& id) const { return items_.at(id); }
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] const std::map<std::string, std::int64_t>& items() const { return items_; }

  std::int64_t ceiling = 10000;
  bool send_total = true;
  std::int64_t total_cap = std::numeric_limits<std::int64_t>::max();  ///< a search backend's cap
  bool fail = false;                                                  ///< every query fails
  bool ignore_from = false;  ///< an API not applying the lower bound of the time filter
  bool ignore_to = false;    ///< ... or its upper bound
  int queries = 0;
  std::int64_t max_offset_plus_limit = 0;
  std::int64_t max_offset = 0;

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
    o.max_queries = max_queries;
    walker = std::make_unique<WindowWalker>(
        o, [this](const TimeWindow& w, int l, std::int64_t off) { return api.query(w, l, off); },
        [this](const TimeWindow& w, std::vector<std::string> ids, bool provisional) -> Status {
          windows.push_back(w);
          ++pages;
          // The watermark as RecordSource keeps it: newest new id within the page's window,
          // held back for provisional pages until their window settles.
          std::optional<std::int64_t> newest;
          for (auto& id : ids) {
            const std::int64_t t = api.time_of(id);
            if (written.insert(id).second && t <= w.to.ns && (!newest || t > *newest)) newest = t;
            consumed.push_back(std::move(id));
          }
          std::optional<std::int64_t>& into = provisional ? held : watermark;
          if (newest && (!into || *newest > *into)) into = newest;
          if (on_page) return on_page(pages);
          return ok();
        },
        [this](const TimeWindow& w) -> Status {
          ++settled;
          if (held && (!watermark || std::min(*held, w.to.ns) > *watermark)) {
            watermark = std::min(*held, w.to.ns);
          }
          held.reset();
          return ok();
        });
    return walker->walk(window, stop);
  }

  /// Ids never consumed although they were in the store, unmoved, at or before the watermark:
  /// the next cycle (from the watermark minus a lookback) may never read them.
  [[nodiscard]] std::vector<std::string> passed_unread(const std::set<std::string>& moved) const {
    std::vector<std::string> out;
    if (!watermark) return out;
    for (const auto& [id, ns] : api.items()) {
      if (ns <= *watermark && !written.contains(id) && !moved.contains(id)) out.push_back(id);
    }
    return out;
  }

  /// `n` ids "same<i>" at one instant, and a window of 1 µs around it: too short to split.
  TimeWindow fill_one_instant(int n) {
    for (int i = 0; i < n; ++i) api.add(kT0 + 5, "same" + std::to_string(1000 + i));
    return TimeWindow{Timestamp{kT0}, Timestamp{kT0 + 1000}};
  }

  /// `n` ids "id<i>" spread evenly over the first hour, `per_instant` sharing each instant.
  void fill(int n, int per_instant = 1) {
    for (int i = 0; i < n; ++i) {
      api.add(kT0 + (i / per_instant) * (3000 * kSecond / n) + 1,
              "id" + std::to_string(100000 + i));
    }
  }

  /// A new API and no walk yet, for a test that walks several times.
  void start_over() {
    api = FakeIdsApi{};
    consumed.clear();
    windows.clear();
    written.clear();
    watermark.reset();
    held.reset();
    pages = 0;
    settled = 0;
  }

  [[nodiscard]] std::set<std::string> unique() const {
    return std::set<std::string>(consumed.begin(), consumed.end());
  }

  FakeIdsApi api;
  StopSignal stop;
  std::unique_ptr<WindowWalker> walker;
  std::vector<std::string> consumed;
  std::vector<TimeWindow> windows;  ///< the window of each consumed page
  std::set<std::string> written;
  std::optional<std::int64_t> watermark;
  std::optional<std::int64_t> held;
  int settled = 0;
  int pages = 0;
  std::size_t max_queries = 10000;
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

TEST_F(WindowWalkerTest, AWindowOfManyPagesIsSplitUntilEveryPartFitsInOneQuery) {
  fill(2345);
  ASSERT_TRUE(walk(100));
  EXPECT_EQ(unique().size(), 2345U);
  EXPECT_EQ(api.max_offset, 0);  // never an offset: nothing can drift
  EXPECT_GE(walker->stats().splits, 23U);
  EXPECT_LT(api.queries, 2 * 2345 / 100 * 3);
  EXPECT_EQ(walker->stats().repeats, 0U);
  std::set<std::string> seen;
  std::int64_t last = 0;
  for (const auto& id : consumed) {
    if (!seen.insert(id).second) continue;
    EXPECT_GE(api.time_of(id), last) << id;  // oldest first
    last = api.time_of(id);
  }
}

TEST_F(WindowWalkerTest, ARecordUpdatedWhileAnotherArrivesLosesNothing) {
  fill(30);
  // While page 1 is handled, an early id is updated past the window and a late-indexed one
  // arrives inside it: an offset walk would skip one id and its total would not change.
  on_page = [this](int page) {
    if (page == 1) {
      api.move("id100002", kT0 + 7200 * kSecond);
      api.add(kT0 + 1000 * kSecond, "late");
    }
    return ok();
  };
  ASSERT_TRUE(walk(10));
  std::set<std::string> want;
  for (int i = 0; i < 30; ++i) want.insert("id" + std::to_string(100000 + i));
  want.insert("late");
  EXPECT_EQ(unique(), want);
  EXPECT_EQ(api.max_offset, 0);
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
  const TimeWindow instant = fill_one_instant(150);
  ASSERT_TRUE(walk(30, instant));
  EXPECT_EQ(unique().size(), 100U);
  EXPECT_EQ(walker->stats().unreachable, 50);
  EXPECT_LE(api.max_offset_plus_limit, 100);  // the last page asked for 10, not 30
}

TEST_F(WindowWalkerTest, WithoutTotalsAWindowIsPagedTwiceAndSplitOnlyAtTheCeiling) {
  api.ceiling = 100;
  api.send_total = false;
  fill(350);
  ASSERT_TRUE(walk(25));
  EXPECT_EQ(unique().size(), 350U);
  EXPECT_GE(walker->stats().ceiling_splits, 2U);
  EXPECT_EQ(walker->stats().ceiling_splits, walker->stats().splits);
  EXPECT_LE(api.max_offset_plus_limit, 100);
}

TEST_F(WindowWalkerTest, WithoutTotalsAnApiIgnoringTheTimeFilterCostsBoundedQueries) {
  api.send_total = false;
  api.ignore_from = true;
  api.ignore_to = true;
  fill(600);
  ASSERT_TRUE(walk(100, TimeWindow{Timestamp{kT0}, Timestamp{kT0 + 5 * 86400 * kSecond}}));
  EXPECT_EQ(unique().size(), 600U);
  EXPECT_EQ(walker->stats().splits, 0U);
  EXPECT_LE(api.queries, 3 * 7);  // up to 3 passes of 7 pages
}

TEST_F(WindowWalkerTest, WithoutTotalsDriftThenAnErrorLeavesTheWatermarkBeforeTheSkippedId) {
  api.send_total = false;
  fill(30);
  // Page 1: an early id is updated past the window, so one id shifts past offset 10 and only a
  // second pass would read it; that pass fails. The pages read must not have moved the
  // watermark past the skipped id.
  on_page = [this](int page) {
    if (page == 1) api.move("id100002", kT0 + 7200 * kSecond);
    if (page == 3) api.fail = true;
    return ok();
  };
  ASSERT_FALSE(walk(10));
  EXPECT_EQ(written.size(), 29U);
  EXPECT_THAT(passed_unread({"id100002"}), ::testing::IsEmpty());
  EXPECT_EQ(settled, 0);
}

TEST_F(WindowWalkerTest, WithoutTotalsAWindowSettlesOnceTwoPassesAgree) {
  api.send_total = false;
  fill(30);
  ASSERT_TRUE(walk(10));
  EXPECT_EQ(settled, 1);
  ASSERT_TRUE(watermark);
  EXPECT_EQ(*watermark, api.time_of("id100029"));
}

TEST_F(WindowWalkerTest, AWindowThatNeverSettlesEndsTheWalkBeforeLaterWindows) {
  const TimeWindow instant = fill_one_instant(30);
  for (int i = 0; i < 30; ++i) api.add(kT0 + (i + 1) * 60 * kSecond, "later" + std::to_string(i));
  int added = 0;
  on_page = [this, &added](int) {
    api.add(kT0 + 5, "late" + std::to_string(added++));  // the instant never settles
    return ok();
  };
  ASSERT_TRUE(walk(10, TimeWindow{instant.from, Timestamp{kT0 + 3600 * kSecond}}));
  EXPECT_TRUE(walker->stats().ended_early);
  for (const auto& id : consumed) EXPECT_FALSE(id.starts_with("later")) << id;
  EXPECT_THAT(passed_unread({}), ::testing::IsEmpty());
}

TEST_F(WindowWalkerTest, AWalkEndsEarlyOnceItsQueriesRunOutAndPassesNothingUnread) {
  // An API ignoring the filter on a tenant past the ceiling: totals cannot reveal it.
  api.ceiling = 1000;
  api.ignore_from = true;
  api.ignore_to = true;
  fill(1200);
  max_queries = 300;
  ASSERT_TRUE(walk(100));
  EXPECT_TRUE(walker->stats().ended_early);
  EXPECT_LE(api.queries, 300 + 3 * 10);  // the last window may finish its passes
  EXPECT_THAT(passed_unread({}), ::testing::IsEmpty());
}

TEST_F(WindowWalkerTest, WithoutTotalsIdsLeavingTheWindowDelaySettlingUntilTwoPassesAgree) {
  api.send_total = false;
  fill(60);
  // A busy first pass: on every page one more early case is updated past the window. The
  // second pass reads what is left, the third agrees with it.
  int moved = 0;
  std::set<std::string> gone;
  on_page = [this, &moved, &gone](int page) {
    if (page > 6) return ok();
    const std::string id = "id" + std::to_string(100000 + moved++);
    api.move(id, kT0 + 7200 * kSecond);
    gone.insert(id);
    return ok();
  };
  ASSERT_TRUE(walk(10));
  EXPECT_FALSE(walker->stats().ended_early);
  EXPECT_EQ(walker->stats().repeats, 2U);
  EXPECT_EQ(settled, 1);
  EXPECT_THAT(passed_unread(gone), ::testing::IsEmpty());
}

TEST_F(WindowWalkerTest, WithoutTotalsAnIdSkippedByTwoPassesKeepsTheWindowOpen) {
  // id100020 is skipped twice: in pass 1 a read id leaves during page 2 (shifting it from offset
  // 20 to 19); before pass 2 nine more leave, and one more during its first page (shifting it
  // from offset 10 to 9). Pass 2 reads nothing pass 1 did not, yet it missed an id.
  const std::string skipped = "id100020";
  for (int max_passes : {3, 4}) {
    SCOPED_TRACE(max_passes);
    start_over();
    api.send_total = false;
    fill(30);
    std::set<std::string> gone;
    auto leave = [this, &gone](int i) {
      const std::string id = "id" + std::to_string(100000 + i);
      api.move(id, kT0 + 7200 * kSecond);
      gone.insert(id);
    };
    on_page = [&leave](int page) {
      if (page == 2) leave(5);
      if (page == 3) {
        for (int i : {0, 1, 2, 3, 4, 6, 7, 8, 9}) leave(i);
      }
      if (page == 4) leave(10);
      return ok();
    };
    ASSERT_TRUE(walk(10, TimeWindow{Timestamp{kT0}, Timestamp{kT0 + 3600 * kSecond}}, max_passes));
    EXPECT_THAT(passed_unread(gone), ::testing::IsEmpty());
    if (max_passes == 3) {
      EXPECT_EQ(settled, 0);
      EXPECT_TRUE(walker->stats().ended_early);
    } else {
      EXPECT_EQ(settled, 1);  // passes 3 and 4 agree
      EXPECT_TRUE(written.contains(skipped));
    }
  }
}

TEST_F(WindowWalkerTest, ALateArrivalLeavingWithinAPassKeepsTheWindowOpenThoughPassesAgree) {
  // same1003 is skipped by every pass that sees this: a late-indexed case arrives at the front
  // after page 1 and is updated past the window after page 2, shifting same1003 from offset 4
  // to 3, behind page 3. Passes 1 and 2 read the same ids, but fewer than the total.
  const std::string skipped = "same1003";
  for (int max_passes : {3, 4}) {
    SCOPED_TRACE(max_passes);
    start_over();
    const TimeWindow instant = fill_one_instant(5);
    std::set<std::string> gone;
    on_page = [this, &gone](int page) {
      if (page > 6) return ok();
      const std::string late = "same000" + std::to_string((page - 1) / 3);
      if (page % 3 == 1) api.add(kT0 + 5, late);
      if (page % 3 == 2) {
        api.move(late, kT0 + 7200 * kSecond);
        gone.insert(late);
      }
      return ok();
    };
    ASSERT_TRUE(walk(2, instant, max_passes));
    EXPECT_THAT(passed_unread(gone), ::testing::IsEmpty());
    if (max_passes == 3) {
      EXPECT_EQ(settled, 0);
      EXPECT_TRUE(walker->stats().ended_early);
      // The scenario happened: passes 1 and 2 (5 ids each) did not read it.
      ASSERT_GE(consumed.size(), 10U);
      EXPECT_EQ(std::count(consumed.begin(), consumed.begin() + 10, skipped), 0);
    } else {
      EXPECT_EQ(settled, 1);  // passes 3 and 4 agree, with the total
      EXPECT_TRUE(written.contains(skipped));
    }
  }
}

TEST_F(WindowWalkerTest, TotalsCappedAtTheCeilingStillReadEveryId) {
  api.total_cap = api.ceiling;  // 10 000, as a search backend may report
  for (int i = 0; i < 20000; ++i) {
    api.add(kT0 + 1 + i * (100 * kSecond / 20000), "burst" + std::to_string(100000 + i));
  }
  for (int i = 0; i < 300; ++i)
    api.add(kT0 + (200 + i * 10) * kSecond, "later" + std::to_string(i));
  ASSERT_TRUE(walk(500));
  EXPECT_EQ(unique().size(), 20300U);
  EXPECT_EQ(walker->stats().unnarrowed, 0U);
  EXPECT_THAT(passed_unread({}), ::testing::IsEmpty());
}

TEST_F(WindowWalkerTest, APageAsLargeAsTheCeilingIsNotTakenAsCompleteWhenTheTotalIsCapped) {
  api.ceiling = 100;
  api.total_cap = 100;  // a full page and a capped total: 100 of 100, seemingly all of it
  fill(250);
  ASSERT_TRUE(walk(100));
  EXPECT_EQ(unique().size(), 250U);
  EXPECT_THAT(passed_unread({}), ::testing::IsEmpty());
}

TEST_F(WindowWalkerTest, ManyIdsExactlyAtTheMidpointAreNotMistakenForAnIgnoredFilter) {
  const TimeWindow window{Timestamp{kT0}, Timestamp{kT0 + 7200 * kSecond}};
  const std::int64_t mid = kT0 + 3600 * kSecond;
  for (int i = 0; i < 600; ++i) api.add(mid, "mid" + std::to_string(1000 + i));
  for (int i = 0; i < 11000; ++i) {
    api.add(kT0 + 1 + i * (7200 * kSecond / 11000), "id" + std::to_string(100000 + i));
  }
  ASSERT_TRUE(walk(500, window));
  EXPECT_EQ(walker->stats().unnarrowed, 0U);
  EXPECT_EQ(unique().size(), 11600U);
}

TEST_F(WindowWalkerTest, WithoutTotalsAnUnsplittableWindowIsPagedUpToTheCeiling) {
  api.ceiling = 100;
  api.send_total = false;
  const TimeWindow instant = fill_one_instant(150);
  ASSERT_TRUE(walk(25, instant));
  EXPECT_EQ(unique().size(), 100U);
  EXPECT_LE(api.max_offset_plus_limit, 100);
}

TEST_F(WindowWalkerTest, AnApiIgnoringTheTimeFilterIsReadByOffsetInsteadOfSplitForever) {
  for (int ignored = 0; ignored < 3; ++ignored) {
    SCOPED_TRACE(ignored);
    api = FakeIdsApi{};
    consumed.clear();
    api.ignore_from = ignored != 1;
    api.ignore_to = ignored != 0;
    fill(2000);
    ASSERT_TRUE(walk(100));
    EXPECT_EQ(unique().size(), 2000U);
    EXPECT_GE(walker->stats().unnarrowed, 1U);
    EXPECT_LT(api.queries, 300);  // not the millions of a split down to 1 ms everywhere
  }
}

TEST_F(WindowWalkerTest, OffsetDriftInAnUnsplittableWindowIsCaughtByComparingPasses) {
  const TimeWindow instant = fill_one_instant(30);
  // While page 1 is handled, one id is updated past the window and another arrives in it: ids
  // shift left past the offset, the total stays 30, and only a second pass reads the skipped one.
  on_page = [this](int page) {
    if (page == 1) {
      api.move("same1002", kT0 + 7200 * kSecond);
      api.add(kT0 + 5, "same9999");
    }
    return ok();
  };
  ASSERT_TRUE(walk(10, instant));
  std::set<std::string> want;
  for (int i = 0; i < 30; ++i) want.insert("same" + std::to_string(1000 + i));
  want.insert("same9999");
  EXPECT_EQ(unique(), want);
  EXPECT_EQ(walker->stats().repeats, 2U);  // pass 2 differs from pass 1, pass 3 agrees
}

TEST_F(WindowWalkerTest, AnUnchangedUnsplittableWindowTakesTwoPasses) {
  const TimeWindow instant = fill_one_instant(30);
  ASSERT_TRUE(walk(10, instant));
  EXPECT_EQ(unique().size(), 30U);
  EXPECT_EQ(walker->stats().repeats, 1U);
  EXPECT_EQ(api.queries, 6);
}

TEST_F(WindowWalkerTest, TheNumberOfPassesIsBounded) {
  const TimeWindow instant = fill_one_instant(30);
  int added = 0;
  on_page = [this, &added](int) {
    api.add(kT0 + 5, "late" + std::to_string(added++));  // a window that never settles
    return ok();
  };
  ASSERT_TRUE(walk(10, instant, 3));
  EXPECT_EQ(walker->stats().repeats, 2U);
  EXPECT_LT(pages, 20);
}

TEST_F(WindowWalkerTest, AQueryErrorEndsTheWalk) {
  const TimeWindow instant = fill_one_instant(50);
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
                 [](const TimeWindow&, std::vector<std::string>, bool) { return ok(); },
                 [](const TimeWindow&) { return ok(); }};
  const Status st = w.walk(instant, stop);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "HTTP 400");
  EXPECT_EQ(calls, 3);
}

TEST_F(WindowWalkerTest, AConsumerErrorEndsTheWalkBeforeTheNextPage) {
  fill(50);
  int queries_at_error = -1;
  on_page = [this, &queries_at_error](int page) -> Status {
    if (page != 2) return ok();
    queries_at_error = api.queries;
    return Error{ErrorCode::kIo, "disk full"};
  };
  const Status st = walk(10);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(api.queries, queries_at_error);
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
