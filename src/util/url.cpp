#include "util/url.h"

namespace wsusd::util {

std::string redact_url(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const auto authority = scheme + 3;
    const auto end = url.find_first_of("/?#", authority);
    const auto at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at == std::string::npos || at < authority) return url;
    const auto colon = url.find(':', authority);
    // No password, only a user name: the whole userinfo may still be a token, so it goes too.
    const auto keep = (colon != std::string::npos && colon < at) ? colon + 1 : authority;
    return url.substr(0, keep) + "<redacted>" + url.substr(at);
}

}  // namespace wsusd::util
