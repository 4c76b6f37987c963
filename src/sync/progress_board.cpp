// ProgressBoard and phase names (sync_engine.h): apart from the engine so that the scheduler, which only reports
// progress and never syncs itself, links without the SOAP, catalog and content layers (its TSan test stays cheap).
#include "sync/sync_engine.h"

#include <algorithm>

namespace wsusd::sync {

const char* phase_name(SyncPhase p) {
    switch (p) {
        case SyncPhase::idle: return "idle";
        case SyncPhase::authorizing: return "authorizing";
        case SyncPhase::configuration: return "configuration";
        case SyncPhase::updates: return "updates";
        case SyncPhase::deployments: return "deployments";
        case SyncPhase::content: return "content";
        case SyncPhase::rollup: return "rollup";
    }
    return "unknown";
}

void ProgressBoard::begin(std::int64_t run_id, std::string started_by) {
    std::lock_guard lock(mu_);
    s_ = Snapshot{SyncPhase::authorizing, run_id, 0, 0, std::move(started_by), std::chrono::system_clock::now(), std::nullopt};
}

void ProgressBoard::set(SyncPhase phase, std::size_t done, std::size_t total) {
    std::lock_guard lock(mu_);
    s_.phase = phase;
    s_.done = done;
    s_.total = total;
}

void ProgressBoard::content_begin(std::size_t files, std::uint64_t bytes) {
    std::lock_guard lock(mu_);
    s_.content = ContentProgress{0, files, 0, 0, bytes, 0, 0};
    received_ = 0;
    samples_.clear();
    sample(Clock::now());
}

void ProgressBoard::content_started_file() {
    std::lock_guard lock(mu_);
    if (s_.content) ++s_.content->active;
}

void ProgressBoard::sample(Clock::time_point now) {
    // One sample per 250 ms, five seconds back: the rate follows changes without jumping with every chunk.
    if (samples_.empty() || now - samples_.back().first >= std::chrono::milliseconds(250))
        samples_.emplace_back(now, received_);
    while (samples_.size() > 2 && now - samples_.front().first > std::chrono::seconds(5)) samples_.pop_front();
}

void ProgressBoard::content_bytes(std::uint64_t n) {
    std::lock_guard lock(mu_);
    if (!s_.content) return;
    s_.content->bytes_done += n;
    received_ += n;
    sample(Clock::now());
}

void ProgressBoard::content_file_done(bool failed, std::uint64_t unreceived) {
    std::lock_guard lock(mu_);
    if (!s_.content) return;
    auto& c = *s_.content;
    ++c.files_done;
    if (failed) ++c.files_failed;
    if (c.active) --c.active;
    c.bytes_done = std::min(c.bytes_total, c.bytes_done + unreceived);
}

void ProgressBoard::end() {
    std::lock_guard lock(mu_);
    s_ = Snapshot{};
    samples_.clear();
}

ProgressBoard::Snapshot ProgressBoard::snapshot() const {
    std::lock_guard lock(mu_);
    Snapshot out = s_;
    if (out.content && !samples_.empty()) {
        const auto now = Clock::now();
        const auto& first = samples_.front();
        const double seconds = std::chrono::duration<double>(now - first.first).count();
        if (seconds > 0.2) out.content->bytes_per_second = static_cast<std::uint64_t>((received_ - first.second) / seconds);
    }
    return out;
}

}  // namespace wsusd::sync
