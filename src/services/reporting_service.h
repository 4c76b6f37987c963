// The Reporting web service (/ReportingWebService/ReportingWebService.asmx), client side of
// MS-WUSP §3.1.5.11: clients report events; each batch is validated and stored whole or refused.
#pragma once

#include <memory>

#include "services/client_service.h"

namespace wsusd::services {

std::unique_ptr<soap::Endpoint> make_reporting_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                        const soap::ParseLimits& limits);

}  // namespace wsusd::services
