// DssAuth GetAuthorizationCookie, ServerSync GetAuthConfig and GetCookie: how a downstream server authenticates
// (MS-WSUSSS §3.1.4.1–3), with the downstream server registry and the optional allow-list.
#include "services/server_sync_auth.h"

#include <algorithm>
#include <cctype>

#include "services/soap_values.h"
#include "store/sync_repo.h"
#include "util/guid.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

soap::Fault fault(soap::ErrorCode code, std::string message = {}) { return soap::make_fault(code, std::move(message)); }


// RFC 1035 §2.3 characters: letters, digits, hyphens, dots between labels.
bool is_fqdn(std::string_view s) {
    if (s.empty() || s.size() > 255) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
}

bool allowed(const config::UssConfig& cfg, std::string_view name, std::string_view guid) {
    if (cfg.allowed_downstream.empty()) return true;
    return std::any_of(cfg.allowed_downstream.begin(), cfg.allowed_downstream.end(), [&](const std::string& a) {
        return lower(a) == lower(name) || lower(a) == lower(guid);
    });
}

// "x.y" with digits; returns the major version.
std::optional<int> protocol_major(std::string_view v) {
    auto dot = v.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size() || v.size() > 16) return std::nullopt;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (i != dot && !std::isdigit(static_cast<unsigned char>(v[i]))) return std::nullopt;
    return std::stoi(std::string(v.substr(0, dot)));
}

}  // namespace

soap::OpResult dss_get_authorization_cookie(const ServerSyncDeps& deps, const Dssauth::_ns1__GetAuthorizationCookie& req,
                                            Dssauth::_ns1__GetAuthorizationCookieResponse& resp, soap::Call& call) {
    if (!req.accountName || !is_fqdn(*req.accountName)) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "accountName"));
    if (!req.accountGuid || !util::is_guid(*req.accountGuid))
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "accountGuid"));
    const std::string guid = lower(*req.accountGuid);
    if (!allowed(deps.config, *req.accountName, guid)) {
        log::service()->warn("[{}] downstream server {} ({}) from {} is not in upstream_role.allowed_downstream; "
                             "refused (add it there to let it synchronize)",
                             call.request_id, *req.accountName, guid, call.peer);
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "accountName"));
    }
    const auto now = deps.now();
    auto registered = deps.store->with_writer([&](store::Connection& c) {
        store::DownstreamServer s;
        s.id = guid;
        s.name = *req.accountName;
        return store::SyncRepo(c).touch_downstream(s, std::chrono::floor<std::chrono::milliseconds>(now));
    });
    if (!registered) {
        log::service()->error("[{}] GetAuthorizationCookie from {}: {}", call.request_id, call.peer,
                              registered.error().message);
        return std::unexpected(fault(soap::ErrorCode::InternalServerError));
    }
    core::CookiePayload p;
    p.client_id = guid;
    p.extra = *req.accountName;
    p.issued = now;
    p.expires = now + std::chrono::minutes(deps.config.cookie_lifetime_minutes);
    auto* result = call.arena.make<Dssauth::ns1__AuthorizationCookie>();
    result->PlugInId = call.arena.make<std::string>("DssTargeting");
    result->CookieData = binary<Dssauth::xsd__base64Binary>(call.arena, deps.cookies->seal(core::CookieKind::server_authorization, p));
    resp.GetAuthorizationCookieResult = result;
    log::service()->info("[{}] downstream server {} ({}) authorized from {}", call.request_id, *req.accountName, guid,
                         call.peer);
    return {};
}

soap::OpResult uss_get_auth_config(const ServerSyncDeps& deps, const Serversync::_ns1__GetAuthConfig&,
                                   Serversync::_ns1__GetAuthConfigResponse& resp, soap::Call& call) {
    auto* config = call.arena.make<Serversync::ns1__ServerAuthConfig>();
    // LastChange: when the authorization setup last changed; it has not since the daemon started.
    static const util::SysTime started = std::chrono::floor<std::chrono::milliseconds>(deps.now());
    config->LastChange = util::format_datetime(started, 3);
    auto* info = call.arena.make<Serversync::ns1__AuthPlugInInfo>();
    info->PlugInID = call.arena.make<std::string>("DssTargeting");
    info->ServiceUrl = call.arena.make<std::string>("DssAuthWebService/DssAuthWebService.asmx");
    info->Parameter = call.arena.make<std::string>();  // real WSUS sends an empty <Parameter />
    config->AuthInfo = call.arena.make<Serversync::ns1__ArrayOfAuthPlugInInfo>();
    config->AuthInfo->AuthPlugInInfo.push_back(info);
    resp.GetAuthConfigResult = config;
    return {};
}

