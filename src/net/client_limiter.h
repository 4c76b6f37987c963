// Per-client limits of the client listeners (`[limits] client_*`): a token bucket of requests and a cap on
// open connections per client address, checked before a request body is read. Loopback and the
// addresses in `client_limit_exempt` are not limited; the admin listener has no limiter at all.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/log_throttle.h"
#include "wsusd/result.h"

namespace wsusd::net {

/// Addresses and CIDR prefixes ("10.0.0.0/8", "::1", "fd00::/8"). IPv4-mapped IPv6 addresses match their IPv4 form.
class AddressSet {
public:
    /// Fails naming the first entry that is not an address or prefix.
    static Result<AddressSet> parse(const std::vector<std::string>& entries);
    bool contains(const boost::asio::ip::address& a) const;
    bool empty() const { return prefixes_.empty(); }

private:
    struct Prefix {
        std::array<std::uint8_t, 16> bytes{};  ///< IPv4 as IPv4-mapped IPv6
        unsigned bits = 0;                     ///< of the 128
    };
    std::vector<Prefix> prefixes_;
};

struct ClientLimitOptions {
    unsigned requests_per_second = 0;  ///< refill rate of each client's bucket; 0 = no request limit
    unsigned request_burst = 0;        ///< bucket size (requests in a row); 0 = requests_per_second
    unsigned max_connections = 0;      ///< open connections per client; 0 = no limit
    std::vector<std::string> exempt;   ///< AddressSet entries never limited
    /// Most client addresses remembered at once; beyond it clients that are at rest are forgotten first, and
    /// if none is, new addresses go unlimited (the global limits.max_connections still holds) rather than
    /// memory growing with an address-spraying attacker.
    std::size_t max_tracked_clients = 65536;
};

class ClientLimiter : public std::enable_shared_from_this<ClientLimiter> {
public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;

    /// Fails when an `exempt` entry does not parse (the message names limits.client_limit_exempt).
    static Result<std::shared_ptr<ClientLimiter>> create(ClientLimitOptions options, Now now = Clock::now);

    /// One open connection counted against its client; releases the count when destroyed.
    class Ticket {
    public:
        Ticket() = default;
        Ticket(Ticket&& o) noexcept : owner_(std::move(o.owner_)), key_(o.key_) {}
        Ticket& operator=(Ticket&& o) noexcept;
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;
        ~Ticket();

    private:
        friend class ClientLimiter;
        std::shared_ptr<ClientLimiter> owner_;  ///< null: nothing counted
        std::array<std::uint8_t, 16> key_{};
    };

    /// A new connection from `client`: a ticket to hold while it is open, or nullopt when the client already
    /// has max_connections open (refuse it).
    std::optional<Ticket> open_connection(const boost::asio::ip::address& client);

    /// A request from `client` whose header has arrived: nullopt when it may proceed, otherwise the seconds after
    /// which a token will be available (for Retry-After, at least 1).
    std::optional<unsigned> admit_request(const boost::asio::ip::address& client);

    /// Counts a refusal and returns a summary line at most every few seconds (for the log), naming the setting.
    std::optional<std::string> note_refusal(const std::string& peer, const char* what);

    std::size_t tracked_clients() const;
    bool limits_requests() const { return options_.requests_per_second > 0; }

private:
    using Key = std::array<std::uint8_t, 16>;
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept;
    };
    struct Entry {
        double tokens = 0;
        Clock::time_point refilled;
        unsigned connections = 0;
    };

    ClientLimiter(ClientLimitOptions options, AddressSet exempt, Now now);
    static Key key_of(const boost::asio::ip::address& a);
    /// The entry of `k`, created full; null when the table is full of clients that are not at rest. Locked.
    Entry* entry(const Key& k, Clock::time_point now);
    void refill(Entry& e, Clock::time_point now) const;
    bool at_rest(Entry& e, Clock::time_point now) const;
    void sweep(Clock::time_point now);
    void release(const Key& k);

    ClientLimitOptions options_;
    double burst_ = 0;
    AddressSet exempt_;
    Now now_;
    mutable std::mutex mu_;
    std::unordered_map<Key, Entry, KeyHash> clients_;
    Clock::time_point last_sweep_{};
    LogThrottle refusals_;
    LogThrottle untracked_;  ///< new addresses let through because the table is full
};

}  // namespace wsusd::net
