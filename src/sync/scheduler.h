// The daemon's timer thread for synchronization: runs synchronize() every sync.interval_minutes, and at once
// when the administrator asks (admin API). One sync at a time; stopping waits for a running one to finish its
// current request.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "config/config.h"
#include "store/store.h"
#include "wsusd/result.h"

namespace wsusd::sync {

class SyncScheduler {
public:
    SyncScheduler(std::shared_ptr<store::Store> store, config::SyncConfig config);
    ~SyncScheduler();

    /// Starts the thread (a no-op without sync.upstream_url).
    void start();
    /// Asks for a sync now. Errc::invalid_argument without an upstream server, Errc::conflict while one runs.
    Result<void> request_now();
    void stop();

private:
    void loop();

    std::shared_ptr<store::Store> store_;
    config::SyncConfig config_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false, requested_ = false;
    std::thread thread_;
};

}  // namespace wsusd::sync
