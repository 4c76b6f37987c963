// Bounded, deterministic mutation testing of the SOAP endpoints: every captured real request
// (../shared/captures/wsus-m0-native/scan, see captures/PROVENANCE.md), carrying a valid cookie of
// this server, is truncated, byte-flipped, spliced and inflated thousands of times. Each reply must be
// a well-formed 200 or a 500 fault, and the endpoint must keep serving. Runs under ASan/UBSan in CI.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "support/service_fixture.h"

using namespace wsusd;
namespace fs = std::filesystem;

namespace {

void check_reply(const soap::SoapReply& r, const std::string& input) {
    ASSERT_TRUE(r.status == 200 || r.status == 500) << input.substr(0, 200);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(r.body.c_str())) << "reply is not XML for input " << input.substr(0, 200);
}

}  // namespace

TEST(EndpointRobustness, MutatedRealRequestsNeverBreakTheEndpoints) {
    test_support::ServiceFixture s("robust");
    auto seeds = s.captured_requests();
    ASSERT_EQ(seeds.size(), 11u);
    // The unmutated requests are served (a valid cookie reaches the handlers).
    for (auto& [ep, body] : seeds) {
        soap::Call call;
        auto r = ep->handle(body, call);
        check_reply(r, body);
    }
    std::mt19937_64 rng(20261123);
    std::size_t served = 0, faults = 0;
    for (int i = 0; i < 3000; ++i) {
        auto& [ep, seed] = seeds[rng() % seeds.size()];
        std::string m = seed;
        switch (rng() % 6) {
            case 0: m.resize(rng() % m.size()); break;                      // truncation
            case 1: for (int k = 0; k < 8; ++k) m[rng() % m.size()] ^= static_cast<char>(1 + rng() % 255); break;
            case 2: {                                                        // splice a slice elsewhere
                std::size_t a = rng() % m.size(), len = rng() % std::min<std::size_t>(400, m.size() - a);
                m.insert(rng() % m.size(), m.substr(a, len));
                break;
            }
            case 3: {                                                        // inflate an int array
                std::string many;
                for (int k = 0; k < 5000; ++k) many += "<int>" + std::to_string(rng() % 1000000) + "</int>";
                auto pos = m.find("<int>");
                if (pos != std::string::npos) m.insert(pos, many);
                break;
            }
            case 4: {                                                        // replace a text value with junk
                auto gt = m.find('>', rng() % m.size());
                auto lt = gt == std::string::npos ? gt : m.find('<', gt);
                if (lt != std::string::npos) m.replace(gt + 1, lt - gt - 1, std::string(rng() % 300, "A-9&;%\xff"[rng() % 7]));
                break;
            }
            default: m.erase(rng() % m.size(), rng() % 50); break;         // delete a run
        }
        soap::Call call;
        auto r = ep->handle(m, call);
        check_reply(r, m);
        (r.status == 200 ? served : faults)++;
    }
    EXPECT_GT(faults, 0u);
    EXPECT_GT(served, 0u) << "some mutations are harmless and must still be served";
}
