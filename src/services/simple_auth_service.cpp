#include "services/simple_auth_service.h"

#include <SimpleauthH.h>

#include "services/soap_values.h"
#include "soap/namespaces.h"

namespace wsusd::services {

namespace {

constexpr std::size_t kMaxDnsName = 255;

soap::OpResult get_authorization_cookie(const ClientServiceDeps& deps,
                                        const Simpleauth::_ns1__GetAuthorizationCookie& req,
                                        Simpleauth::_ns1__GetAuthorizationCookieResponse& resp, soap::Call& call) {
    // MS-WUSP §3.1.5.3: clientId and dnsName must be present and well-formed.
    if (!req.clientId || !is_client_id(*req.clientId))
        return std::unexpected(soap::make_fault(soap::ErrorCode::InvalidParameters, "clientId"));
    if (!req.dnsName || req.dnsName->empty() || req.dnsName->size() > kMaxDnsName)
        return std::unexpected(soap::make_fault(soap::ErrorCode::InvalidParameters, "dnsName"));
    core::CookiePayload p;
    p.client_id = lower(*req.clientId);
    if (req.targetGroupName) p.target_groups = split_target_groups(*req.targetGroupName);
    p.issued = deps.now();
    p.expires = p.issued + std::chrono::minutes(deps.config.cookie_lifetime_minutes);
    p.extra = *req.dnsName;
    auto* cookie = call.arena.make<Simpleauth::ns1__AuthorizationCookie>();
    cookie->PlugInId = call.arena.str("SimpleTargeting");
    cookie->CookieData = binary<Simpleauth::xsd__base64Binary>(
        call.arena, deps.cookies->seal(core::CookieKind::client_authorization, p));
    resp.GetAuthorizationCookieResult = cookie;
    return {};
}

}  // namespace

bool is_client_id(std::string_view id) {
    if (id.size() != 36) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        char c = id[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

std::vector<std::string> split_target_groups(std::string_view value) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= value.size()) {
        auto end = value.find(';', start);
        if (end == std::string_view::npos) end = value.size();
        std::string_view item = value.substr(start, end - start);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
        // WSUS group names are at most 256 characters; a longer one names no group and would not fit a cookie.
        if (!item.empty() && item.size() <= 256 && out.size() < 64) out.emplace_back(item);
        start = end + 1;
    }
    return out;
}

std::unique_ptr<soap::Endpoint> make_simple_auth_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                          const soap::ParseLimits& limits) {
    auto ep = std::make_unique<soap::Endpoint>("SimpleAuth", soap::simpleauth_namespaces(), soap::EnvelopeStyle::asmx,
                                               limits);
    ep->on<Simpleauth::_ns1__GetAuthorizationCookie, Simpleauth::_ns1__GetAuthorizationCookieResponse>(
        "ns1:GetAuthorizationCookie", "ns1:GetAuthorizationCookieResponse",
        [deps](const auto& req, auto& resp, soap::Call& call) {
            return get_authorization_cookie(*deps, req, resp, call);
        });
    return ep;
}

}  // namespace wsusd::services
