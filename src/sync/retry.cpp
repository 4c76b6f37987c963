#include "sync/retry.h"

#include <thread>

namespace wsusd::sync {

std::chrono::milliseconds backoff_ceiling(const RetryPolicy& p, unsigned attempt) {
    // Doubling stops before it can overflow: 2^20 times any sane base is beyond every sane max.
    auto ceiling = p.base * (std::int64_t{1} << std::min(attempt, 20u));
    return std::min(ceiling, p.max);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& p, unsigned attempt, std::mt19937_64& rng) {
    const auto ceiling = backoff_ceiling(p, attempt).count();
    if (ceiling <= 0) return std::chrono::milliseconds(0);
    std::uniform_int_distribution<std::int64_t> pick(0, ceiling);
    return std::chrono::milliseconds(pick(rng));
}

Sleeper real_sleeper(const std::atomic<bool>* cancel) {
    return [cancel](std::chrono::milliseconds d) {
        // Short steps, so that a cancel is honoured within 100 ms.
        auto until = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < until) {
            if (cancel && cancel->load()) return false;
            auto left = until - std::chrono::steady_clock::now();
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100)));
        }
        return !(cancel && cancel->load());
    };
}

}  // namespace wsusd::sync
