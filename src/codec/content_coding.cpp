// Accept-Encoding negotiation and the coding dispatch.
#include "codec/content_coding.h"

#include <array>
#include <utility>

#include "codec/xpress.h"
#include "codec/zlib_coding.h"

namespace wsusd::codec {
namespace {

constexpr int kUnlisted = -1;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), returned in thousandths; -1 if malformed.
int parse_qvalue(std::string_view v) {
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
    int q = (v[0] - '0') * 1000;
    if (v.size() == 1) return q;
    if (v[1] != '.' || v.size() > 5) return -1;
    int scale = 100;
    for (char c : v.substr(2)) {
        if (c < '0' || c > '9') return -1;
        q += (c - '0') * scale;
        scale /= 10;
    }
    return q > 1000 ? -1 : q;
}

// Weight of one list element in thousandths (1000 when no q parameter); -1 when a q parameter is malformed.
int element_weight(std::string_view params) {
    int q = 1000;
    while (!params.empty()) {
        const std::size_t semi = params.find(';');
        const std::string_view param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "q")) continue;
        q = parse_qvalue(trim(param.substr(eq + 1)));
        if (q < 0) return -1;
    }
    return q;
}

}  // namespace

Coding choose_coding(std::string_view accept_encoding, bool xpress_allowed) {
    int xpress = kUnlisted, gzip = kUnlisted, deflate = kUnlisted, any = kUnlisted;
    while (!accept_encoding.empty()) {
        const std::size_t comma = accept_encoding.find(',');
        const std::string_view element = accept_encoding.substr(0, comma);
        accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
        const std::size_t semi = element.find(';');
        const std::string_view token = trim(element.substr(0, semi));
        const int q = element_weight(semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1));
        if (token.empty() || q < 0) continue;
        // The first mention of a coding wins; repeats are ignored.
        int* slot = iequals(token, "xpress")                             ? &xpress
                    : iequals(token, "gzip") || iequals(token, "x-gzip") ? &gzip
                    : iequals(token, "deflate")                          ? &deflate
                    : token == "*"                                       ? &any
                                                                         : nullptr;
        if (slot != nullptr && *slot == kUnlisted) *slot = q;
    }
    if (gzip == kUnlisted) gzip = any;
    if (deflate == kUnlisted) deflate = any;
    if (!xpress_allowed) xpress = kUnlisted;

    Coding best = Coding::identity;
    int best_q = 0;
    for (const auto& [coding, q] : std::array<std::pair<Coding, int>, 3>{
             {{Coding::xpress, xpress}, {Coding::gzip, gzip}, {Coding::deflate, deflate}}}) {
        if (q > best_q) {
            best = coding;
            best_q = q;
        }
    }
    return best;
}

const char* coding_name(Coding coding) {
    switch (coding) {
        case Coding::identity:
            return "identity";
        case Coding::xpress:
            return "xpress";
        case Coding::gzip:
            return "gzip";
        case Coding::deflate:
            return "deflate";
    }
    return "identity";
}

std::optional<Coding> parse_coding(std::string_view content_encoding) {
    const std::string_view token = trim(content_encoding);
    if (token.empty() || iequals(token, "identity")) return Coding::identity;
    if (iequals(token, "xpress")) return Coding::xpress;
    if (iequals(token, "gzip") || iequals(token, "x-gzip")) return Coding::gzip;
    if (iequals(token, "deflate")) return Coding::deflate;
    return std::nullopt;
}

Result<std::string> encode(Coding coding, std::string_view body) {
    switch (coding) {
        case Coding::identity:
            return std::string(body);
        case Coding::xpress:
            return xpress_compress(body);
        case Coding::gzip:
            return gzip_compress(body);
        case Coding::deflate:
            return deflate_compress(body);
    }
    return fail(Errc::invalid_argument, "unknown content coding");
}

Result<std::string> decode(Coding coding, std::string_view body, std::size_t max_output) {
    switch (coding) {
        case Coding::identity:
            if (body.size() > max_output) {
                return fail(Errc::limit_exceeded, "body exceeds " + std::to_string(max_output) + " bytes");
            }
            return std::string(body);
        case Coding::xpress:
            return xpress_decompress(body, max_output);
        case Coding::gzip:
            return gzip_decompress(body, max_output);
        case Coding::deflate:
            return deflate_decompress(body, max_output);
    }
    return fail(Errc::invalid_argument, "unknown content coding");
}

}  // namespace wsusd::codec
