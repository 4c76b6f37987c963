#include "net/client_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <spdlog/fmt/fmt.h>

#include "util/log.h"

namespace wsusd::net {

namespace ip = boost::asio::ip;

namespace {

std::array<std::uint8_t, 16> mapped_bytes(const ip::address& a) {
    if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
    return a.to_v6().to_bytes();
}

bool prefix_matches(const std::array<std::uint8_t, 16>& addr, const std::array<std::uint8_t, 16>& prefix,
                    unsigned bits) {
    unsigned whole = bits / 8, rest = bits % 8;
    if (std::memcmp(addr.data(), prefix.data(), whole) != 0) return false;
    if (rest == 0) return true;
    std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (addr[whole] & mask) == (prefix[whole] & mask);
}

}  // namespace

Result<AddressSet> AddressSet::parse(const std::vector<std::string>& entries) {
    AddressSet set;
    for (const auto& e : entries) {
        auto bad = [&] {
            return fail(Errc::invalid_argument,
                        "'" + e + "' is not an IP address or prefix (examples: 10.0.0.0/8, 192.168.1.20, fd00::/8)");
        };
        auto slash = e.find('/');
        boost::system::error_code ec;
        auto addr = ip::make_address(e.substr(0, slash), ec);
        if (ec) return bad();
        // An IPv4 address is stored IPv4-mapped, so its prefix length counts from bit 96.
        unsigned max_bits = addr.is_v4() ? 32 : 128, bits = max_bits;
        if (slash != std::string::npos) {
            auto digits = e.substr(slash + 1);
            if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos)
                return bad();
            bits = static_cast<unsigned>(std::stoul(digits));
            if (bits > max_bits) return bad();
        }
        if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = ip::make_address_v4(ip::v4_mapped, addr.to_v6());
        set.prefixes_.push_back({mapped_bytes(addr), addr.is_v4() ? bits + 96 : bits});
    }
    return set;
}

bool AddressSet::contains(const ip::address& a) const {
    auto bytes = mapped_bytes(a);
    return std::any_of(prefixes_.begin(), prefixes_.end(),
                       [&](const Prefix& p) { return prefix_matches(bytes, p.bytes, p.bits); });
}

ClientLimiter::Ticket& ClientLimiter::Ticket::operator=(Ticket&& o) noexcept {
    if (this != &o) {
        if (owner_) owner_->release(key_);
        owner_ = std::move(o.owner_);
        key_ = o.key_;
    }
    return *this;
}

ClientLimiter::Ticket::~Ticket() {
    if (owner_) owner_->release(key_);
}

std::size_t ClientLimiter::KeyHash::operator()(const Key& k) const noexcept {
    // FNV-1a: the table is bounded and pruned, so a weak hash costs at most a slower lookup.
    std::uint64_t h = 1469598103934665603ull;
    for (auto b : k) h = (h ^ b) * 1099511628211ull;
    return static_cast<std::size_t>(h);
}

Result<std::shared_ptr<ClientLimiter>> ClientLimiter::create(ClientLimitOptions options, Now now) {
    auto exempt = AddressSet::parse(options.exempt);
    if (!exempt) return fail(Errc::invalid_argument, "limits.client_limit_exempt: " + exempt.error().message);
    return std::shared_ptr<ClientLimiter>(new ClientLimiter(std::move(options), std::move(*exempt), std::move(now)));
}

ClientLimiter::ClientLimiter(ClientLimitOptions options, AddressSet exempt, Now now)
    : options_(std::move(options)), exempt_(std::move(exempt)), now_(std::move(now)) {
    burst_ = options_.request_burst ? options_.request_burst : std::max(1u, options_.requests_per_second);
    if (options_.max_tracked_clients == 0) options_.max_tracked_clients = 1;
}

ClientLimiter::Key ClientLimiter::key_of(const ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return mapped_bytes(ip::make_address_v4(ip::v4_mapped, a.to_v6()));
    return mapped_bytes(a);
}

