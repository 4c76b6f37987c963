// The Client endpoint end to end in memory: real captured requests in, schema-shaped replies out.
#include "soap/endpoint.h"

#include <gtest/gtest.h>

#include <fstream>

#include "services/client_service.h"

using namespace wsusd;

namespace {
std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::unique_ptr<soap::Endpoint> client_endpoint() {
    auto deps = std::make_shared<services::ClientServiceDeps>();
    deps->config_last_change = *util::parse_datetime("2026-10-04T13:17:07.59Z");
    deps->config.package_server_share = "\\\\REDACTED2\\UpdateServicesPackages";
    return services::make_client_endpoint(deps, {});
}
}  // namespace

TEST(Endpoint, GetConfigReproducesTheRealResponse) {
    // ../shared/captures/wsus-m0-native/scan/000001: the real server's answer with the same settings.
    std::string dir = std::string(WSUSD_SHARED_DIR) + "/captures/wsus-m0-native/scan/000001/";
    auto ep = client_endpoint();
    soap::Call call;
    auto reply = ep->handle(read_file(dir + "request.body"), call);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(call.operation, "GetConfig");
    EXPECT_EQ(reply.body, read_file(dir + "response.body"));
}

TEST(Endpoint, Soap12RequestGetsSoap12Envelope) {
    auto ep = client_endpoint();
    soap::Call call;
    auto reply = ep->handle(
        "<e:Envelope xmlns:e='http://www.w3.org/2003/05/soap-envelope'><e:Body><GetConfig "
        "xmlns='http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService'/></e:Body></e:Envelope>",
        call);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.version, soap::SoapVersion::v12);
    EXPECT_EQ(reply.body.rfind("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">", 0), 0u);
}

TEST(Endpoint, MatchesByNamespaceNotPrefix) {
    auto ep = client_endpoint();
    soap::Call call;
    // Right local name, wrong namespace: not our operation.
    auto reply = ep->handle(
        "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body><GetConfig "
        "xmlns='http://www.microsoft.com/SoftwareDistribution'/></s:Body></s:Envelope>",
        call);
    EXPECT_EQ(reply.status, 500);
    EXPECT_EQ(reply.fault_code, "UnknownOperation");
    // Odd prefix, right namespace: ours.
    soap::Call call2;
    auto ok = ep->handle(
        "<x:Envelope xmlns:x='http://schemas.xmlsoap.org/soap/envelope/'><x:Body><q:GetConfig "
        "xmlns:q='http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService'/></x:Body></x:Envelope>",
        call2);
    EXPECT_EQ(ok.status, 200);
}

TEST(Endpoint, ReusedContextAfterErrors) {
    auto ep = client_endpoint();
    for (int i = 0; i < 3; ++i) {
        soap::Call bad;
        EXPECT_EQ(ep->handle("<broken", bad).status, 500);
        soap::Call good;
        auto r = ep->handle(
            "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body><GetConfig "
            "xmlns='http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService'/></s:Body></s:Envelope>",
            good);
        EXPECT_EQ(r.status, 200);
    }
}
