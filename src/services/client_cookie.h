// GetCookie (MS-WUSP §3.1.5.4) and the cookie check every later Client operation starts with.
#pragma once

#include <ClientH.h>

#include "services/client_service.h"

namespace wsusd::services {

soap::OpResult get_cookie(const ClientServiceDeps& deps, const Client::_ns1__GetCookie& req,
                          Client::_ns1__GetCookieResponse& resp, soap::Call& call);

/// Opens and checks a client cookie: InvalidCookie when missing, forged or from another server,
/// CookieExpired when authentic but expired, ConfigChanged when issued under an older configuration.
std::expected<core::CookiePayload, soap::Fault> check_client_cookie(const ClientServiceDeps& deps,
                                                                    const Client::ns1__Cookie* cookie);

/// A fresh client cookie for the payload (expiry = now + lifetime), as a response value.
Client::ns1__Cookie* issue_client_cookie(const ClientServiceDeps& deps, core::CookiePayload payload, soap::Arena& arena);

/// The config version a cookie must carry: the LastChange instant at the precision clients echo.
std::int64_t config_version_of(const ClientServiceDeps& deps);

}  // namespace wsusd::services
