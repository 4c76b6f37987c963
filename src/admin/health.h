// The health report (GET /api/v1/health, `wsusctl health`, the periodic status mail) and the gauges of the
// Prometheus exposition (GET /api/v1/metrics): what an operator checks first when clients stop getting updates.
#pragma once

#include <nlohmann/json.hpp>

#include "admin/api_call.h"

namespace wsusd::admin {

/// store (reachable, schema, size), disk (free bytes of the data directory), last sync, computers and how many
/// are silent (health.silent_client_days), content (files of the catalog missing or corrupt; sizes checked, not
/// digests). "status" is "ok", or "degraded" with the reasons in "problems".
Result<nlohmann::json> health_report(const AdminContext& ctx);

/// Gauges in Prometheus text format (store size, computers, approvals, last sync), appended to the counters.
std::string metrics_gauges(const AdminContext& ctx);

}  // namespace wsusd::admin
