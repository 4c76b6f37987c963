// A replica's copy of the upstream server's target groups, approvals and declines (GetDeployments), applied in
// the caller's write transaction.
#pragma once

#include <string>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::sync {

struct UpstreamGroup {
    std::string id, parent_id, name;
    bool builtin = false;
};

struct UpstreamDeployment {
    std::string guid, group_id, update_id, admin_name;
    int revision_number = 0;
    int action = 0;                         ///< 0 install, 1 uninstall, 3 block
    std::optional<store::TimePoint> deadline;
};

struct DeploymentSet {
    std::vector<UpstreamGroup> groups;
    std::vector<UpstreamDeployment> deployments;
    std::vector<std::string> dead;           ///< upstream deployment GUIDs withdrawn or replaced
    std::vector<std::string> hidden;         ///< declined update ids (the whole list)
};

/// Applies the set; returns how many approvals were written. Groups missing upstream are deleted when empty.
Result<std::size_t> apply_deployments(store::Connection& c, const DeploymentSet& set, store::TimePoint now);

}  // namespace wsusd::sync
