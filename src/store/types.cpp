#include "store/types.h"

#include <cctype>
#include <cstdio>
#include <random>

namespace wsusd::store {

Result<std::string> normalize_guid(std::string_view text) {
    // Clients and upstream servers send GUIDs in either case and sometimes braced; comparisons in SQL are
    // byte-wise, so one canonical spelling is the only way lookups stay index-friendly.
    if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
    if (text.size() != 36) return fail(Errc::invalid_argument, "not a GUID: '" + std::string(text) + "'");
    std::string out(text);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        const unsigned char c = static_cast<unsigned char>(out[i]);
        if (dash_position ? c != '-' : !std::isxdigit(c)) {
            return fail(Errc::invalid_argument, "not a GUID: '" + std::string(text) + "'");
        }
        out[i] = static_cast<char>(std::tolower(c));
    }
    return out;
}

std::string new_guid() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    const std::uint64_t hi = engine();
    const std::uint64_t lo = engine();
    std::uint8_t b[16];
    for (int i = 0; i < 8; ++i) {
        b[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
        b[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                  b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return text;
}

}  // namespace wsusd::store
