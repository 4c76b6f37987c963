// Responses recorded from wsusd during a fleet run, replayed by wsus-static-server for the baseline.
// Keyed by the X-Bench-Key header the simulator sends (operation | targeting group | step), so a replayed
// client receives the very bytes the real server sent a client in the same state.
// File: a sequence of records, each four length-prefixed (uint32, little-endian) strings:
// key, Content-Type, Content-Encoding (may be empty), body as sent on the wire.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace wsusd::fleet {

inline constexpr const char* kBenchKeyHeader = "X-Bench-Key";

struct Recorded {
    std::string content_type;
    std::string content_encoding;
    std::string body;
};

using Recording = std::map<std::string, Recorded>;

inline bool write_recording(const std::string& path, const Recording& rec) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    auto put = [&](const std::string& s) {
        std::uint32_t n = static_cast<std::uint32_t>(s.size());
        unsigned char len[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                                static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
        out.write(reinterpret_cast<const char*>(len), 4);
        out.write(s.data(), static_cast<std::streamsize>(s.size()));
    };
    for (const auto& [key, r] : rec) {
        put(key);
        put(r.content_type);
        put(r.content_encoding);
        put(r.body);
    }
    return static_cast<bool>(out.flush());
}

inline bool read_recording(const std::string& path, Recording& rec) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    auto get = [&](std::string& s) {
        unsigned char len[4];
        if (!in.read(reinterpret_cast<char*>(len), 4)) return false;
        std::uint32_t n = len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<std::uint32_t>(len[3]) << 24);
        s.resize(n);
        return static_cast<bool>(in.read(s.data(), n));
    };
    for (;;) {
        std::string key;
        Recorded r;
        if (!get(key)) return in.eof();
        if (!get(r.content_type) || !get(r.content_encoding) || !get(r.body)) return false;
        rec.emplace(std::move(key), std::move(r));
    }
}

}  // namespace wsusd::fleet
