#include "net/client_limiter.h"

#include <gtest/gtest.h>

// Options are written as designated initializers naming only what each case sets; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using wsusd::net::AddressSet;
using wsusd::net::ClientLimiter;
using wsusd::net::ClientLimitOptions;
namespace ip = boost::asio::ip;

namespace {

struct FakeClock {
    ClientLimiter::Clock::time_point t{std::chrono::hours(1)};
    ClientLimiter::Now fn() {
        return [this] { return t; };
    }
    void advance(std::chrono::milliseconds d) { t += d; }
};

std::shared_ptr<ClientLimiter> make(ClientLimitOptions o, FakeClock& clock) {
    auto l = ClientLimiter::create(std::move(o), clock.fn());
    EXPECT_TRUE(l.has_value());
    return *l;
}

const auto kA = ip::make_address("192.0.2.10");
const auto kB = ip::make_address("192.0.2.11");

}  // namespace

TEST(AddressSet, MatchesAddressesAndPrefixes) {
    auto set = AddressSet::parse({"127.0.0.0/8", "::1", "10.1.0.0/16", "fd00::/8", "192.0.2.7"});
    ASSERT_TRUE(set.has_value()) << set.error().message;
    EXPECT_TRUE(set->contains(ip::make_address("127.0.0.1")));
    EXPECT_TRUE(set->contains(ip::make_address("127.255.0.9")));
    EXPECT_TRUE(set->contains(ip::make_address("::ffff:127.0.0.1")));  // a dual-stack socket's form
    EXPECT_TRUE(set->contains(ip::make_address("::1")));
    EXPECT_TRUE(set->contains(ip::make_address("10.1.200.3")));
    EXPECT_FALSE(set->contains(ip::make_address("10.2.0.1")));
    EXPECT_TRUE(set->contains(ip::make_address("fd12::5")));
    EXPECT_FALSE(set->contains(ip::make_address("fe80::1")));
    EXPECT_TRUE(set->contains(ip::make_address("192.0.2.7")));
    EXPECT_FALSE(set->contains(ip::make_address("192.0.2.8")));
}

TEST(AddressSet, OddPrefixLengthsAndZero) {
    auto set = AddressSet::parse({"192.168.4.0/22", "0.0.0.0/0"});
    ASSERT_TRUE(set.has_value());
    EXPECT_TRUE(set->contains(ip::make_address("8.8.8.8")));  // /0 matches every IPv4 address
    EXPECT_FALSE(set->contains(ip::make_address("2001:db8::1")));
    auto narrow = AddressSet::parse({"192.168.4.0/22"});
    EXPECT_TRUE(narrow->contains(ip::make_address("192.168.7.255")));
    EXPECT_FALSE(narrow->contains(ip::make_address("192.168.8.0")));
}

TEST(AddressSet, RejectsGarbageNamingTheEntry) {
    for (const char* bad : {"", "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "1.2.3.4/-1"}) {
        auto set = AddressSet::parse({bad});
        ASSERT_FALSE(set.has_value()) << bad;
        EXPECT_NE(set.error().message.find(std::string("'") + bad + "'"), std::string::npos) << set.error().message;
    }
}

TEST(ClientLimiter, BurstThenRefillAtTheConfiguredRate) {
    FakeClock clock;
    auto l = make({.requests_per_second = 10, .request_burst = 5}, clock);
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(l->admit_request(kA)) << i;
    auto wait = l->admit_request(kA);
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, 1u);  // never less than one second
    clock.advance(std::chrono::milliseconds(100));  // one token at 10/s
    EXPECT_FALSE(l->admit_request(kA));
    EXPECT_TRUE(l->admit_request(kA));
    clock.advance(std::chrono::seconds(10));  // refills to the burst, not beyond
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(l->admit_request(kA)) << i;
    EXPECT_TRUE(l->admit_request(kA));
}

TEST(ClientLimiter, RetryAfterCoversTheWaitForATokenAtSlowRates) {
    FakeClock clock;
    auto l = make({.requests_per_second = 1, .request_burst = 1}, clock);
    EXPECT_FALSE(l->admit_request(kA));
    clock.advance(std::chrono::milliseconds(200));
    EXPECT_EQ(l->admit_request(kA).value_or(0), 1u);
}

