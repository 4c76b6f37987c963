#include "services/client_service.h"

#include "services/client_cookie.h"
#include "services/client_get_config.h"
#include "soap/namespaces.h"

namespace wsusd::services {

std::unique_ptr<soap::Endpoint> make_client_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                     const soap::ParseLimits& limits) {
    auto ep = std::make_unique<soap::Endpoint>("Client", soap::client_namespaces(), soap::EnvelopeStyle::wcf, limits);
    ep->on<Client::_ns1__GetConfig, Client::_ns1__GetConfigResponse>(
        "ns1:GetConfig", "ns1:GetConfigResponse",
        [deps](const auto& req, auto& resp, soap::Call& call) { return get_config(*deps, req, resp, call); });
    ep->on<Client::_ns1__GetCookie, Client::_ns1__GetCookieResponse>(
        "ns1:GetCookie", "ns1:GetCookieResponse",
        [deps](const auto& req, auto& resp, soap::Call& call) { return get_cookie(*deps, req, resp, call); });
    return ep;
}

}  // namespace wsusd::services
