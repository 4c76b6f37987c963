#include "admin/metrics.h"

#include <sstream>

namespace wsusd::admin {

net::Handler Metrics::counted(Listener listener, net::Handler inner) {
    return [this, listener, inner = std::move(inner)](const net::HttpRequest& req) {
        auto r = inner(req);
        count_response(listener, r);
        return r;
    };
}

void Metrics::count_response(Listener listener, const net::HttpResponse& r) {
    int cls = static_cast<int>(r.status / 100) - 1;
    if (cls >= 0 && cls < kClasses) responses_[static_cast<int>(listener)][cls].fetch_add(1, std::memory_order_relaxed);
    if (listener != Listener::client || r.note.empty()) return;
    // The SOAP binding notes "Endpoint.Operation[ fault=Code]" (soap/http_binding.cpp).
    soap_calls_.fetch_add(1, std::memory_order_relaxed);
    if (r.note.find("SyncUpdates") != std::string::npos) scans_.fetch_add(1, std::memory_order_relaxed);
    if (r.note.find("ReportEventBatch") != std::string::npos) reports_.fetch_add(1, std::memory_order_relaxed);
    if (r.note.find(" fault=") != std::string::npos)
        soap_faults_.fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const std::string& gauges) const {
    std::ostringstream o;
    o << "# HELP wsusd_http_responses_total HTTP responses by listener and status class.\n"
         "# TYPE wsusd_http_responses_total counter\n";
    const char* listeners[] = {"client", "admin"};
    for (int l = 0; l < 2; ++l)
        for (int c = 0; c < kClasses; ++c)
            o << "wsusd_http_responses_total{listener=\"" << listeners[l] << "\",code=\"" << (c + 1) << "xx\"} "
              << responses_[l][c].load(std::memory_order_relaxed) << "\n";
    auto counter = [&](const char* name, const char* help, std::uint64_t v) {
        o << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n" << name << " " << v << "\n";
    };
    counter("wsusd_soap_calls_total", "SOAP calls answered.", soap_calls_.load());
    counter("wsusd_scans_total", "SyncUpdates calls (client scans).", scans_.load());
    counter("wsusd_reports_total", "ReportEventBatch calls.", reports_.load());
    counter("wsusd_soap_faults_total", "SOAP calls answered with a fault.", soap_faults_.load());
    counter("wsusd_maintenance_runs_total", "Maintenance runs that completed.", maintenance_ok_.load());
    counter("wsusd_maintenance_failures_total", "Maintenance runs that failed.", maintenance_failed_.load());
    counter("wsusd_notifications_sent_total", "Notifications delivered (mail or webhook).", notifications_sent_.load());
    counter("wsusd_notifications_failed_total", "Notifications given up after all retries.",
            notifications_failed_.load());
    o << gauges;
    return o.str();
}

}  // namespace wsusd::admin
