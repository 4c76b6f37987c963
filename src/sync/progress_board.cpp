// ProgressBoard and phase names (sync_engine.h): apart from the engine so that the scheduler, which only reports
// progress and never syncs itself, links without the SOAP, catalog and content layers (its TSan test stays cheap).
#include "sync/sync_engine.h"

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
    s_ = Snapshot{SyncPhase::authorizing, run_id, 0, 0, std::move(started_by), std::chrono::system_clock::now()};
}

void ProgressBoard::set(SyncPhase phase, std::size_t done, std::size_t total) {
    std::lock_guard lock(mu_);
    s_.phase = phase;
    s_.done = done;
    s_.total = total;
}

void ProgressBoard::end() {
    std::lock_guard lock(mu_);
    s_ = Snapshot{};
}

ProgressBoard::Snapshot ProgressBoard::snapshot() const {
    std::lock_guard lock(mu_);
    return s_;
}

}  // namespace wsusd::sync
