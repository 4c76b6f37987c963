#include "admin/maintenance_timer.h"

#include "admin/maintenance.h"
#include "admin/metrics.h"
#include "util/log.h"

namespace wsusd::admin {

MaintenanceTimer::MaintenanceTimer(std::shared_ptr<const AdminContext> ctx, std::chrono::seconds interval,
                                   std::chrono::seconds first_delay)
    : ctx_(std::move(ctx)), interval_(interval), first_delay_(first_delay) {}

MaintenanceTimer::~MaintenanceTimer() { stop(); }

void MaintenanceTimer::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { loop(); });
}

void MaintenanceTimer::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void MaintenanceTimer::trigger() {
    {
        std::lock_guard lock(mu_);
        requested_ = true;
    }
    cv_.notify_all();
}

void MaintenanceTimer::loop() {
    auto log = log::admin();
    auto next = std::chrono::steady_clock::now() + first_delay_;
    std::unique_lock lock(mu_);
    while (!stopping_) {
        cv_.wait_until(lock, next, [&] { return stopping_ || requested_; });
        if (stopping_) break;
        if (!requested_ && std::chrono::steady_clock::now() < next) continue;
        requested_ = false;
        lock.unlock();
        auto report = run_maintenance(*ctx_, MaintenanceOptions{});
        if (ctx_->metrics) ctx_->metrics->maintenance_run(report.has_value());
        if (!report) {
            log->error("maintenance run failed: {} (the next run retries; `wsusctl maintenance --dry-run` shows what "
                       "it would do)",
                       report.error().message);
        } else {
            const auto& p = (*report)["policies"];
            const auto& c = (*report)["cleanup"];
            log->info("maintenance run done: {} new updates, {} auto-approvals, {} declined, {} computers, {} revisions, "
                      "{} files cleaned up in {} ms",
                      (*report)["new_updates"].size(), p["auto_approved"].size(), p["declined"].size(),
                      c.value("obsolete_computers", nlohmann::json::array()).size(),
                      c.value("old_revisions", nlohmann::json::array()).size(),
                      c.value("unneeded_files", nlohmann::json::array()).size(), (*report)["duration_ms"].get<long long>());
        }
        lock.lock();
        next = std::chrono::steady_clock::now() + interval_;
    }
}

}  // namespace wsusd::admin
