#include "sync/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace wsusd::sync {

RateLimiter::RateLimiter(std::uint64_t bytes_per_second, std::chrono::milliseconds burst)
    : rate_(bytes_per_second), burst_(burst) {}

bool RateLimiter::acquire(std::uint64_t bytes, const std::atomic<bool>* cancel) {
    if (rate_ == 0 || bytes == 0) return !(cancel && cancel->load());
    Clock::time_point wake;
    {
        // GCRA: each byte moves the theoretical arrival time forward by 1/rate; an idle bucket starts from now, so
        // idle time is not saved up beyond `burst`.
        std::lock_guard lock(mu_);
        const auto now = Clock::now();
        if (tat_ < now) tat_ = now;
        const auto cost = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_)));
        tat_ += cost;
        wake = tat_ - burst_;
    }
    for (;;) {
        if (cancel && cancel->load()) return false;
        const auto now = Clock::now();
        if (now >= wake) return true;
        std::this_thread::sleep_for(std::min<Clock::duration>(wake - now, std::chrono::milliseconds(100)));
    }
}

}  // namespace wsusd::sync
