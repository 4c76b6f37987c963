// The content step's live counters (ProgressBoard) and the shared bandwidth limiter's accounting; no timing.
#include <gtest/gtest.h>

#include <thread>

#include "sync/rate_limiter.h"
#include "sync/sync_engine.h"

namespace wsusd::sync {
namespace {

TEST(ProgressBoard, ContentCountersReachTheirTotals) {
    ProgressBoard board;
    board.begin(7, "test");
    EXPECT_FALSE(board.snapshot().content);
    board.content_begin(3, 900);  // files of 500, 200 and 200 bytes
    board.content_started_file();
    board.content_started_file();
    board.content_bytes(300);
    board.content_bytes(100);
    auto s = board.snapshot();
    ASSERT_TRUE(s.content);
    EXPECT_EQ(s.content->files_total, 3u);
    EXPECT_EQ(s.content->bytes_total, 900u);
    EXPECT_EQ(s.content->bytes_done, 400u);
    EXPECT_EQ(s.content->active, 2u);
    // A resumed file: 200 of its 500 bytes were on disk already; it counts whole once stored.
    board.content_file_done(false, 200);
    // A failed file: its missing bytes are counted so that done reaches total, and the failure is visible.
    board.content_file_done(true, 100);
    board.content_started_file();
    board.content_bytes(200);
    board.content_file_done(false, 0);
    s = board.snapshot();
    EXPECT_EQ(s.content->files_done, 3u);
    EXPECT_EQ(s.content->files_failed, 1u);
    EXPECT_EQ(s.content->bytes_done, 900u);
    EXPECT_EQ(s.content->active, 0u);
    board.end();
    EXPECT_FALSE(board.snapshot().content);
}

TEST(ProgressBoard, DoneNeverExceedsTotal) {
    ProgressBoard board;
    board.begin(1, "test");
    board.content_begin(1, 100);
    board.content_bytes(100);
    board.content_file_done(false, 50);
    EXPECT_EQ(board.snapshot().content->bytes_done, 100u);
}

TEST(RateLimiter, UnlimitedNeverWaitsAndHonoursCancel) {
    RateLimiter none(0);
    std::atomic<bool> cancel{false};
    EXPECT_TRUE(none.acquire(1ull << 40, &cancel));
    cancel = true;
    EXPECT_FALSE(none.acquire(1, &cancel));
}

TEST(RateLimiter, CancelEndsAWaitForBandwidth) {
    // 1 KiB/s and 1 GiB accounted: without the cancel this would wait for twelve days.
    RateLimiter slow(1024);
    std::atomic<bool> cancel{false};
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        cancel = true;
    });
    EXPECT_FALSE(slow.acquire(1ull << 30, &cancel));
    canceller.join();
    EXPECT_EQ(slow.limit(), 1024u);
}

}  // namespace
}  // namespace wsusd::sync
