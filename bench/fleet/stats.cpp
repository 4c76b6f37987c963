#include "fleet/stats.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace wsusd::fleet {

using nlohmann::json;

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

ProcSample sample_process(pid_t pid) {
    ProcSample s;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return s;
    // The command name is in parentheses and may hold blanks: fields are counted after the last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) return s;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; rest >> field; ++i) {  // field 3 is the state
        if (i == 14) utime = std::stoull(field);
        if (i == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) s.vm_hwm_kb = std::stol(line.substr(6));
        if (line.rfind("VmRSS:", 0) == 0) s.vm_rss_kb = std::stol(line.substr(6));
    }
    s.ok = true;
    return s;
}

void PhaseStats::ok(const std::string& op, std::uint32_t us, std::uint64_t sent, std::uint64_t wire,
                    std::uint64_t decoded) {
    auto& o = ops_[op];
    o.latency_us.push_back(us);
    o.sent_bytes += sent;
    o.wire_bytes += wire;
    o.decoded_bytes += decoded;
}

void PhaseStats::error(const std::string& op, const std::string& kind) {
    auto& o = ops_[op];
    ++o.errors;
    ++o.error_kinds[kind];
}

std::uint64_t PhaseStats::total_errors() const {
    std::uint64_t n = 0;
    for (const auto& [name, o] : ops_) n += o.errors;
    return n;
}

namespace {

json distribution(std::vector<double> v, int digits = 3) {
    std::sort(v.begin(), v.end());
    auto r = [&](double x) {
        double f = std::pow(10.0, digits);
        return std::round(x * f) / f;
    };
    return {{"n", v.size()},        {"p50", r(percentile(v, 50))}, {"p95", r(percentile(v, 95))},
            {"p99", r(percentile(v, 99))}, {"max", r(v.empty() ? 0 : v.back())}};
}

}  // namespace

json PhaseStats::to_json(double wall, const ProcSample& before, const ProcSample& after, double client_cpu) const {
    json j;
    j["wall_seconds"] = wall;
    std::uint64_t requests = 0;
    for (const auto& [name, o] : ops_) {
        std::vector<double> ms(o.latency_us.begin(), o.latency_us.end());
        for (auto& x : ms) x /= 1000.0;
        json op = {{"requests", o.latency_us.size()},
              {"errors", o.errors},
              {"throughput_per_s", wall > 0 ? static_cast<double>(o.latency_us.size()) / wall : 0},
              {"latency_ms", distribution(ms)},
              {"sent_bytes", o.sent_bytes},
              {"wire_bytes", o.wire_bytes},
              {"decoded_bytes", o.decoded_bytes}};
        if (!o.error_kinds.empty()) op["error_kinds"] = o.error_kinds;
        requests += o.latency_us.size();
        j["ops"][name] = op;
    }
    j["requests"] = requests;
    j["errors"] = total_errors();
    j["throughput_per_s"] = wall > 0 ? static_cast<double>(requests) / wall : 0;
    if (before.ok && after.ok) {
        double cpu = after.cpu_seconds - before.cpu_seconds;
        j["server"] = {{"cpu_seconds", cpu},
                       {"cpu_ms_per_request", requests ? cpu * 1000.0 / static_cast<double>(requests) : 0},
                       {"cpu_share_of_wall", wall > 0 ? cpu / wall : 0},
                       {"vm_hwm_mb", after.vm_hwm_kb / 1024.0},
                       {"vm_rss_mb", after.vm_rss_kb / 1024.0}};
    }
    j["client_cpu_seconds"] = client_cpu;
    if (!first_scans_.empty()) {
        std::vector<double> trips, sw_trips, wire, decoded, all_wire, sync_ms, total_ms, offered;
        for (const auto& f : first_scans_) {
            trips.push_back(f.sync_trips);
            sw_trips.push_back(f.software_trips);
            wire.push_back(static_cast<double>(f.sync_wire_bytes));
            decoded.push_back(static_cast<double>(f.sync_decoded_bytes));
            all_wire.push_back(static_cast<double>(f.all_wire_bytes));
            sync_ms.push_back(f.sync_seconds * 1000);
            total_ms.push_back(f.total_seconds * 1000);
            offered.push_back(static_cast<double>(f.offered));
        }
        j["first_scan"] = {{"clients", first_scans_.size()},
                           {"sync_trips", distribution(trips, 0)},
                           {"software_trips", distribution(sw_trips, 0)},
                           {"sync_wire_bytes", distribution(wire, 0)},
                           {"sync_decoded_bytes", distribution(decoded, 0)},
                           {"all_wire_bytes", distribution(all_wire, 0)},
                           {"sync_ms", distribution(sync_ms, 1)},
                           {"total_ms", distribution(total_ms, 1)},
                           {"offered", distribution(offered, 0)}};
    }
    return j;
}

