#include "sync/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "util/time_format.h"

namespace wsusd::sync {
namespace {

using namespace std::chrono;

system_clock::time_point at(const char* text) { return *util::parse_datetime(text); }

TEST(Schedule, NextTimeOfDayIsTodayOrTomorrowUtc) {
    auto s = make_schedule({"03:00", "15:30"}, 0, 0);
    EXPECT_EQ(next_start(s, at("2026-10-04T01:00:00Z"), std::nullopt), at("2026-10-04T03:00:00Z"));
    EXPECT_EQ(next_start(s, at("2026-10-04T03:00:00Z"), std::nullopt), at("2026-10-04T15:30:00Z"));
    EXPECT_EQ(next_start(s, at("2026-10-04T20:00:00Z"), std::nullopt), at("2026-10-05T03:00:00Z"));
}

TEST(Schedule, IntervalCountsFromTheLastStartAndCatchesUp) {
    auto s = make_schedule({}, 60, 0);
    EXPECT_EQ(next_start(s, at("2026-10-04T01:00:00Z"), std::nullopt), at("2026-10-04T02:00:00Z"));
    EXPECT_EQ(next_start(s, at("2026-10-04T01:10:00Z"), at("2026-10-04T01:00:00Z")), at("2026-10-04T02:00:00Z"));
    // Overdue (the daemon was stopped): soon, not an hour later.
    EXPECT_EQ(next_start(s, at("2026-10-04T05:00:00Z"), at("2026-10-04T01:00:00Z")), at("2026-10-04T05:00:01Z"));
    EXPECT_FALSE(next_start(make_schedule({}, 0, 0), at("2026-10-04T01:00:00Z"), std::nullopt));
}

TEST(Scheduler, TriggerRunsOnceAtATimeAndCancelReachesTheRun) {
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false;
    std::vector<std::string> runs;
    SyncScheduler sched(make_schedule({}, 0, 0), [&](const std::string& by, SyncScheduler::Kind,
                                                     ProgressBoard& progress, const std::atomic<bool>& cancel) {
        progress.begin(1, by);
        {
            std::lock_guard lock(mu);
            entered = true;
            runs.push_back(by);
        }
        cv.notify_all();
        while (!cancel) std::this_thread::sleep_for(milliseconds(5));
        progress.end();
        SyncOutcome o;
        o.result = store::SyncResult::cancelled;
        return o;
    });
    sched.start();
    EXPECT_EQ(sched.trigger("manual"), SyncScheduler::Trigger::started);
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, seconds(10), [&] { return entered; }));
    }
    EXPECT_TRUE(sched.status().running);
    EXPECT_EQ(sched.trigger("manual"), SyncScheduler::Trigger::already_running);
    EXPECT_TRUE(sched.cancel());
    for (int i = 0; i < 1000 && sched.status().running; ++i) std::this_thread::sleep_for(milliseconds(5));
    auto st = sched.status();
    EXPECT_FALSE(st.running);
    ASSERT_TRUE(st.last);
    EXPECT_EQ(st.last->result, store::SyncResult::cancelled);
    sched.stop();
    EXPECT_EQ(runs, std::vector<std::string>{"manual"});
}

TEST(Scheduler, RollupRunsOnItsOwnIntervalAndManualRollupIsItsKind) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::pair<std::string, SyncScheduler::Kind>> runs;
    Schedule s = make_schedule({}, 0, 0);
    s.rollup_every = seconds(1);
    SyncScheduler sched(s, [&](const std::string& by, SyncScheduler::Kind kind, ProgressBoard&,
                               const std::atomic<bool>&) {
        {
            std::lock_guard lock(mu);
            runs.emplace_back(by, kind);
        }
        cv.notify_all();
        return SyncOutcome{};
    });
    sched.start();
    for (int i = 0; i < 200 && !sched.status().next_rollup && !sched.status().last; ++i)
        std::this_thread::sleep_for(milliseconds(5));
    EXPECT_TRUE(sched.status().next_rollup || sched.status().last);
    EXPECT_FALSE(sched.status().next_start);  // no sync scheduled: only the rollup is
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, seconds(20), [&] { return !runs.empty(); }));
        EXPECT_EQ(runs.front().first, "rollup schedule");
        EXPECT_EQ(runs.front().second, SyncScheduler::Kind::rollup);
    }
    // A manual rollup keeps its kind; it may have to wait for a scheduled one to finish.
    for (int i = 0; i < 1000 && sched.trigger("admin", SyncScheduler::Kind::rollup) != SyncScheduler::Trigger::started; ++i)
        std::this_thread::sleep_for(milliseconds(5));
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, seconds(20), [&] {
            return std::any_of(runs.begin(), runs.end(), [](const auto& r) { return r.first == "admin"; });
        }));
        for (const auto& r : runs) EXPECT_EQ(r.second, SyncScheduler::Kind::rollup) << r.first;
    }
    sched.stop();
}

TEST(Scheduler, WithoutRollupIntervalNoRollupIsScheduled) {
    SyncScheduler sched(make_schedule({}, 60, 0), [](const std::string&, SyncScheduler::Kind, ProgressBoard&,
                                                     const std::atomic<bool>&) { return SyncOutcome{}; });
    sched.start();
    for (int i = 0; i < 200 && !sched.status().next_start; ++i) std::this_thread::sleep_for(milliseconds(5));
    EXPECT_TRUE(sched.status().next_start);
    EXPECT_FALSE(sched.status().next_rollup);
    sched.stop();
}

}  // namespace
}  // namespace wsusd::sync
