#include "sync/retry.h"

#include <gtest/gtest.h>

namespace wsusd::sync {
namespace {

using namespace std::chrono_literals;

TEST(Retry, BackoffDoublesUpToTheCeilingWithJitterBelowIt) {
    RetryPolicy p{5, 1000ms, 10000ms};
    EXPECT_EQ(backoff_ceiling(p, 0), 1000ms);
    EXPECT_EQ(backoff_ceiling(p, 1), 2000ms);
    EXPECT_EQ(backoff_ceiling(p, 3), 8000ms);
    EXPECT_EQ(backoff_ceiling(p, 4), 10000ms);
    EXPECT_EQ(backoff_ceiling(p, 400), 10000ms);  // no overflow
    std::mt19937_64 rng(7);
    bool varied = false;
    auto first = backoff_delay(p, 3, rng);
    for (int i = 0; i < 50; ++i) {
        auto d = backoff_delay(p, 3, rng);
        EXPECT_GE(d, 0ms);
        EXPECT_LE(d, 8000ms);
        varied |= d != first;
    }
    EXPECT_TRUE(varied);
}

TEST(Retry, NetworkErrorsAreRetriedOthersAreNot) {
    RetryPolicy p{3, 10ms, 100ms};
    std::vector<std::chrono::milliseconds> waits;
    Sleeper sleep = [&](std::chrono::milliseconds d) {
        waits.push_back(d);
        return true;
    };
    int calls = 0;
    auto flaky = [&]() -> Result<int> {
        if (++calls < 3) return fail(Errc::io, "connection refused");
        return 42;
    };
    int notes = 0;
    auto r = with_retry(p, sleep, flaky, [&](unsigned, const Error&, std::chrono::milliseconds) { ++notes; });
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 42);
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(waits.size(), 2u);
    EXPECT_EQ(notes, 2);

    calls = 0;
    auto bad = [&]() -> Result<int> {
        ++calls;
        return fail(Errc::invalid_argument, "InvalidParameters");
    };
    EXPECT_FALSE(with_retry(p, sleep, bad, [](unsigned, const Error&, std::chrono::milliseconds) {}));
    EXPECT_EQ(calls, 1);

    calls = 0;
    auto down = [&]() -> Result<int> {
        ++calls;
        return fail(Errc::io, "down");
    };
    auto gave_up = with_retry(p, sleep, down, [](unsigned, const Error&, std::chrono::milliseconds) {});
    EXPECT_EQ(calls, 4);  // the first attempt and three retries
    EXPECT_EQ(gave_up.error().message, "down");
}

TEST(Retry, CancelledWaitStops) {
    std::atomic<bool> cancel{true};
    auto sleep = real_sleeper(&cancel);
    int calls = 0;
    auto r = with_retry(RetryPolicy{5, 10000ms, 10000ms}, sleep,
                        [&]() -> Result<int> {
                            ++calls;
                            return fail(Errc::io, "down");
                        },
                        [](unsigned, const Error&, std::chrono::milliseconds) {});
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(r.error().message, "cancelled");
}

}  // namespace
}  // namespace wsusd::sync
