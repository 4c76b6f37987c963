// The maintenance job, run by the maintenance timer (src/admin/maintenance_timer.h) and on demand: automatic
// approval of new updates by the approval rules, approvals following new revisions, declining superseded and
// expired updates, the cleanup (silent computers, unneeded content files, old revisions) and notifications.
// Every step touches at most ctx.max_per_run objects, so one run never holds the store's writer long; the rest
// waits for the next run. A dry run reports what would change and changes nothing.
#pragma once

#include <nlohmann/json.hpp>

#include "admin/api_call.h"
#include "store/approval_rule_repo.h"

namespace wsusd::admin {

struct MaintenanceOptions {
    bool dry_run = false;
    bool policies = true;         ///< automatic approval, new revisions, declines, notifications
    bool cleanup = true;          ///< the cleanup steps
    bool forced_cleanup = false;  ///< even when cleanup.enabled is false (an administrator asked)
    std::string actor = "system";
};

/// One run; returns the report of what was (or, dry, would be) done.
Result<nlohmann::json> run_maintenance(const AdminContext& ctx, const MaintenanceOptions& options);

/// Whether a rule matches an update's classification and products (an empty list matches anything).
bool rule_matches(const store::ApprovalRule& rule, const std::optional<std::string>& classification_id,
                  const std::vector<std::string>& product_ids);

/// Applies one rule to every approvable update now (the console's "Run Rule"); returns the approvals made.
/// Runs on the caller's writer transaction.
Result<nlohmann::json> run_rule(store::Connection& conn, const store::ApprovalRule& rule, const std::string& actor,
                                store::TimePoint now, unsigned max_per_run);

}  // namespace wsusd::admin