TEST(ClientLimiter, ClientsHaveSeparateBuckets) {
    FakeClock clock;
    auto l = make({.requests_per_second = 1, .request_burst = 2}, clock);
    EXPECT_FALSE(l->admit_request(kA));
    EXPECT_FALSE(l->admit_request(kA));
    EXPECT_TRUE(l->admit_request(kA));
    EXPECT_FALSE(l->admit_request(kB));
    // The IPv4-mapped form of an address is the same client.
    EXPECT_TRUE(l->admit_request(ip::make_address("::ffff:192.0.2.10")));
}

TEST(ClientLimiter, ExemptAddressesAreNeverLimited) {
    FakeClock clock;
    auto l = make({.requests_per_second = 1, .request_burst = 1, .max_connections = 1, .exempt = {"192.0.2.0/28"}},
                  clock);
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(l->admit_request(kA));
    std::vector<ClientLimiter::Ticket> held;
    for (int i = 0; i < 10; ++i) {
        auto t = l->open_connection(kA);
        ASSERT_TRUE(t);
        held.push_back(std::move(*t));
    }
    EXPECT_EQ(l->tracked_clients(), 0u);
    EXPECT_FALSE(l->admit_request(ip::make_address("192.0.2.20")));
    EXPECT_TRUE(l->admit_request(ip::make_address("192.0.2.20")));
}

TEST(ClientLimiter, ConnectionCapPerClientReleasedByTheTicket) {
    FakeClock clock;
    auto l = make({.max_connections = 2}, clock);
    auto t1 = l->open_connection(kA);
    auto t2 = l->open_connection(kA);
    ASSERT_TRUE(t1 && t2);
    EXPECT_FALSE(l->open_connection(kA)) << "a third connection from the same client is refused";
    EXPECT_TRUE(l->open_connection(kB)) << "other clients are unaffected";
    t1.reset();
    auto t3 = l->open_connection(kA);
    EXPECT_TRUE(t3) << "closing a connection frees its slot";
    // Moving a ticket moves the count, it does not release it.
    ClientLimiter::Ticket moved = std::move(*t3);
    EXPECT_FALSE(l->open_connection(kA));
}

TEST(ClientLimiter, NoLimitsWhenOff) {
    FakeClock clock;
    auto l = make({}, clock);
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(l->admit_request(kA));
    std::vector<ClientLimiter::Ticket> held;
    for (int i = 0; i < 1000; ++i) held.push_back(std::move(*l->open_connection(kA)));
    EXPECT_EQ(l->tracked_clients(), 0u);
}

TEST(ClientLimiter, TableIsBoundedAndForgetsClientsAtRest) {
    FakeClock clock;
    auto l = make({.requests_per_second = 10, .request_burst = 10, .max_tracked_clients = 100}, clock);
    auto addr = [](int i) { return ip::make_address_v4(static_cast<ip::address_v4::uint_type>(0x0a000000 + i)); };
    for (int i = 0; i < 1000; ++i) l->admit_request(addr(i));
    EXPECT_LE(l->tracked_clients(), 100u);
    // A busy table does not lock out a new client: it goes unlimited rather than refused.
    EXPECT_FALSE(l->admit_request(addr(5000)));
    // Once the busy clients are at rest again (full buckets), they are forgotten and new ones are tracked.
    clock.advance(std::chrono::seconds(2));
    for (int i = 0; i < 10; ++i) EXPECT_FALSE(l->admit_request(addr(6000)));
    EXPECT_TRUE(l->admit_request(addr(6000)));
    EXPECT_LE(l->tracked_clients(), 100u);
}

TEST(ClientLimiter, RefusalsAreSummarizedNotLoggedEachTime) {
    FakeClock clock;
    auto l = make({.requests_per_second = 1}, clock);
    auto first = l->note_refusal("192.0.2.10:1234", "request");
    ASSERT_TRUE(first);
    EXPECT_NE(first->find("limits.client_requests_per_second"), std::string::npos);
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(l->note_refusal("192.0.2.10:1234", "request"));
    clock.advance(std::chrono::seconds(11));
    auto next = l->note_refusal("192.0.2.10:1234", "request");
    ASSERT_TRUE(next);
    EXPECT_NE(next->find("51 refusal(s)"), std::string::npos) << *next;
}

TEST(ClientLimiter, BadExemptEntryNamesTheSetting) {
    auto l = ClientLimiter::create({.requests_per_second = 1, .exempt = {"10.0.0.0/40"}});
    ASSERT_FALSE(l);
    EXPECT_NE(l.error().message.find("limits.client_limit_exempt"), std::string::npos);
}
