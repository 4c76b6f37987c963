// The maintenance timer thread, beside the sync scheduler: runs the maintenance job (maintenance.h) every
// admin.maintenance_interval_minutes, the first time shortly after start, and once right after each
// synchronization (so that approval rules and new-update notices follow new updates promptly). Runs never
// overlap; a failed run is logged and counted, the next one comes as planned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "admin/api_call.h"

namespace wsusd::admin {

class MaintenanceTimer {
  public:
    MaintenanceTimer(std::shared_ptr<const AdminContext> ctx, std::chrono::seconds interval,
                     std::chrono::seconds first_delay);
    ~MaintenanceTimer();  ///< stop()s
    MaintenanceTimer(const MaintenanceTimer&) = delete;
    MaintenanceTimer& operator=(const MaintenanceTimer&) = delete;

    void start();
    void stop();
    /// Asks for a run now (returns at once).
    void trigger();

  private:
    void loop();

    std::shared_ptr<const AdminContext> ctx_;
    std::chrono::seconds interval_;
    std::chrono::seconds first_delay_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool requested_ = false;
    std::thread thread_;
};

}  // namespace wsusd::admin
