// The MS-WUSP Client web service (/ClientWebService/client.asmx). Handlers are plain functions of
// typed requests; this file wires them onto an Endpoint.
#pragma once

#include <functional>
#include <memory>

#include "config/config.h"
#include "core/cookie_codec.h"
#include "services/scan_plan.h"
#include "soap/endpoint.h"
#include "store/store.h"
#include "util/time_format.h"

namespace wsusd::services {

/// What the Client service needs from the rest of the server.
struct ClientServiceDeps {
    config::ClientServiceConfig config;
    util::SysTime config_last_change;  ///< GetConfig LastChange: when client-visible settings last changed
    std::shared_ptr<const core::CookieCodec> cookies;
    std::shared_ptr<store::Store> store;
    std::shared_ptr<ScanPlanner> planner;
    /// Clock seam: tests move time forward to expire cookies.
    std::function<util::SysTime()> now = [] { return std::chrono::system_clock::now(); };
};

/// Creates the Client endpoint with every operation this build implements.
std::unique_ptr<soap::Endpoint> make_client_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                     const soap::ParseLimits& limits);

}  // namespace wsusd::services
