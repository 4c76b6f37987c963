#include "services/client_cookie.h"

#include "services/soap_values.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

soap::Fault fault(soap::ErrorCode code, std::string message = {}) { return soap::make_fault(code, std::move(message)); }

bool is_two_part_version(std::string_view v) {
    auto dot = v.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size() || v.size() > 16) return false;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (i != dot && !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
    return true;
}

}  // namespace

std::int64_t config_version_of(const ClientServiceDeps& deps) {
    // Clients echo LastChange as text with millisecond precision; compare at that precision.
    return std::chrono::duration_cast<std::chrono::milliseconds>(deps.config_last_change.time_since_epoch()).count();
}

Client::ns1__Cookie* issue_client_cookie(const ClientServiceDeps& deps, core::CookiePayload p, soap::Arena& arena) {
    p.issued = deps.now();
    p.expires = p.issued + std::chrono::minutes(deps.config.cookie_lifetime_minutes);
    p.config_version = config_version_of(deps);
    auto* c = arena.make<Client::ns1__Cookie>();
    c->Expiration = util::format_datetime(p.expires, 7);
    c->EncryptedData = binary<Client::xsd__base64Binary>(arena, deps.cookies->seal(core::CookieKind::client, p));
    return c;
}

std::expected<core::CookiePayload, soap::Fault> check_client_cookie(const ClientServiceDeps& deps,
                                                                    const Client::ns1__Cookie* cookie) {
    auto data = cookie ? bytes_of(cookie->EncryptedData) : std::string_view{};
    if (data.empty()) return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
    auto opened = deps.cookies->open(core::CookieKind::client, data, deps.now());
    if (!opened) {
        if (opened.error().error == core::CookieError::expired)
            return std::unexpected(fault(soap::ErrorCode::CookieExpired));
        return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
    }
    if (opened->config_version != config_version_of(deps)) return std::unexpected(fault(soap::ErrorCode::ConfigChanged));
    return *opened;
}

soap::OpResult get_cookie(const ClientServiceDeps& deps, const Client::_ns1__GetCookie& req,
                          Client::_ns1__GetCookieResponse& resp, soap::Call& call) {
    // Exactly one authorization cookie, from our SimpleTargeting plug-in.
    if (!req.authCookies || req.authCookies->AuthorizationCookie.size() != 1)
        return std::unexpected(fault(soap::ErrorCode::InvalidAuthorizationCookie));
    const auto* auth = req.authCookies->AuthorizationCookie.front();
    if (!auth || !auth->PlugInId || *auth->PlugInId != "SimpleTargeting")
        return std::unexpected(fault(soap::ErrorCode::InvalidAuthorizationCookie));
    auto ticket = deps.cookies->open(core::CookieKind::client_authorization, bytes_of(auth->CookieData), deps.now());
    if (!ticket) {
        log::service()->info("[{}] GetCookie from {}: authorization cookie refused ({})", call.request_id, call.peer,
                             ticket.error().detail);
        return std::unexpected(fault(soap::ErrorCode::InvalidAuthorizationCookie));
    }
    // An old cookie, when it carries data, must be one of ours (expired is fine: that is why it is renewed).
    core::CookiePayload payload = *ticket;
    if (req.oldCookie && !bytes_of(req.oldCookie->EncryptedData).empty()) {
        auto old = deps.cookies->open(core::CookieKind::client, bytes_of(req.oldCookie->EncryptedData),
                                      util::SysTime::min() + std::chrono::hours(1));
        if (!old) return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
        if (old->client_id != ticket->client_id) return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
        payload.protocol_flags = old->protocol_flags;  // carried state (e.g. registration seen)
        // MS-WUSP §3.1.4.3 (SHOULD copy state): the deployments the agent has seen, and for which groups, so that
        // the next scan after an overnight expiry is differential instead of resending every cached deployment.
        payload.sync_anchor = old->sync_anchor;
        payload.groups_hash = old->groups_hash;
    }
    auto last = util::parse_datetime(req.lastChange);
    if (!last || std::chrono::duration_cast<std::chrono::milliseconds>(last->time_since_epoch()).count() !=
                     config_version_of(deps))
        return std::unexpected(fault(soap::ErrorCode::ConfigChanged));
    if (!req.protocolVersion || !is_two_part_version(*req.protocolVersion))
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "protocolVersion"));
    payload.extra = *req.protocolVersion;
    resp.GetCookieResult = issue_client_cookie(deps, std::move(payload), call.arena);
    return {};
}

}  // namespace wsusd::services
