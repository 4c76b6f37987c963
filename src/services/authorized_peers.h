// AuthorizedPeers: which downstream server last authorized (ServerSync GetCookie) from which address, until
// its cookie expires. MS-WSUSSS §3.1.4.13–17 reserve the rollup operations' cookie (a fixed value with no
// data), so a real WSUS downstream server proves nothing in its rollup; wsusd then accepts it only from an
// address that authorized as a known downstream server within that server's cookie lifetime.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wsusd::services {

class AuthorizedPeers {
  public:
    using Clock = std::chrono::system_clock;
    explicit AuthorizedPeers(std::size_t max_entries = 10000) : max_(max_entries) {}

    /// After a successful GetCookie from `peer` ("addr:port" or "[v6]:port").
    void record(std::string_view peer, std::string server_id, Clock::time_point expires);
    /// The downstream server that authorized from `peer`'s address and whose cookie has not expired.
    std::optional<std::string> lookup(std::string_view peer, Clock::time_point now) const;

    /// "addr:port" → "addr"; "[v6]:port" → "v6"; anything else unchanged.
    static std::string address_of(std::string_view peer);

  private:
    struct Entry {
        std::string server_id;
        Clock::time_point expires;
    };
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> by_address_;
    std::size_t max_;
};

}  // namespace wsusd::services
