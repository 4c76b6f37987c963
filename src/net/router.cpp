#include "net/router.h"

#include <algorithm>
#include <cctype>

#include "util/ascii.h"

namespace wsusd::net {

namespace {
std::string lower(std::string_view s) { return util::to_lower(s); }
}  // namespace

void Router::add(std::string path, Handler handler) { routes_.push_back({lower(path), false, std::move(handler), {}}); }

void Router::add_prefix(std::string prefix, Handler handler, QuickHandler quick) {
    routes_.push_back({lower(prefix), true, std::move(handler), std::move(quick)});
}

const Router::Route* Router::find(const std::string& path) const {
    // Keys are lower case; the path is compared case-insensitively in place (no copy per request).
    const std::string_view p = path;
    for (const auto& r : routes_) {
        if (r.prefix ? p.size() >= r.key.size() && util::iequals(p.substr(0, r.key.size()), r.key)
                     : util::iequals(p, r.key))
            return &r;
    }
    return nullptr;
}

std::string Router::normalize(std::string_view target) {
    auto q = target.find('?');
    if (q != std::string_view::npos) target = target.substr(0, q);
    std::size_t i = 0;
    while (i + 1 < target.size() && target[i] == '/' && target[i + 1] == '/') ++i;
    std::string out(target.substr(i));
    if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
    return out;
}

}  // namespace wsusd::net
