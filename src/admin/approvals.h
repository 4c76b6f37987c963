// Approvals as WSUS makes them, on the caller's writer transaction: EULA acceptance, required prerequisites and
// bundled updates approved along with an install approval, a decline withdrawing every approval of the update.
// How approvals of several groups combine for one computer is decided by the scan planner
// (services/scan_plan.cpp); effective_approval() applies the same rules so that `update show` tells the truth:
// a group inherits its ancestors' approvals, install beats uninstall beats not approved, the earliest deadline of
// the winning action applies. As in WSUS, a child group cannot withdraw an install approval it inherits.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/sqlite.h"

namespace wsusd::admin {

struct ApprovalRequest {
    std::string update_id;  ///< lower-case GUID
    std::string group;      ///< group id or name
    store::DeploymentAction action = store::DeploymentAction::install;
    std::optional<store::TimePoint> deadline;
    bool accept_eula = false;
    std::string actor;  ///< token name, or "system" for automatic approvals
};

struct ApprovalOutcome {
    store::Revision revision;
    store::Group group;
    std::vector<std::string> prerequisites;  ///< update ids approved along (install only)
    bool eula_accepted = false;              ///< acceptance recorded by this call
};

/// Approves (or, with not_approved, withdraws) an update for a group. Refused for a declined update
/// (Errc::conflict), an update with a license agreement not accepted yet (Errc::conflict naming accept_eula),
/// a category or detectoid (Errc::invalid_argument). The caller refuses on a replica.
Result<ApprovalOutcome> approve(store::Connection& conn, const ApprovalRequest& request, store::TimePoint now);

/// Declines an update and withdraws every approval of it, as WSUS does; returns how many were withdrawn.
Result<int> decline_update(store::Connection& conn, std::string_view update_id, std::string_view actor,
                           store::TimePoint now);

/// Whether the latest revision carries a license agreement (UpdateDocument EulaID).
Result<bool> has_eula(store::Connection& conn, const store::Revision& revision);

/// Updates an install approval of `revision` brings along: bundled updates, and prerequisites that are software
/// or drivers named alone in their group (an AtLeastOne group with several members leaves the choice to the
/// client, which evaluates them). Transitive, bounded, declined ones skipped.
Result<std::vector<store::Revision>> approved_along(store::Connection& conn, const store::Revision& revision);

struct EffectiveApproval {
    store::DeploymentAction action = store::DeploymentAction::not_approved;
    std::optional<store::TimePoint> deadline;
    std::string from_group;  ///< id of the group whose approval applies; empty when none does
};
/// `chain` is the group then its ancestors; `deployments` the update's deployments (any groups).
EffectiveApproval effective_approval(const std::vector<store::Group>& chain,
                                     const std::vector<store::Deployment>& deployments);
/// Combines the approvals that reach one computer (WSUS conflict rules, as ScanPlanner::build).
EffectiveApproval combine_approvals(const std::vector<EffectiveApproval>& reaching);

const char* action_name(store::DeploymentAction a);

}  // namespace wsusd::admin
