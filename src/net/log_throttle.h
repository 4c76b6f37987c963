// LogThrottle: turns a stream of events (refused connections, rate-limited requests) into at most one log line
// per interval, so that a flood cannot also flood the log.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace wsusd::net {

class LogThrottle {
public:
    using Clock = std::chrono::steady_clock;
    LogThrottle() = default;
    explicit LogThrottle(Clock::duration interval) : interval_(interval) {}

    /// Counts one event; returns how many events the line to log now covers, or nullopt when the interval since
    /// the last line has not passed (the event is counted into the next line). Not thread-safe.
    std::optional<std::uint64_t> tick(Clock::time_point now) {
        ++pending_;
        if (logged_once_ && now - last_ < interval_) return std::nullopt;
        logged_once_ = true;
        last_ = now;
        auto n = pending_;
        pending_ = 0;
        return n;
    }

private:
    Clock::duration interval_ = std::chrono::seconds(10);
    Clock::time_point last_{};
    bool logged_once_ = false;
    std::uint64_t pending_ = 0;
};

}  // namespace wsusd::net
