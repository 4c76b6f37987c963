// Handlers of the downstream server's authentication (see server_sync_auth.cpp).
#pragma once

#include "DssauthH.h"
#include "ServersyncH.h"
#include "services/server_sync_service.h"

namespace wsusd::services {

soap::OpResult dss_get_authorization_cookie(const ServerSyncDeps& deps, const Dssauth::_ns1__GetAuthorizationCookie& req,
                                            Dssauth::_ns1__GetAuthorizationCookieResponse& resp, soap::Call& call);
soap::OpResult uss_get_auth_config(const ServerSyncDeps& deps, const Serversync::_ns1__GetAuthConfig& req,
                                   Serversync::_ns1__GetAuthConfigResponse& resp, soap::Call& call);
soap::OpResult uss_get_cookie(const ServerSyncDeps& deps, const Serversync::_ns1__GetCookie& req,
                              Serversync::_ns1__GetCookieResponse& resp, soap::Call& call);

}  // namespace wsusd::services
