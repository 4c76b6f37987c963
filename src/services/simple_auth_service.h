// The MS-WUSP SimpleAuth web service (/SimpleAuthWebService/SimpleAuth.asmx): GetAuthorizationCookie.
#pragma once

#include <memory>

#include "services/client_service.h"

namespace wsusd::services {

std::unique_ptr<soap::Endpoint> make_simple_auth_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                          const soap::ParseLimits& limits);

/// Splits a client-side targeting value ("Servers;Ring 1") into trimmed, non-empty group names.
std::vector<std::string> split_target_groups(std::string_view value);

/// True for a ClientIdString as WUA sends it (a GUID, 36 characters, hex and dashes).
bool is_client_id(std::string_view id);

}  // namespace wsusd::services
