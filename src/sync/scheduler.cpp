#include "sync/scheduler.h"

#include <random>
#include <tuple>

#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::sync {

Schedule make_schedule(const std::vector<std::string>& times, unsigned interval_minutes, unsigned jitter_minutes) {
    Schedule s;
    for (const auto& t : times) {
        if (t.size() != 5) continue;
        s.minutes_of_day.push_back(((t[0] - '0') * 10 + (t[1] - '0')) * 60 + (t[3] - '0') * 10 + (t[4] - '0'));
    }
    s.interval_minutes = interval_minutes;
    s.jitter_minutes = jitter_minutes;
    return s;
}

std::optional<std::chrono::system_clock::time_point> next_start(
    const Schedule& s, std::chrono::system_clock::time_point after,
    std::optional<std::chrono::system_clock::time_point> last_start) {
    using namespace std::chrono;
    std::optional<system_clock::time_point> best;
    auto consider = [&](system_clock::time_point t) {
        if (t > after && (!best || t < *best)) best = t;
    };
    const auto day = floor<days>(after);
    for (int m : s.minutes_of_day) {
        consider(day + minutes(m));
        consider(day + days(1) + minutes(m));
    }
    if (s.interval_minutes > 0) {
        const auto every = minutes(s.interval_minutes);
        if (!last_start) {
            consider(after + every);
        } else {
            auto t = *last_start + every;
            if (t <= after) t = after + seconds(1);  // overdue (a long sync, or a stopped daemon): soon
            consider(t);
        }
    }
    return best;
}

SyncScheduler::SyncScheduler(Schedule schedule, RunFn run) : schedule_(std::move(schedule)), run_(std::move(run)) {}

SyncScheduler::~SyncScheduler() { stop(); }

void SyncScheduler::start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void SyncScheduler::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        cancel_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

SyncScheduler::Trigger SyncScheduler::trigger(const std::string& started_by, Kind kind) {
    {
        std::lock_guard lock(mu_);
        if (running_ || requested_) return Trigger::already_running;
        requested_ = std::make_pair(started_by, kind);
    }
    cv_.notify_all();
    return Trigger::started;
}

bool SyncScheduler::cancel() {
    std::lock_guard lock(mu_);
    if (!running_ && !requested_) return false;
    requested_.reset();
    cancel_ = true;
    return true;
}

SyncScheduler::Status SyncScheduler::status() const {
    std::lock_guard lock(mu_);
    return Status{running_ || requested_.has_value(), progress_.snapshot(), next_, next_rollup_, last_};
}

void SyncScheduler::loop() {
    std::mt19937_64 rng{std::random_device{}()};
    auto jittered = [&](std::optional<std::chrono::system_clock::time_point> t) {
        if (!t || schedule_.jitter_minutes == 0) return t;
        std::uniform_int_distribution<long> pick(0, static_cast<long>(schedule_.jitter_minutes) * 60);
        return std::optional(*t + std::chrono::seconds(pick(rng)));
    };
    // The next rollup counts from the last run of either kind: every sync ends with a rollup.
    auto rollup_after = [&](std::chrono::system_clock::time_point t) -> std::optional<std::chrono::system_clock::time_point> {
        if (schedule_.rollup_every.count() <= 0) return std::nullopt;
        return jittered(t + schedule_.rollup_every);
    };
    std::unique_lock lock(mu_);
    next_ = jittered(next_start(schedule_, std::chrono::system_clock::now(), last_start_));
    next_rollup_ = rollup_after(std::chrono::system_clock::now());
    auto due = [&](const std::optional<std::chrono::system_clock::time_point>& t) {
        return t && std::chrono::system_clock::now() >= *t;
    };
    while (!stopping_) {
        std::optional<std::chrono::system_clock::time_point> wake = next_;
        if (next_rollup_ && (!wake || *next_rollup_ < *wake)) wake = next_rollup_;
        if (wake) {
            cv_.wait_until(lock, *wake, [&] { return stopping_ || requested_.has_value(); });
        } else {
            cv_.wait(lock, [&] { return stopping_ || requested_.has_value(); });
        }
        if (stopping_) break;
        std::string by;
        Kind kind = Kind::sync;
        if (requested_) {
            std::tie(by, kind) = *requested_;
            requested_.reset();
        } else if (due(next_)) {
            by = "schedule";
        } else if (due(next_rollup_)) {
            by = "rollup schedule";
            kind = Kind::rollup;
        } else {
            continue;  // spurious wake-up
        }
        running_ = true;
        cancel_ = false;
        const auto started = std::chrono::system_clock::now();
        if (kind == Kind::sync) last_start_ = started;
        lock.unlock();
        SyncOutcome outcome = run_(by, kind, progress_, cancel_);
        lock.lock();
        running_ = false;
        last_ = std::move(outcome);
        const auto now = std::chrono::system_clock::now();
        if (kind == Kind::sync) next_ = jittered(next_start(schedule_, now, last_start_));
        next_rollup_ = rollup_after(now);
        if (kind == Kind::sync && next_) log::sync()->info("next scheduled sync at {}", util::format_datetime(*next_, 0));
    }
}

}  // namespace wsusd::sync
