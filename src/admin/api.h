// The admin REST API (JSON) that wsusctl speaks: routes under /api/v1/, bearer-token authentication against the
// store's hashed tokens, and every change audited. Registered on the admin listener by src/app.
#pragma once

#include <memory>

#include "admin/api_call.h"
#include "net/router.h"

namespace wsusd::admin {

/// Adds /api/v1/... to `router`. The context outlives the router's use.
void register_api(net::Router& router, std::shared_ptr<const AdminContext> ctx);

}  // namespace wsusd::admin
