// Which target groups a client belongs to, and the Deployment value it is offered.
#pragma once

#include <ClientH.h>

#include "services/client_service.h"

namespace wsusd::services {

struct ClientIdentity {
    store::ComputerId computer = 0;  ///< 0 when not registered
    std::vector<std::string> groups;  ///< group ids whose approvals apply (always includes All Computers)
};

/// Looks the client up and resolves its groups: server-side targeting uses the memberships the
/// administrator set (with ancestors); client-side targeting uses the group names in the cookie.
/// RegistrationRequired when registration is required and the computer is unknown.
std::expected<ClientIdentity, soap::Fault> identify_client(const ClientServiceDeps& deps,
                                                           const core::CookiePayload& cookie, soap::Call& call);

/// The Deployment element for a planned revision, as real WSUS writes it.
Client::ns1__Deployment* make_deployment(const PlannedRevision& p, soap::Arena& arena);

/// A fault for a store failure: logged with the request id, answered as InternalServerError.
soap::Fault store_fault(const soap::Call& call, const Error& e);

}  // namespace wsusd::services
