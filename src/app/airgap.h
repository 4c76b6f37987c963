// Air-gapped transfer for the app: the operations behind `wsusd airgap export|import|keygen` and the admin API's
// /api/v1/airgap routes, taking their arguments as one JSON object so both front ends share one parser.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "config/config.h"
#include "content/content_store.h"
#include "store/store.h"
#include "wsusd/result.h"

namespace wsusd::app {

/// {"path", "since": ""|"last"|"CATALOG:DEPLOYMENTS", "content": "approved"|"all"|"none", "products": [..],
///  "classifications": [..], "approvals": bool, "part_size": bytes or "64M"} → the manifest summary.
/// Errc::invalid_argument errors name the argument first ("since: ...").
Result<nlohmann::json> airgap_export(const config::Config& cfg, store::Store& st, content::ContentStore* content,
                                     const nlohmann::json& request);

/// {"path", "max_parts": n} → the import report. `progress` gets one line per verified / committed part.
Result<nlohmann::json> airgap_import(const config::Config& cfg, store::Store& st, content::ContentStore* content,
                                     const nlohmann::json& request,
                                     const std::function<void(const std::string&)>& progress = {});

/// "4096", "64K", "64M", "4G" → bytes.
Result<std::uint64_t> parse_size(const std::string& text);

/// The offline subcommands; exit codes 0 ok, 1 failed or refused, 2 usage.
int airgap_keygen(const config::Config& cfg, const std::string& out);
int airgap_export_cmd(const config::Config& cfg, const nlohmann::json& request);
int airgap_import_cmd(const config::Config& cfg, const nlohmann::json& request, bool quiet);

}  // namespace wsusd::app
