// A bandwidth limit shared by every content download of a sync (content.max_bandwidth): one token bucket that all
// parallel transfers draw from, so the sum stays under the limit however many files are in flight. Transfers block
// in their body callback; libcurl then stops reading and TCP slows the sender down.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace wsusd::sync {

class RateLimiter {
  public:
    /// `bytes_per_second` 0 = unlimited. `burst` is how far ahead of the average the transfers may run (the bucket
    /// size in time): short enough that a limit holds over seconds, long enough to absorb scheduling noise.
    explicit RateLimiter(std::uint64_t bytes_per_second, std::chrono::milliseconds burst = std::chrono::milliseconds(100));

    /// Accounts `bytes` just received and waits until the average is back under the limit. Returns false when
    /// `cancel` became true while waiting (checked every 100 ms).
    bool acquire(std::uint64_t bytes, const std::atomic<bool>* cancel);

    std::uint64_t limit() const { return rate_; }

  private:
    using Clock = std::chrono::steady_clock;
    std::uint64_t rate_;
    Clock::duration burst_;
    std::mutex mu_;
    Clock::time_point tat_{};  ///< theoretical arrival time: when the bytes accounted so far are "paid for"
};

}  // namespace wsusd::sync
