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

#include "services/client_service.h"
#include "services/reporting_service.h"
#include "services/simple_auth_service.h"
#include "store/computer_repo.h"

using namespace wsusd;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

struct RobustSetup {
    fs::path dir = fs::temp_directory_path() / ("wsusd-robust-" + std::to_string(::getpid()));
    std::shared_ptr<store::Store> store;
    std::shared_ptr<services::ClientServiceDeps> deps;
    std::string cookie;  // base64 client cookie of a registered computer

    RobustSetup() {
        fs::remove_all(dir);
        fs::create_directories(dir);
        store = std::shared_ptr<store::Store>(std::move(*store::Store::open(dir / "wsusd.db")));
        deps = std::make_shared<services::ClientServiceDeps>();
        deps->config_last_change = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        deps->cookies = std::make_shared<core::CookieCodec>(core::CookieCodec::from_keys({{1, std::string(32, 'r')}}));
        deps->store = store;
        deps->planner = std::make_shared<services::ScanPlanner>(store);
        store::ComputerInfo info;
        info.client_id = "e1da06a3-5601-43c9-bac3-52d5db701494";
        info.dns_name = "robust";
        EXPECT_TRUE(store->with_writer([&](store::Connection& c) { return store::ComputerRepo(c).upsert(info, {}); }));
        core::CookiePayload p;
        p.client_id = info.client_id;
        p.issued = std::chrono::system_clock::now();
        p.expires = p.issued + std::chrono::hours(1);
        p.config_version = std::chrono::duration_cast<std::chrono::milliseconds>(deps->config_last_change.time_since_epoch()).count();
        std::string raw = deps->cookies->seal(core::CookieKind::client, p);
        static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (std::size_t i = 0; i < raw.size(); i += 3) {
            unsigned v = static_cast<unsigned char>(raw[i]) << 16;
            if (i + 1 < raw.size()) v |= static_cast<unsigned char>(raw[i + 1]) << 8;
            if (i + 2 < raw.size()) v |= static_cast<unsigned char>(raw[i + 2]);
            cookie += tbl[v >> 18];
            cookie += tbl[(v >> 12) & 63];
            cookie += i + 1 < raw.size() ? tbl[(v >> 6) & 63] : '=';
            cookie += i + 2 < raw.size() ? tbl[v & 63] : '=';
        }
    }
    ~RobustSetup() { fs::remove_all(dir); }
};

void check_reply(const soap::SoapReply& r, const std::string& input) {
    ASSERT_TRUE(r.status == 200 || r.status == 500) << input.substr(0, 200);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(r.body.c_str())) << "reply is not XML for input " << input.substr(0, 200);
}

}  // namespace

TEST(EndpointRobustness, MutatedRealRequestsNeverBreakTheEndpoints) {
    RobustSetup s;
    auto client = services::make_client_endpoint(s.deps, {});
    auto auth = services::make_simple_auth_endpoint(s.deps, {});
    auto reporting = services::make_reporting_endpoint(s.deps, {});
    std::vector<std::pair<soap::Endpoint*, std::string>> seeds;
    for (int n = 1; n <= 10; ++n) {
        char name[16];
        std::snprintf(name, sizeof name, "%06d", n);
        std::string body = read(fs::path(WSUSD_SHARED_DIR) / "captures/wsus-m0-native/scan" / name / "request.body");
        ASSERT_FALSE(body.empty());
        body = std::regex_replace(body, std::regex("<EncryptedData>[^<]*</EncryptedData>"),
                                  "<EncryptedData>" + s.cookie + "</EncryptedData>");
        seeds.emplace_back(n == 2 ? auth.get() : client.get(), body);
    }
    seeds.emplace_back(reporting.get(),
                       "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><ReportEventBatch "
                       "xmlns=\"http://www.microsoft.com/SoftwareDistribution\"><cookie><Expiration>2026-10-04T16:03:35Z"
                       "</Expiration><EncryptedData>" + s.cookie + "</EncryptedData></cookie><clientTime>2026-10-06T14:56:40Z"
                       "</clientTime><eventBatch><ReportingEvent><BasicData><TargetID><Sid>x</Sid></TargetID><SequenceNumber>0"
                       "</SequenceNumber><TimeAtTarget>2026-10-06T14:56:40.923Z</TimeAtTarget><EventInstanceID>"
                       "11111111-2222-4333-8444-555555555555</EventInstanceID><NamespaceID>1</NamespaceID><EventID>183</EventID>"
                       "<SourceID>101</SourceID><UpdateID><UpdateID>88661612-7dd9-49d4-bb34-1e54802c99b9</UpdateID>"
                       "<RevisionNumber>200</RevisionNumber></UpdateID><Win32HResult>0</Win32HResult></BasicData>"
                       "</ReportingEvent></eventBatch></ReportEventBatch></s:Body></s:Envelope>");
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
