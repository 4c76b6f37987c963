#include "net/http_message.h"

#include "util/ascii.h"

namespace wsusd::net {

bool iequals(std::string_view a, std::string_view b) { return util::iequals(a, b); }

std::string_view HttpRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

std::uint64_t FileBody::size() const {
    std::uint64_t n = suffix.size();
    for (const auto& p : parts) n += p.prefix.size() + p.length;
    return n;
}

HttpResponse plain_response(unsigned status, std::string text) {
    HttpResponse r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(text);
    if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
    return r;
}

}  // namespace wsusd::net
