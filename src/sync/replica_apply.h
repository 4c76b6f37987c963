// A replica's copy of its upstream's target groups, approvals and declines (MS-WSUSSS §3.2.4.3), applied in the
// caller's write transaction. Public so an air-gapped import (src/transfer) mirrors deployments exactly as a
// sync does.
#pragma once

#include <string>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "sync/upstream_types.h"
#include "wsusd/result.h"

namespace wsusd::sync {

struct ReplicaReport {
    int groups_created = 0, groups_changed = 0, groups_removed = 0;
    int approvals = 0, withdrawn = 0, declined = 0, undeclined = 0;
    std::vector<std::string> inactive;  ///< approvals of updates this server does not hold (filters)
    std::vector<std::string> problems;  ///< groups that could not be mirrored, and why
};

/// Mirrors `data` (groups, approvals under the upstream's GUIDs, dead GUIDs, the whole declined list) inside the
/// caller's write transaction on `c`; writes the deployments anchor when data.anchor is set.
Result<ReplicaReport> apply_deployments_in(store::Connection& c, const DeploymentData& data, store::TimePoint now);

}  // namespace wsusd::sync
