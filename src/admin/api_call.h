// What an admin API handler gets (the request taken apart, the caller's identity) and the helpers it answers
// with. Errors are JSON objects {"error": sentence, "argument": name?} with the matching HTTP status.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "net/http_message.h"
#include "store/store.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::content {
class ContentStore;
}

namespace wsusd::admin {

class Metrics;
class Notifier;

struct AdminContext {
    std::shared_ptr<store::Store> db;
    bool replica = false;           ///< approvals come from the upstream server: local approval changes are refused
    bool client_targeting = false;  ///< computers pick their groups (client.targeting = "client"): no moves
    unsigned max_page = 1000;
    std::function<Result<void>()> start_sync;  ///< asks the timer thread for a synchronization now
    std::function<Result<void>()> start_rollup;  ///< asks the timer thread for a report rollup alone, now
    std::function<nlohmann::json()> sync_progress;  ///< the run in progress (phase, files, bytes, rate); null: no sync
    std::shared_ptr<content::ContentStore> content;  ///< null: content cleanup and health skip the files
    std::filesystem::path data_dir;                  ///< disk space is measured here
    std::filesystem::path backup_dir;                ///< store.backup_dir (empty: DATA_DIR/backups)
    config::Config file_config;                      ///< wsusd.toml as loaded: what `server config` layers over
    unsigned max_per_run = 500;                      ///< admin.maintenance_max_per_run: objects one step touches
    std::shared_ptr<Metrics> metrics;                ///< null: /api/v1/metrics shows gauges only
    std::shared_ptr<Notifier> notifier;              ///< null: no notifications
    /// The clock of day-based policies (tests move it forward).
    std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
    /// Air-gapped bundles (src/transfer through src/app): JSON arguments in, JSON summary out. Null: not offered.
    std::function<Result<nlohmann::json>(const nlohmann::json&)> airgap_export, airgap_import;
};

struct Call {
    const net::HttpRequest& request;
    const AdminContext& ctx;
    std::string actor;                          ///< token name
    std::vector<std::string> params;            ///< path segments matched by "{}" in the route
    std::map<std::string, std::string> query;   ///< decoded query parameters
    nlohmann::json body;                        ///< parsed JSON body (null when none)

    /// Query parameter or empty.
    std::string arg(const std::string& name) const;
    /// A string member of the body: Errc::invalid_argument naming it when missing (and required) or not a string.
    Result<std::string> body_string(const std::string& name, bool required = true) const;
    /// ?limit=, bounded by ctx.max_page.
    Result<int> limit() const;
};

/// An error as the API reports it; `argument` names the offending request argument when there is one.
struct ApiError {
    unsigned status;
    std::string message;
    std::string argument = {};
};

net::HttpResponse json_response(unsigned status, const nlohmann::json& body);
net::HttpResponse error_response(const ApiError& e);
/// Maps a store/validation Error to its HTTP status (400, 401, 404, 409, 413, 500).
net::HttpResponse error_response(const Error& e, std::string argument = {});
net::HttpResponse bad_argument(const std::string& argument, const std::string& message);

/// ISO 8601 UTC with milliseconds, or null.
nlohmann::json time_json(const std::optional<store::TimePoint>& t);
store::TimePoint now();

/// Runs `change` in one write transaction and records it in the audit log in the same transaction, so a change
/// is never without its audit entry.
Result<void> audited(const Call& call, std::string_view action, std::string_view target, const nlohmann::json& detail,
                     const std::function<Result<void>(store::Connection&)>& change);

}  // namespace wsusd::admin