void print_phase(const std::string& title, const json& p) {
    std::printf("\n== %s: %.1f s, %llu requests (%.0f/s), %llu errors\n", title.c_str(),
                p.value("wall_seconds", 0.0), p.value("requests", 0ull), p.value("throughput_per_s", 0.0),
                p.value("errors", 0ull));
    std::printf("%-30s %9s %7s %9s %9s %9s %9s %9s %12s %12s\n", "operation", "requests", "errors", "req/s",
                "p50 ms", "p95 ms", "p99 ms", "max ms", "wire B/req", "decoded B/req");
    if (p.contains("ops"))
        for (const auto& [name, o] : p["ops"].items()) {
            double n = std::max(1.0, o["requests"].get<double>());
            const auto& l = o["latency_ms"];
            std::printf("%-30s %9llu %7llu %9.1f %9.3f %9.3f %9.3f %9.3f %12.0f %12.0f\n", name.c_str(),
                        o["requests"].get<unsigned long long>(), o["errors"].get<unsigned long long>(),
                        o["throughput_per_s"].get<double>(), l["p50"].get<double>(), l["p95"].get<double>(),
                        l["p99"].get<double>(), l["max"].get<double>(), o["wire_bytes"].get<double>() / n,
                        o["decoded_bytes"].get<double>() / n);
            if (o.contains("error_kinds"))
                for (const auto& [kind, count] : o["error_kinds"].items())
                    std::printf("%-30s   error %s x%llu\n", "", kind.c_str(), count.get<unsigned long long>());
        }
    if (p.contains("server")) {
        const auto& s = p["server"];
        std::printf("server: %.2f s CPU (%.3f ms/request, %.0f%% of one core), peak RSS %.1f MB, RSS now %.1f MB\n",
                    s["cpu_seconds"].get<double>(), s["cpu_ms_per_request"].get<double>(),
                    100 * s["cpu_share_of_wall"].get<double>(), s["vm_hwm_mb"].get<double>(),
                    s["vm_rss_mb"].get<double>());
    }
    std::printf("client: %.2f s CPU\n", p.value("client_cpu_seconds", 0.0));
    if (p.contains("first_scan")) {
        const auto& f = p["first_scan"];
        auto row = [&](const char* what, const char* key) {
            const auto& d = f[key];
            std::printf("  %-30s p50 %12.1f  p95 %12.1f  max %12.1f\n", what, d["p50"].get<double>(),
                        d["p95"].get<double>(), d["max"].get<double>());
        };
        std::printf("first scans: %llu clients\n", f["clients"].get<unsigned long long>());
        row("SyncUpdates trips (both passes)", "sync_trips");
        row("SyncUpdates trips (software)", "software_trips");
        row("SyncUpdates bytes on the wire", "sync_wire_bytes");
        row("SyncUpdates bytes decoded", "sync_decoded_bytes");
        row("all response bytes on the wire", "all_wire_bytes");
        row("SyncUpdates time, ms (sum)", "sync_ms");
        row("first contact, ms", "total_ms");
        row("revisions offered", "offered");
    }
}

}  // namespace wsusd::fleet
