// The MS-WSUSSS upstream role (USS): DssAuthWebService (/DssAuthWebService/DssAuthWebService.asmx) and
// ServerSyncWebService (/ServerSyncWebService/ServerSyncWebService.asmx), which real WSUS and wsusd downstream
// servers call to synchronize from this server. Handlers are plain functions; this file wires them.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/cookie_codec.h"
#include "services/authorized_peers.h"
#include "soap/endpoint.h"
#include "store/store.h"
#include "util/time_format.h"

namespace Serversync {
class ns1__Cookie;
}

namespace wsusd::services {

struct ServerSyncDeps {
    config::UssConfig config;
    std::shared_ptr<const core::CookieCodec> cookies;
    std::shared_ptr<store::Store> store;
    std::function<util::SysTime()> now = [] { return std::chrono::system_clock::now(); };
    /// Filled by GetCookie; lets a rollup with MS-WSUSSS's reserved cookie name its server (see authorized_peers.h).
    std::shared_ptr<AuthorizedPeers> peers = std::make_shared<AuthorizedPeers>();
};

std::unique_ptr<soap::Endpoint> make_dss_auth_endpoint(std::shared_ptr<const ServerSyncDeps> deps,
                                                       const soap::ParseLimits& limits);
std::unique_ptr<soap::Endpoint> make_server_sync_endpoint(std::shared_ptr<const ServerSyncDeps> deps,
                                                          const soap::ParseLimits& limits);

/// Opens a downstream server's cookie (every ServerSync operation after GetCookie): InvalidCookie when absent,
/// forged, from another server or expired (real WSUS answers an expired server cookie with InvalidCookie too, and
/// the DSS restarts with GetAuthorizationCookie); IncompatibleProtocolVersion when its protocol major is not 1.
std::expected<core::CookiePayload, soap::Fault> check_server_cookie(const ServerSyncDeps& deps,
                                                                    const Serversync::ns1__Cookie* cookie);
/// The same check on the cookie's EncryptedData bytes, for services whose generated Cookie type differs
/// (the Reporting service's rollup operations).
std::expected<core::CookiePayload, soap::Fault> check_server_cookie_data(const ServerSyncDeps& deps,
                                                                         std::string_view data);

/// "<catalog version>,<yyyy-mm-dd hh:mm:ss.fff>": the anchor format of real WSUS. The number is what wsusd reads
/// back; the time is informative.
std::string make_anchor(std::int64_t version, util::SysTime at);
/// The number of an anchor; nullopt when it is not in that format (the InvalidParameters "filter" fault).
std::optional<std::int64_t> parse_anchor(std::string_view anchor);

}  // namespace wsusd::services
