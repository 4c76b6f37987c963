// Counters for the Prometheus endpoint: requests per listener and status class, SOAP operations (scans, reports)
// and faults, sync and maintenance results. Lock-free increments on the request path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "net/router.h"

namespace wsusd::admin {

class Metrics {
  public:
    enum class Listener { client = 0, admin = 1 };

    /// Wraps a route handler so that every response it gives is counted.
    net::Handler counted(Listener listener, net::Handler inner);
    void count_response(Listener listener, const net::HttpResponse& r);

    void maintenance_run(bool ok) { (ok ? maintenance_ok_ : maintenance_failed_).fetch_add(1); }
    void notification(bool ok) { (ok ? notifications_sent_ : notifications_failed_).fetch_add(1); }

    /// Prometheus text exposition (format 0.0.4) of the counters; `gauges` is appended as given.
    std::string render(const std::string& gauges) const;

  private:
    static constexpr int kClasses = 5;  // 1xx..5xx
    std::array<std::array<std::atomic<std::uint64_t>, kClasses>, 2> responses_{};
    std::atomic<std::uint64_t> scans_{0}, reports_{0}, soap_faults_{0}, soap_calls_{0};
    std::atomic<std::uint64_t> maintenance_ok_{0}, maintenance_failed_{0};
    std::atomic<std::uint64_t> notifications_sent_{0}, notifications_failed_{0};
};

}  // namespace wsusd::admin
