// ASCII case and digit helpers for protocol text (paths, digests, header names). Unlike <cctype> they ignore the
// locale and inline to a compare, which matters on the per-request path of content downloads.
#pragma once

#include <string>
#include <string_view>

namespace wsusd::util {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
constexpr bool is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline std::string to_lower(std::string s) {
    for (char& c : s) c = ascii_lower(c);
    return s;
}
inline std::string to_upper(std::string s) {
    for (char& c : s) c = ascii_upper(c);
    return s;
}
inline std::string to_lower(std::string_view s) { return to_lower(std::string(s)); }
inline std::string to_upper(std::string_view s) { return to_upper(std::string(s)); }
inline std::string to_lower(const char* s) { return to_lower(std::string(s)); }
inline std::string to_upper(const char* s) { return to_upper(std::string(s)); }

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}
constexpr bool all_hex(std::string_view s) {
    for (char c : s)
        if (!is_hex_digit(c)) return false;
    return true;
}

}  // namespace wsusd::util
