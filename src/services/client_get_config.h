// GetConfig (MS-WUSP §2.2.2.2.1, §3.1.5.2): the server's configuration as real WSUS reports it.
#pragma once

#include <ClientH.h>

#include "services/client_service.h"

namespace wsusd::services {

soap::OpResult get_config(const ClientServiceDeps& deps, const Client::_ns1__GetConfig& req,
                          Client::_ns1__GetConfigResponse& resp, soap::Call& call);

}  // namespace wsusd::services
