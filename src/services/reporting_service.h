// The Reporting web service (/ReportingWebService/ReportingWebService.asmx), client side of
// MS-WUSP §3.1.5.11: clients report events; each batch is validated and stored whole or refused. With the upstream
// role on, downstream servers also roll up their reports here (MS-WSUSSS §3.1.4.13–17, reporting_rollup.h).
#pragma once

#include <memory>

#include "services/client_service.h"
#include "services/server_sync_service.h"

namespace wsusd::services {

/// `uss` null: the upstream role is off and the rollup operations are not served.
std::unique_ptr<soap::Endpoint> make_reporting_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                        std::shared_ptr<const ServerSyncDeps> uss,
                                                        const soap::ParseLimits& limits);

}  // namespace wsusd::services
