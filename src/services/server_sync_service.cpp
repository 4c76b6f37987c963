#include "services/server_sync_service.h"

#include "services/server_sync_auth.h"
#include "services/server_sync_ops.h"
#include "soap/namespaces.h"

namespace wsusd::services {

std::unique_ptr<soap::Endpoint> make_dss_auth_endpoint(std::shared_ptr<const ServerSyncDeps> deps,
                                                       const soap::ParseLimits& limits) {
    auto ep = std::make_unique<soap::Endpoint>("DssAuth", soap::dssauth_namespaces(), soap::EnvelopeStyle::asmx, limits);
    ep->on<Dssauth::_ns1__GetAuthorizationCookie, Dssauth::_ns1__GetAuthorizationCookieResponse>(
        "ns1:GetAuthorizationCookie", "ns1:GetAuthorizationCookieResponse",
        [deps](const auto& req, auto& resp, soap::Call& call) {
            return dss_get_authorization_cookie(*deps, req, resp, call);
        });
    return ep;
}

std::unique_ptr<soap::Endpoint> make_server_sync_endpoint(std::shared_ptr<const ServerSyncDeps> deps,
                                                          const soap::ParseLimits& limits) {
    auto ep = std::make_unique<soap::Endpoint>("ServerSync", soap::serversync_namespaces(), soap::EnvelopeStyle::asmx,
                                               limits);
#define WSUSD_USS_OP(Op, fn)                                                                  \
    ep->on<Serversync::_ns1__##Op, Serversync::_ns1__##Op##Response>(                         \
        "ns1:" #Op, "ns1:" #Op "Response",                                                    \
        [deps](const auto& req, auto& resp, soap::Call& call) { return fn(*deps, req, resp, call); })
    WSUSD_USS_OP(GetAuthConfig, uss_get_auth_config);
    WSUSD_USS_OP(GetCookie, uss_get_cookie);
    WSUSD_USS_OP(GetConfigData, uss_get_config_data);
    WSUSD_USS_OP(GetRevisionIdList, uss_get_revision_id_list);
    WSUSD_USS_OP(GetUpdateData, uss_get_update_data);
    WSUSD_USS_OP(GetRelatedRevisionsForUpdates, uss_get_related_revisions);
    WSUSD_USS_OP(GetDeployments, uss_get_deployments);
    WSUSD_USS_OP(DownloadFiles, uss_download_files);
    WSUSD_USS_OP(GetUpdateDecryptionData, uss_get_update_decryption_data);
    WSUSD_USS_OP(GetDriverIdList, uss_get_driver_id_list);
    WSUSD_USS_OP(GetDriverSetData, uss_get_driver_set_data);
#undef WSUSD_USS_OP
    ep->on<Serversync::_ns3__Ping, Serversync::_ns3__PingResponse>(
        "ns3:Ping", "ns3:PingResponse",
        [deps](const auto& req, auto& resp, soap::Call& call) { return uss_ping(*deps, req, resp, call); });
    return ep;
}

}  // namespace wsusd::services
