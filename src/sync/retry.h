// Retries with exponential backoff and full jitter ("sleep a random time up to min(max, base·2^attempt)"), so
// that the servers of a hierarchy that lost their upstream at the same moment do not return in lockstep.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <random>

#include "wsusd/result.h"

namespace wsusd::sync {

struct RetryPolicy {
    unsigned retries = 5;  ///< attempts after the first
    std::chrono::milliseconds base{2000};
    std::chrono::milliseconds max{300000};
};

/// The ceiling of the delay before retry number `attempt` (0-based): min(max, base·2^attempt).
std::chrono::milliseconds backoff_ceiling(const RetryPolicy& policy, unsigned attempt);

/// A uniformly random delay in [0, backoff_ceiling(attempt)].
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, unsigned attempt, std::mt19937_64& rng);

/// Sleeps for `d` unless `cancel` becomes true first; returns false when cancelled. The seam tests replace.
using Sleeper = std::function<bool(std::chrono::milliseconds d)>;
Sleeper real_sleeper(const std::atomic<bool>* cancel);

/// Whether an error is worth retrying: network failures (Errc::io) only; faults such as ServerBusy are mapped to
/// Errc::io by whoever reads them.
template <class E>
bool retryable(const E& e) {
    return e.code == Errc::io;
}

/// Runs `op` (returning a std::expected whose error has `code` and `message`) until it succeeds, fails with a
/// non-retryable error, or `policy.retries` retries are spent; `on_retry(attempt, error, delay)` is told before
/// each wait (for the log). A cancelled wait ends with Errc::conflict "cancelled".
template <class Op, class OnRetry>
auto with_retry(const RetryPolicy& policy, const Sleeper& sleep, Op&& op, OnRetry&& on_retry) -> decltype(op()) {
    using R = decltype(op());
    using E = typename R::error_type;
    thread_local std::mt19937_64 rng{std::random_device{}()};
    for (unsigned attempt = 0;; ++attempt) {
        R r = op();
        if (r || !retryable(r.error()) || attempt >= policy.retries) return r;
        auto delay = backoff_delay(policy, attempt, rng);
        on_retry(attempt + 1, r.error(), delay);
        if (!sleep(delay)) {
            E cancelled{};
            cancelled.code = Errc::conflict;
            cancelled.message = "cancelled";
            return std::unexpected(std::move(cancelled));
        }
    }
}

}  // namespace wsusd::sync
