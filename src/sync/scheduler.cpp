#include "sync/scheduler.h"

#include "sync/sync_engine.h"
#include "util/log.h"

namespace wsusd::sync {

SyncScheduler::SyncScheduler(std::shared_ptr<store::Store> store, config::SyncConfig config)
    : store_(std::move(store)), config_(std::move(config)) {}

SyncScheduler::~SyncScheduler() { stop(); }

void SyncScheduler::start() {
    if (config_.upstream_url.empty() || thread_.joinable()) return;
    thread_ = std::thread([this] { loop(); });
    if (config_.interval_minutes > 0)
        log::sync()->info("synchronizing from {} every {} minutes", config_.upstream_url, config_.interval_minutes);
}

Result<void> SyncScheduler::request_now() {
    if (config_.upstream_url.empty())
        return fail(Errc::invalid_argument, "sync.upstream_url: this server has no upstream server configured");
    if (sync_running()) return fail(Errc::conflict, "a synchronization is already running");
    {
        std::lock_guard lock(mutex_);
        requested_ = true;
    }
    wake_.notify_one();
    return {};
}

void SyncScheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void SyncScheduler::loop() {
    auto next = std::chrono::steady_clock::now() + std::chrono::minutes(config_.interval_minutes);
    while (true) {
        {
            std::unique_lock lock(mutex_);
            auto ready = [&] { return stop_ || requested_; };
            if (config_.interval_minutes > 0) wake_.wait_until(lock, next, ready);
            else wake_.wait(lock, ready);
            if (stop_) return;
            requested_ = false;
        }
        // Failures are recorded in the sync history and logged by synchronize(); the schedule goes on.
        (void)synchronize(*store_, config_);
        next = std::chrono::steady_clock::now() + std::chrono::minutes(config_.interval_minutes);
    }
}

}  // namespace wsusd::sync
