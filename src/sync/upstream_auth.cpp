// DssAuth GetAuthorizationCookie lives in its own file: the DssAuth and ServerSync generated headers each define
// their own gSOAP runtime glue and are kept out of one translation unit.
#include <DssauthH.h>

#include "soap/endpoint.h"
#include "soap/namespaces.h"
#include "sync/soap_call.h"
#include "sync/upstream_client.h"

namespace wsusd::sync {

UpstreamResult<AuthorizationCookie> UpstreamClient::authorization_cookie(const std::string& dssauth_url,
                                                                         const std::string& account_name,
                                                                         const std::string& account_guid) {
    soap::SoapContext ctx(soap::dssauth_namespaces(), soap::EnvelopeStyle::asmx, detail::reply_parse_limits());
    soap::Arena arena;
    Dssauth::_ns1__GetAuthorizationCookie req;
    req.soap_default(ctx.raw());
    req.accountName = arena.str(account_name);
    req.accountGuid = arena.str(account_guid);
    const std::string action =
        "http://www.microsoft.com/SoftwareDistribution/Server/DssAuthWebService/GetAuthorizationCookie";
    std::string body = detail::encode(ctx, req, "ns1:GetAuthorizationCookie");
    auto reply = detail::post(detail::CallSettings{&transport_, retry_, sleep_}, dssauth_url, action, body);
    if (!reply) return std::unexpected(reply.error());
    Dssauth::_ns1__GetAuthorizationCookieResponse resp;
    if (auto d = detail::decode(ctx, *reply, resp, "ns1:GetAuthorizationCookieResponse", dssauth_url); !d)
        return std::unexpected(d.error());
    const auto* c = resp.GetAuthorizationCookieResult;
    if (!c || !c->CookieData || !c->CookieData->__ptr)
        return upstream_fail(Errc::invalid_argument, "GetAuthorizationCookie: the upstream sent no cookie");
    AuthorizationCookie out{c->PlugInId ? *c->PlugInId : "DssTargeting",
                            std::string(reinterpret_cast<const char*>(c->CookieData->__ptr),
                                        static_cast<std::size_t>(c->CookieData->__size))};
    ctx.reset();
    return out;
}

}  // namespace wsusd::sync
