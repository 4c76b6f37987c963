// RegisterComputer (MS-WUSP §3.1.5.5) and StartCategoryScan (§3.1.5.6).
#pragma once

#include <ClientH.h>

#include "services/client_service.h"

namespace wsusd::services {

soap::OpResult register_computer(const ClientServiceDeps& deps, const Client::_ns1__RegisterComputer& req,
                                 Client::_ns1__RegisterComputerResponse& resp, soap::Call& call);

soap::OpResult start_category_scan(const ClientServiceDeps& deps, const Client::_ns1__StartCategoryScan& req,
                                   Client::_ns1__StartCategoryScanResponse& resp, soap::Call& call);

}  // namespace wsusd::services
