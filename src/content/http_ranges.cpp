#include "content/http_ranges.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "util/ascii.h"

namespace wsusd::content {

namespace {

constexpr std::uint64_t kMaxU64 = UINT64_MAX;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

using util::iequals;

// 1*DIGIT; saturates at UINT64_MAX instead of overflowing (a huge first-pos is simply past the end).
std::optional<std::uint64_t> digits(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        unsigned d = static_cast<unsigned>(c - '0');
        v = v > (kMaxU64 - d) / 10 ? kMaxU64 : v * 10 + d;
    }
    return v;
}

}  // namespace

RangeDecision parse_range(std::string_view header, std::uint64_t size, std::size_t max_ranges) {
    RangeDecision whole;
    header = trim(header);
    auto eq = header.find('=');
    if (header.empty() || eq == std::string_view::npos || !iequals(trim(header.substr(0, eq)), "bytes")) return whole;
    if (size == 0) return whole;
    std::vector<ByteRange> ranges;
    std::size_t specs = 0;
    std::string_view rest = header.substr(eq + 1);
    while (true) {
        auto comma = rest.find(',');
        std::string_view spec = trim(rest.substr(0, comma));
        if (!spec.empty()) {  // empty list elements are allowed (RFC 9110 §5.6.1)
            ++specs;
            auto dash = spec.find('-');
            if (dash == std::string_view::npos) return whole;
            if (dash == 0) {  // suffix-range: the last N bytes
                auto n = digits(spec.substr(1));
                if (!n) return whole;
                if (*n > 0) ranges.push_back({size - std::min(*n, size), size - 1});
            } else {
                auto first = digits(spec.substr(0, dash));
                if (!first) return whole;
                std::uint64_t last = kMaxU64;
                if (dash + 1 < spec.size()) {
                    auto l = digits(spec.substr(dash + 1));
                    if (!l || *l < *first) return whole;  // syntax error or inverted range: ignore the header
                    last = *l;
                }
                if (*first < size) ranges.push_back({*first, std::min(last, size - 1)});
            }
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    if (specs == 0) return whole;
    if (ranges.empty()) return {RangeKind::unsatisfiable, {}};
    // Merge overlapping or adjacent ranges; if none touch, keep the order the client asked for.
    std::vector<ByteRange> sorted = ranges;
    std::sort(sorted.begin(), sorted.end(), [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
    std::vector<ByteRange> merged;
    for (const auto& r : sorted) {
        if (!merged.empty() && r.first <= merged.back().last + 1)
            merged.back().last = std::max(merged.back().last, r.last);
        else
            merged.push_back(r);
    }
    if (merged.size() != ranges.size()) ranges = std::move(merged);
    if (ranges.size() > max_ranges) return whole;
    return {RangeKind::partial, std::move(ranges)};
}

std::string content_range(const ByteRange& r, std::uint64_t size) {
    return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" + std::to_string(size);
}

namespace {

struct EntityTag {
    bool weak = false;
    std::string_view opaque;  ///< with its quotes
};

// Parses `#entity-tag`; nullopt on a malformed list (then nothing matches).
std::optional<std::vector<EntityTag>> parse_etags(std::string_view s) {
    std::vector<EntityTag> out;
    std::size_t i = 0;
    while (true) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
        if (i >= s.size()) break;
        EntityTag t;
        if (s.compare(i, 2, "W/") == 0) {
            t.weak = true;
            i += 2;
        }
        if (i >= s.size() || s[i] != '"') return std::nullopt;
        auto close = s.find('"', i + 1);
        if (close == std::string_view::npos) return std::nullopt;
        t.opaque = s.substr(i, close - i + 1);
        out.push_back(t);
        i = close + 1;
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i < s.size() && s[i] != ',') return std::nullopt;
    }
    return out;
}

bool etag_list_matches(std::string_view header, std::string_view ours, bool strong) {
    if (trim(header) == "*") return true;
    auto tags = parse_etags(header);
    if (!tags) return false;
    return std::any_of(tags->begin(), tags->end(),
                       [&](const EntityTag& t) { return t.opaque == ours && !(strong && t.weak); });
}

int month_index(std::string_view m) {
    static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == m) return static_cast<int>(i) + 1;
    return 0;
}

std::optional<int> number(std::string_view s) {
    s = trim(s);
    auto v = digits(s);
    if (!v || *v > 100000) return std::nullopt;
    return static_cast<int>(*v);
}

// "08:49:37"
bool clock(std::string_view s, int& h, int& m, int& sec) {
    if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
    auto a = number(s.substr(0, 2)), b = number(s.substr(3, 2)), c = number(s.substr(6, 2));
    if (!a || !b || !c || *a > 23 || *b > 59 || *c > 60) return false;
    h = *a, m = *b, sec = *c;
    return true;
}

std::optional<SysTime> make_time(int year, int month, int day, int h, int m, int s) {
    using namespace std::chrono;
    year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                       std::chrono::day(static_cast<unsigned>(day))};
    if (month < 1 || !ymd.ok()) return std::nullopt;
    return SysTime(sys_days(ymd).time_since_epoch() + hours(h) + minutes(m) + seconds(s));
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace

std::optional<SysTime> parse_http_date(std::string_view text) {
    text = trim(text);
    auto w = words(text);
    int h = 0, mi = 0, s = 0;
    if (w.size() == 6 && w[0].size() == 4 && w[0][3] == ',' && w[5] == "GMT") {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        auto day = number(w[1]), year = number(w[3]);
        int month = month_index(w[2]);
        if (!day || !year || w[1].size() != 2 || w[3].size() != 4 || !clock(w[4], h, mi, s)) return std::nullopt;
        return make_time(*year, month, *day, h, mi, s);
    }
    if (w.size() == 4 && !w[0].empty() && w[0].back() == ',' && w[3] == "GMT") {
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        auto d = w[1];
        if (d.size() != 9 || d[2] != '-' || d[6] != '-') return std::nullopt;
        auto day = number(d.substr(0, 2)), yy = number(d.substr(7, 2));
        int month = month_index(d.substr(3, 3));
        if (!day || !yy || !clock(w[2], h, mi, s)) return std::nullopt;
        return make_time(*yy < 70 ? 2000 + *yy : 1900 + *yy, month, *day, h, mi, s);
    }
    if (w.size() == 5 && w[0].size() == 3) {
        // asctime: Sun Nov  6 08:49:37 1994
        auto day = number(w[2]), year = number(w[4]);
        int month = month_index(w[1]);
        if (!day || !year || w[4].size() != 4 || !clock(w[3], h, mi, s)) return std::nullopt;
        return make_time(*year, month, *day, h, mi, s);
    }
    return std::nullopt;
}

Precondition evaluate_preconditions(const ConditionalHeaders& h, const Validators& v) {
    if (!h.if_match.empty()) {
        if (!etag_list_matches(h.if_match, v.etag, true)) return Precondition::failed;
    } else if (!h.if_unmodified_since.empty()) {
        if (auto d = parse_http_date(h.if_unmodified_since); d && v.last_modified > *d) return Precondition::failed;
    }
    if (!h.if_none_match.empty()) {
        if (etag_list_matches(h.if_none_match, v.etag, false)) return Precondition::not_modified;
    } else if (!h.if_modified_since.empty()) {
        if (auto d = parse_http_date(h.if_modified_since); d && v.last_modified <= *d)
            return Precondition::not_modified;
    }
    return Precondition::proceed;
}

bool if_range_matches(std::string_view if_range, const Validators& v) {
    if_range = trim(if_range);
    if (if_range.empty()) return true;
    if (if_range.starts_with("W/")) return false;  // a weak tag never matches (strong comparison)
    if (if_range.starts_with('"')) return if_range == v.etag;
    auto d = parse_http_date(if_range);
    return d && *d == v.last_modified;
}

}  // namespace wsusd::content
