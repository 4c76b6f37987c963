// Names shared by wsus-fleet-setup and wsus-fleet: the SusClientIds of simulated computers, their DNS
// names and target groups, and the manifest's keys. Both tools must agree on them, nothing else does.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace wsusd::fleet {

/// Computer i registered ahead of the run by wsus-fleet-setup (i < manifest "computers").
inline std::string registered_client_id(std::int64_t i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "f1ee0000-0000-4000-8000-%012llx", static_cast<unsigned long long>(i));
    return buf;
}

/// New computer i of one run: `run` keeps the ids of separate runs on one data directory apart.
inline std::string new_client_id(std::uint32_t run, std::int64_t i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "f1ee0001-%04x-4000-8000-%012llx", run & 0xffff, static_cast<unsigned long long>(i));
    return buf;
}

inline std::string dns_name(const std::string& client_id) { return "pc-" + client_id + ".fleet.test"; }

inline std::string ring_name(int g) { return "Fleet Ring " + std::to_string(g); }

/// Registered computer i belongs to ring ring_of(i, groups).
inline int ring_of(std::int64_t i, int groups) { return groups > 0 ? static_cast<int>(i % groups) : -1; }

/// Manifest keys of what a client must be offered: new computers land in Unassigned Computers.
inline constexpr const char* kUnassigned = "unassigned";
inline std::string ring_key(int g) { return g < 0 ? kUnassigned : "ring:" + std::to_string(g); }

}  // namespace wsusd::fleet
