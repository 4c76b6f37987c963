#include "support/service_fixture.h"

#include <unistd.h>

#include <fstream>
#include <regex>
#include <stdexcept>

#include "services/reporting_service.h"
#include "services/simple_auth_service.h"
#include "store/computer_repo.h"
#include "util/encoding.h"

namespace fs = std::filesystem;

namespace wsusd::test_support {

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

ServiceFixture::ServiceFixture(const std::string& tag)
    : dir(fs::temp_directory_path() / ("wsusd-" + tag + "-" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto opened = store::Store::open(dir / "wsusd.db");
    if (!opened) throw std::runtime_error(opened.error().message);
    store = std::shared_ptr<store::Store>(std::move(*opened));
    deps = std::make_shared<services::ClientServiceDeps>();
    deps->config_last_change = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    deps->cookies = std::make_shared<core::CookieCodec>(core::CookieCodec::from_keys({{1, std::string(32, 'r')}}));
    deps->store = store;
    deps->planner = std::make_shared<services::ScanPlanner>(store);
    store::ComputerInfo info;
    info.client_id = "e1da06a3-5601-43c9-bac3-52d5db701494";
    info.dns_name = "fixture";
    if (!store->with_writer([&](store::Connection& c) { return store::ComputerRepo(c).upsert(info, {}); }))
        throw std::runtime_error("cannot register the fixture's computer");
    core::CookiePayload p;
    p.client_id = info.client_id;
    p.issued = std::chrono::system_clock::now();
    p.expires = p.issued + std::chrono::hours(1);
    p.config_version =
        std::chrono::duration_cast<std::chrono::milliseconds>(deps->config_last_change.time_since_epoch()).count();
    cookie = util::base64_encode(deps->cookies->seal(core::CookieKind::client, p));
    client = services::make_client_endpoint(deps, {});
    auth = services::make_simple_auth_endpoint(deps, {});
    auto uss = std::make_shared<services::ServerSyncDeps>();
    uss->cookies = deps->cookies;
    uss->store = store;
    reporting = services::make_reporting_endpoint(deps, uss, {});
    core::CookiePayload server;
    server.client_id = "6f1c2f6e-3f0b-4d3a-9b1e-0d2f6a1c5e12";
    server.extra = "1.20";
    server.issued = std::chrono::system_clock::now();
    server.expires = server.issued + std::chrono::hours(4);
    server_cookie = util::base64_encode(deps->cookies->seal(core::CookieKind::server, server));
    server_sync = services::make_server_sync_endpoint(uss, {});
    dss_auth = services::make_dss_auth_endpoint(uss, {});
}

ServiceFixture::~ServiceFixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
}

std::vector<std::pair<soap::Endpoint*, std::string>> ServiceFixture::captured_requests() const {
    std::vector<std::pair<soap::Endpoint*, std::string>> out;
    const std::regex encrypted("<EncryptedData>[^<]*</EncryptedData>");
    for (int n = 1; n <= 10; ++n) {
        char name[16];
        std::snprintf(name, sizeof name, "%06d", n);
        std::string body = read(fs::path(WSUSD_SHARED_DIR) / "captures/wsus-m0-native/scan" / name / "request.body");
        if (body.empty()) continue;
        body = std::regex_replace(body, encrypted, "<EncryptedData>" + cookie + "</EncryptedData>");
        out.emplace_back(n == 2 ? auth.get() : client.get(), body);
    }
    out.emplace_back(reporting.get(),
                     "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><ReportEventBatch "
                     "xmlns=\"http://www.microsoft.com/SoftwareDistribution\"><cookie><Expiration>2026-10-04T16:03:35Z"
                     "</Expiration><EncryptedData>" + cookie + "</EncryptedData></cookie><clientTime>2026-10-06T14:56:40Z"
                     "</clientTime><eventBatch><ReportingEvent><BasicData><TargetID><Sid>x</Sid></TargetID><SequenceNumber>0"
                     "</SequenceNumber><TimeAtTarget>2026-10-06T14:56:40.923Z</TimeAtTarget><EventInstanceID>"
                     "11111111-2222-4333-8444-555555555555</EventInstanceID><NamespaceID>1</NamespaceID><EventID>183</EventID>"
                     "<SourceID>101</SourceID><UpdateID><UpdateID>88661612-7dd9-49d4-bb34-1e54802c99b9</UpdateID>"
                     "<RevisionNumber>200</RevisionNumber></UpdateID><Win32HResult>0</Win32HResult></BasicData>"
                     "</ReportingEvent></eventBatch></ReportEventBatch></s:Body></s:Envelope>");
    return out;
}

std::vector<std::pair<soap::Endpoint*, std::string>> ServiceFixture::captured_server_requests() const {
    std::vector<std::pair<soap::Endpoint*, std::string>> out;
    const std::regex encrypted("<EncryptedData>[^<]*</EncryptedData>");
    for (int n = 1; n <= 19; ++n) {
        char name[16];
        std::snprintf(name, sizeof name, "%06d", n);
        const fs::path dir = fs::path(WSUSD_SHARED_DIR) / "captures/wsus-m0-wsusss/exchanges" / name;
        std::string body = read(dir / "request.body");
        if (body.empty()) continue;
        body = std::regex_replace(body, encrypted, "<EncryptedData>" + server_cookie + "</EncryptedData>");
        const bool dss = read(dir / "request.headers").find("DssAuthWebService") != std::string::npos;
        out.emplace_back(dss ? dss_auth.get() : server_sync.get(), body);
    }
    return out;
}

}  // namespace wsusd::test_support
