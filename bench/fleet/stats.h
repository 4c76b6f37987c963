// Measurements of one phase of a fleet run: per-operation latency, bytes and errors; per-first-scan
// figures; and the server process's CPU time and memory read from /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace wsusd::fleet {

struct OpStats {
    std::vector<std::uint32_t> latency_us;  ///< successful requests only
    std::uint64_t errors = 0;
    std::uint64_t sent_bytes = 0;      ///< request bodies
    std::uint64_t wire_bytes = 0;      ///< response bodies as received (xpress when the server compressed)
    std::uint64_t decoded_bytes = 0;   ///< response bodies decoded
    std::map<std::string, std::uint64_t> error_kinds;
};

/// Nearest-rank percentile (p in [0, 100]) of a sorted vector; 0 when empty.
double percentile(const std::vector<double>& sorted, double p);

/// Figures of one client's first scan (software pass, driver pass, extended info).
struct FirstScan {
    int sync_trips = 0;          ///< SyncUpdates round trips, both passes
    int software_trips = 0;
    std::uint64_t sync_wire_bytes = 0;
    std::uint64_t sync_decoded_bytes = 0;
    std::uint64_t all_wire_bytes = 0;  ///< every response of the first contact, handshake included
    double sync_seconds = 0;           ///< sum of SyncUpdates latencies (loopback: server time + transfer)
    double total_seconds = 0;          ///< whole first contact, handshake to last extended-info batch
    std::size_t offered = 0;
};

/// CPU time (user + system) and memory of a process, from /proc/<pid>/stat and /proc/<pid>/status.
struct ProcSample {
    bool ok = false;
    double cpu_seconds = 0;
    long vm_hwm_kb = 0;  ///< peak resident set since the process started
    long vm_rss_kb = 0;
};
ProcSample sample_process(pid_t pid);

class PhaseStats {
  public:
    void ok(const std::string& op, std::uint32_t us, std::uint64_t sent, std::uint64_t wire, std::uint64_t decoded);
    void error(const std::string& op, const std::string& kind);
    void first_scan(const FirstScan& f) { first_scans_.push_back(f); }

    std::uint64_t total_errors() const;
    const std::map<std::string, OpStats>& ops() const { return ops_; }

    /// `wall` = seconds the phase took; `server` = samples at start and end.
    nlohmann::json to_json(double wall, const ProcSample& before, const ProcSample& after, double client_cpu) const;

  private:
    std::map<std::string, OpStats> ops_;
    std::vector<FirstScan> first_scans_;
};

/// Prints a phase (from its to_json) as a table on stdout.
void print_phase(const std::string& title, const nlohmann::json& phase);

}  // namespace wsusd::fleet