soap::OpResult uss_get_cookie(const ServerSyncDeps& deps, const Serversync::_ns1__GetCookie& req,
                              Serversync::_ns1__GetCookieResponse& resp, soap::Call& call) {
    if (!req.authCookies || req.authCookies->AuthorizationCookie.size() != 1)
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "authCookies"));
    const auto* auth = req.authCookies->AuthorizationCookie.front();
    if (!auth) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "authCookies"));
    auto ticket = deps.cookies->open(core::CookieKind::server_authorization, bytes_of(auth->CookieData), deps.now());
    if (!ticket) {
        log::service()->info("[{}] ServerSync GetCookie from {}: authorization cookie refused ({})", call.request_id,
                             call.peer, ticket.error().detail);
        return std::unexpected(fault(soap::ErrorCode::InvalidAuthorizationCookie));
    }
    if (!req.protocolVersion) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "protocolVersion"));
    auto major = protocol_major(*req.protocolVersion);
    if (!major) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "protocolVersion"));
    if (*major != 1) return std::unexpected(fault(soap::ErrorCode::IncompatibleProtocolVersion));
    core::CookiePayload p = *ticket;
    p.issued = deps.now();
    p.expires = p.issued + std::chrono::minutes(deps.config.cookie_lifetime_minutes);
    const std::string account_name = p.extra;
    p.extra = *req.protocolVersion;
    auto* cookie = call.arena.make<Serversync::ns1__Cookie>();
    cookie->Expiration = util::format_datetime_trimmed(p.expires, 7);
    cookie->EncryptedData = binary<Serversync::xsd__base64Binary>(call.arena, deps.cookies->seal(core::CookieKind::server, p));
    resp.GetCookieResult = cookie;
    if (deps.peers) deps.peers->record(call.peer, lower(p.client_id), p.expires);
    (void)deps.store->with_writer([&](store::Connection& c) {
        store::DownstreamServer s;
        s.id = p.client_id;
        s.name = account_name;
        s.version = *req.protocolVersion;
        return store::SyncRepo(c).touch_downstream(s, std::chrono::floor<std::chrono::milliseconds>(deps.now()));
    });
    return {};
}

std::expected<core::CookiePayload, soap::Fault> check_server_cookie(const ServerSyncDeps& deps,
                                                                    const Serversync::ns1__Cookie* cookie) {
    return check_server_cookie_data(deps, cookie ? bytes_of(cookie->EncryptedData) : std::string_view{});
}

std::expected<core::CookiePayload, soap::Fault> check_server_cookie_data(const ServerSyncDeps& deps,
                                                                         std::string_view data) {
    if (data.empty()) return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
    auto opened = deps.cookies->open(core::CookieKind::server, data, deps.now());
    if (!opened) return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
    auto major = protocol_major(opened->extra);
    if (!major) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "protocolVersion"));
    if (*major != 1) return std::unexpected(fault(soap::ErrorCode::IncompatibleProtocolVersion));
    return *opened;
}

std::string make_anchor(std::int64_t version, util::SysTime at) {
    std::string t = util::format_datetime(at, 3);  // 2026-10-04T16:33:26.671Z
    t[10] = ' ';
    if (!t.empty() && t.back() == 'Z') t.pop_back();
    return std::to_string(version) + "," + t;
}

std::optional<std::int64_t> parse_anchor(std::string_view anchor) {
    auto comma = anchor.find(',');
    if (comma == std::string_view::npos || comma == 0 || comma > 18) return std::nullopt;
    std::int64_t n = 0;
    for (char c : anchor.substr(0, comma)) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        n = n * 10 + (c - '0');
    }
    std::string when(anchor.substr(comma + 1));
    if (when.size() < 19 || when[10] != ' ') return std::nullopt;
    when[10] = 'T';
    if (!util::parse_datetime(when + "Z")) return std::nullopt;
    return n;
}

}  // namespace wsusd::services
