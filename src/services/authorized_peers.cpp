#include "services/authorized_peers.h"

#include <algorithm>

namespace wsusd::services {

std::string AuthorizedPeers::address_of(std::string_view peer) {
    if (peer.starts_with('[')) {
        auto close = peer.find(']');
        if (close != std::string_view::npos) return std::string(peer.substr(1, close - 1));
    }
    auto colon = peer.rfind(':');
    // One colon: IPv4 with port. More: a bare IPv6 address without brackets, kept whole.
    if (colon != std::string_view::npos && peer.find(':') == colon) return std::string(peer.substr(0, colon));
    return std::string(peer);
}

void AuthorizedPeers::record(std::string_view peer, std::string server_id, Clock::time_point expires) {
    std::lock_guard lock(mu_);
    if (by_address_.size() >= max_) {
        // Bounded: drop expired entries first, then the one expiring soonest.
        const auto now = Clock::now();
        std::erase_if(by_address_, [&](const auto& kv) { return kv.second.expires <= now; });
        if (by_address_.size() >= max_) {
            auto oldest = std::min_element(by_address_.begin(), by_address_.end(), [](const auto& a, const auto& b) {
                return a.second.expires < b.second.expires;
            });
            by_address_.erase(oldest);
        }
    }
    by_address_[address_of(peer)] = Entry{std::move(server_id), expires};
}

std::optional<std::string> AuthorizedPeers::lookup(std::string_view peer, Clock::time_point now) const {
    std::lock_guard lock(mu_);
    auto it = by_address_.find(address_of(peer));
    if (it == by_address_.end() || it->second.expires <= now) return std::nullopt;
    return it->second.server_id;
}

}  // namespace wsusd::services
