// The MS-WUSP Client web service (/ClientWebService/client.asmx). Handlers are plain functions of
// typed requests; this file wires them onto an Endpoint.
#pragma once

#include <memory>

#include "config/config.h"
#include "soap/endpoint.h"
#include "util/time_format.h"

namespace wsusd::services {

/// What the Client service needs from the rest of the server.
struct ClientServiceDeps {
    config::ClientServiceConfig config;
    util::SysTime config_last_change;  ///< GetConfig LastChange: when client-visible settings last changed
};

/// Creates the Client endpoint with every operation this build implements.
std::unique_ptr<soap::Endpoint> make_client_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                     const soap::ParseLimits& limits);

}  // namespace wsusd::services
