// What the upstream server role (MS-WSUSSS USS) reads that no other repository offers: the GUIDs under which
// deployments are handed to replica servers (live and retired, kept by migration 3's triggers) and the full
// list of declined updates (GetDeployments HiddenUpdates).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sqlite.h"
#include "wsusd/result.h"

namespace wsusd::store {

/// Works on the connection it is given (a reader is enough).
/// GetRevisionIdList's filter, in store terms. A category or classification with `full` set was newly added by the
/// downstream server (Delta false): its updates are returned whatever the anchor.
struct RevisionIdFilter {
    std::int64_t since = 0;  ///< catalog_version of the downstream server's anchor (0: everything)
    bool config = false;     ///< categories, classifications and detectoids instead of updates
    struct Item {
        std::string id;
        bool full = false;
    };
    std::vector<Item> categories;       ///< products or product families
    std::vector<Item> classifications;
};

struct RevisionIdentity {
    std::string update_id;
    int revision_number = 0;
};

class UssRepo {
  public:
    explicit UssRepo(Connection& conn) noexcept : conn_(conn) {}

    /// deployment id → its live DeploymentGuid, for the given deployments (withdrawn ones have none).
    Result<std::unordered_map<std::int64_t, std::string>> live_deployment_guids(std::span<const std::int64_t> ids);
    /// GUIDs of deployment versions a server that holds deployments up to `after` knows, and that were
    /// replaced, withdrawn or deleted in (after, upto], in that order.
    Result<std::vector<std::string>> dead_deployment_guids(std::int64_t after, std::int64_t upto);
    /// Latest revisions matching the filter, in change order; updates also bring the members of matching bundles.
    /// Categories without classifications (or the reverse) match nothing, as on real WSUS.
    Result<std::vector<RevisionIdentity>> revision_ids(const RevisionIdFilter& filter);
    /// Update ids whose latest revision is declined, sorted.
    Result<std::vector<std::string>> declined_update_ids();

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