void ClientLimiter::refill(Entry& e, Clock::time_point now) const {
    if (options_.requests_per_second == 0) return;
    double elapsed = std::chrono::duration<double>(now - e.refilled).count();
    if (elapsed > 0) e.tokens = std::min(burst_, e.tokens + elapsed * options_.requests_per_second);
    e.refilled = now;
}

bool ClientLimiter::at_rest(Entry& e, Clock::time_point now) const {
    // A full bucket and no connection: forgetting the client changes nothing.
    refill(e, now);
    return e.connections == 0 && (options_.requests_per_second == 0 || e.tokens >= burst_);
}

void ClientLimiter::sweep(Clock::time_point now) {
    last_sweep_ = now;
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (at_rest(it->second, now))
            it = clients_.erase(it);
        else
            ++it;
    }
}

ClientLimiter::Entry* ClientLimiter::entry(const Key& k, Clock::time_point now) {
    if (auto it = clients_.find(k); it != clients_.end()) return &it->second;
    // Sweep when the table is full (at most once a second, so a full table of busy clients is not rescanned per
    // request) and once a minute anyway, so memory returns after a burst of many addresses.
    bool full = clients_.size() >= options_.max_tracked_clients;
    if ((full && now - last_sweep_ >= std::chrono::seconds(1)) || now - last_sweep_ >= std::chrono::minutes(1))
        sweep(now);
    if (clients_.size() >= options_.max_tracked_clients) {
        if (auto n = untracked_.tick(now))
            log::net()->warn("per-client limits: {} clients are active at once, more than the table holds; {} "
                             "request(s) or connection(s) of new addresses went unlimited since the last such line "
                             "(limits.max_connections still applies)",
                             clients_.size(), *n);
        return nullptr;
    }
    Entry e;
    e.tokens = burst_;
    e.refilled = now;
    return &clients_.emplace(k, e).first->second;
}

std::optional<ClientLimiter::Ticket> ClientLimiter::open_connection(const ip::address& client) {
    if (options_.max_connections == 0 || exempt_.contains(client)) return Ticket{};
    auto k = key_of(client);
    std::lock_guard lock(mu_);
    Entry* e = entry(k, now_());
    if (!e) return Ticket{};  // table full of active clients: not limited (see max_tracked_clients)
    if (e->connections >= options_.max_connections) return std::nullopt;
    ++e->connections;
    Ticket t;
    t.owner_ = shared_from_this();
    t.key_ = k;
    return t;
}

void ClientLimiter::release(const Key& k) {
    std::lock_guard lock(mu_);
    if (auto it = clients_.find(k); it != clients_.end() && it->second.connections > 0) --it->second.connections;
}

std::optional<unsigned> ClientLimiter::admit_request(const ip::address& client) {
    if (options_.requests_per_second == 0 || exempt_.contains(client)) return std::nullopt;
    auto k = key_of(client);
    auto now = now_();
    std::lock_guard lock(mu_);
    Entry* e = entry(k, now);
    if (!e) return std::nullopt;
    refill(*e, now);
    if (e->tokens >= 1) {
        e->tokens -= 1;
        return std::nullopt;
    }
    double wait = (1 - e->tokens) / options_.requests_per_second;
    return std::max(1u, static_cast<unsigned>(std::ceil(wait)));
}

std::optional<std::string> ClientLimiter::note_refusal(const std::string& peer, const char* what) {
    std::lock_guard lock(mu_);
    auto n = refusals_.tick(now_());
    if (!n) return std::nullopt;
    return fmt::format("{}: {} refused (per-client limit; {} refusal(s) since the last such line, at most one line "
                       "per 10 s); raise limits.client_requests_per_second/client_request_burst/"
                       "client_max_connections or list the address in limits.client_limit_exempt if this is a NAT "
                       "or proxy of many clients",
                       peer, what, *n);
}

std::size_t ClientLimiter::tracked_clients() const {
    std::lock_guard lock(mu_);
    return clients_.size();
}

}  // namespace wsusd::net
