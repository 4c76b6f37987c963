// A store in a temporary folder with one registered computer, the Client, SimpleAuth and Reporting endpoints
// over it, and a valid client cookie for that computer: what the endpoint mutation test and the SOAP fuzz target
// both start from. The captured requests are rewritten to carry that cookie.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "services/client_service.h"
#include "services/server_sync_service.h"
#include "soap/endpoint.h"

namespace wsusd::test_support {

class ServiceFixture {
public:
    explicit ServiceFixture(const std::string& tag);
    ~ServiceFixture();

    std::filesystem::path dir;
    std::shared_ptr<store::Store> store;
    std::shared_ptr<services::ClientServiceDeps> deps;
    std::string cookie;  ///< base64 client cookie of the registered computer
    std::string server_cookie;  ///< base64 ServerSync cookie of a downstream server
    std::unique_ptr<soap::Endpoint> client, auth, reporting, server_sync, dss_auth;

    /// The captured native scan requests (captures/wsus-m0-native/scan, SimpleAuth for exchange 2) and one
    /// ReportEventBatch, each with this fixture's cookie, paired with the endpoint that serves it.
    std::vector<std::pair<soap::Endpoint*, std::string>> captured_requests() const;
    /// The captured downstream-server requests to a real WSUS (captures/wsus-m0-wsusss/exchanges) with this
    /// fixture's server cookie, paired with ServerSync or DssAuth.
    std::vector<std::pair<soap::Endpoint*, std::string>> captured_server_requests() const;
};

}  // namespace wsusd::test_support
