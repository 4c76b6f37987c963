#include "util/time_format.h"

#include <algorithm>

#include <charconv>
#include <cstdio>
#include <ctime>

namespace wsusd::util {

namespace {

std::tm to_utc_tm(std::time_t secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return tm;
}

// Ticks are 100 ns, the resolution of .NET DateTime (7 fractional digits).
long long ticks_in_second(SysTime t) {
    auto since = t.time_since_epoch();
    auto ticks = std::chrono::duration_cast<std::chrono::duration<long long, std::ratio<1, 10000000>>>(since).count();
    long long r = ticks % 10000000;
    return r < 0 ? r + 10000000 : r;
}

std::time_t whole_seconds(SysTime t) {
    return static_cast<std::time_t>(std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

std::string format_datetime(SysTime t, int fraction_digits) {
    std::tm tm = to_utc_tm(whole_seconds(t));
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    std::string out(buf, static_cast<std::size_t>(n));
    if (fraction_digits > 0) {
        char frac[16];
        std::snprintf(frac, sizeof frac, "%07lld", ticks_in_second(t));
        out += '.';
        out.append(frac, static_cast<std::size_t>(std::min(fraction_digits, 7)));
    }
    out += 'Z';
    return out;
}

std::string format_datetime_trimmed(SysTime t, int max_digits) {
    if (max_digits <= 0) return format_datetime(t, 0);
    std::string s = format_datetime(t, max_digits);
    // s ends with ".fffffffZ": drop trailing zeros, and the dot if nothing is left.
    std::size_t z = s.size() - 1;
    std::size_t end = z;
    while (s[end - 1] == '0') --end;
    if (s[end - 1] == '.') --end;
    return s.substr(0, end) + "Z";
}

std::optional<SysTime> parse_datetime(std::string_view text) {
    int Y, M, D, h = 0, m = 0, s = 0;
    auto num = [&](std::size_t pos, std::size_t len, int& out) {
        if (pos + len > text.size()) return false;
        auto r = std::from_chars(text.data() + pos, text.data() + pos + len, out);
        return r.ec == std::errc{} && r.ptr == text.data() + pos + len;
    };
    if (!num(0, 4, Y) || text.size() < 10 || text[4] != '-' || !num(5, 2, M) || text[7] != '-' || !num(8, 2, D))
        return std::nullopt;
    std::size_t pos = 10;
    long long ticks = 0;
    int offset_minutes = 0;
    if (pos < text.size() && text[pos] == 'T') {
        if (!num(11, 2, h) || text.size() < 19 || text[13] != ':' || !num(14, 2, m) || text[16] != ':' ||
            !num(17, 2, s))
            return std::nullopt;
        pos = 19;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            int digits = 0;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                if (digits < 7) ticks = ticks * 10 + (text[pos] - '0');
                ++digits;
                ++pos;
            }
            if (digits == 0) return std::nullopt;
            for (int i = digits; i < 7; ++i) ticks *= 10;
        }
    }
    if (pos < text.size()) {
        if (text[pos] == 'Z' && pos + 1 == text.size()) {
        } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 && text[pos + 3] == ':') {
            int oh, om;
            if (!num(pos + 1, 2, oh) || !num(pos + 4, 2, om)) return std::nullopt;
            offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
        } else {
            return std::nullopt;
        }
    }
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60) return std::nullopt;
    std::tm tm{};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    std::time_t secs = timegm(&tm);
    // system_clock counts nanoseconds: it holds 1677-09-22 to 2262-04-10. Years outside (WSUS writes 0001-01-01
    // for "never", a request may say 9999) are clamped to that range, a day inside it so that the offset and the
    // fraction cannot overflow either; converting them unclamped was signed overflow (found by admin_json_fuzz).
    using std::chrono::seconds;
    constexpr std::time_t kEarliest =
        std::chrono::duration_cast<seconds>(std::chrono::system_clock::duration::min()).count() + 86400;
    constexpr std::time_t kLatest =
        std::chrono::duration_cast<seconds>(std::chrono::system_clock::duration::max()).count() - 86400;
    secs = std::clamp(secs, kEarliest, kLatest);
    auto tp = std::chrono::system_clock::from_time_t(secs) - std::chrono::minutes(offset_minutes);
    return tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                    std::chrono::duration<long long, std::ratio<1, 10000000>>(ticks));
}

std::string http_date(SysTime t) {
    // English names whatever the process locale (RFC 9110 §5.6.7), and no strftime: this runs for every response.
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm = to_utc_tm(whole_seconds(t));
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7], tm.tm_mday,
                          kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string http_date_now() {
    // Every response carries Date; within one second it is the same text, so each thread keeps the last one.
    thread_local std::time_t last = -1;
    thread_local std::string text;
    const auto now = std::chrono::system_clock::now();
    if (const std::time_t secs = whole_seconds(now); secs != last) {
        text = http_date(now);
        last = secs;
    }
    return text;
}

}  // namespace wsusd::util
