// GetExtendedUpdateInfo / GetExtendedUpdateInfo2 (MS-WUSP §3.1.5.9), GetFileLocations (§3.1.5.10)
// and RefreshCache (§3.1.5.8).
#pragma once

#include <ClientH.h>

#include "services/client_service.h"

namespace wsusd::services {

soap::OpResult get_extended_update_info(const ClientServiceDeps& deps, const Client::_ns1__GetExtendedUpdateInfo& req,
                                        Client::_ns1__GetExtendedUpdateInfoResponse& resp, soap::Call& call);
soap::OpResult get_extended_update_info2(const ClientServiceDeps& deps,
                                         const Client::_ns1__GetExtendedUpdateInfo2& req,
                                         Client::_ns1__GetExtendedUpdateInfo2Response& resp, soap::Call& call);
soap::OpResult get_file_locations(const ClientServiceDeps& deps, const Client::_ns1__GetFileLocations& req,
                                  Client::_ns1__GetFileLocationsResponse& resp, soap::Call& call);
soap::OpResult refresh_cache(const ClientServiceDeps& deps, const Client::_ns1__RefreshCache& req,
                             Client::_ns1__RefreshCacheResponse& resp, soap::Call& call);

/// The content URL of a file: <scheme>://<host>/Content/<last two hex digits of SHA-1>/<SHA-1 upper>.<ext>
std::string content_url(const soap::Call& call, std::string_view sha1_hex, std::string_view file_name);

/// Locale fallback: for "en-US" try "en-us", then "en"; the first of the client's locales that has
/// a fragment wins.
std::vector<std::string> locale_candidates(const std::vector<std::string>& locales);

}  // namespace wsusd::services
