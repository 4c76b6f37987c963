#include "services/client_service.h"

#include "services/client_cookie.h"
#include "services/client_extended_info.h"
#include "services/client_register.h"
#include "services/client_sync_updates.h"
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
#define WSUSD_CLIENT_OP(Op, fn)                                                               \
    ep->on<Client::_ns1__##Op, Client::_ns1__##Op##Response>(                                 \
        "ns1:" #Op, "ns1:" #Op "Response",                                                    \
        [deps](const auto& req, auto& resp, soap::Call& call) { return fn(*deps, req, resp, call); })
    WSUSD_CLIENT_OP(RegisterComputer, register_computer);
    WSUSD_CLIENT_OP(StartCategoryScan, start_category_scan);
    WSUSD_CLIENT_OP(SyncUpdates, sync_updates);
    WSUSD_CLIENT_OP(SyncPrinterCatalog, sync_printer_catalog);
    WSUSD_CLIENT_OP(RefreshCache, refresh_cache);
    WSUSD_CLIENT_OP(GetExtendedUpdateInfo, get_extended_update_info);
    WSUSD_CLIENT_OP(GetExtendedUpdateInfo2, get_extended_update_info2);
    WSUSD_CLIENT_OP(GetFileLocations, get_file_locations);
#undef WSUSD_CLIENT_OP
    return ep;
}

}  // namespace wsusd::services
