// What a client may be offered, precomputed. A CatalogGraph (one per catalog version) holds the
// prerequisite and bundle graph of the latest revisions in memory; a ScanPlan (one per catalog
// version × deployment sequence × set of target groups) lists, in dependency order, every revision
// deployed to those groups plus everything it depends on. A scan of an up-to-date client is then a
// few look-ups in a cached plan instead of queries over the catalog (MS-WUSP §3.1.5.7).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/deployment_repo.h"
#include "store/revision_repo.h"
#include "store/store.h"

namespace wsusd::services {

struct GraphNode {
    store::RevisionId id = 0;
    std::string update_id;
    store::UpdateType type = store::UpdateType::software;
    bool is_leaf = true;  ///< no latest revision names this update as a prerequisite (MS-WUSP IsLeaf)
    bool is_bundle = false;
    bool declined = false;
    bool expired = false;
    /// Each group is satisfied by any of its members (node indexes; -1 = not in the catalog).
    std::vector<std::vector<int>> prerequisites;
    std::vector<int> bundle_members;  ///< node indexes of known members
    std::vector<int> categories;      ///< node indexes of the known categories it belongs to
    std::string changed_date;         ///< YYYY-MM-DD the revision arrived, for Deployment/LastChangeTime
};

class CatalogGraph {
public:
    static Result<std::shared_ptr<const CatalogGraph>> load(store::Store& store, std::int64_t catalog_version);

    std::int64_t catalog_version = 0;
    std::vector<GraphNode> nodes;
    std::unordered_map<std::string, int> by_update;
    std::unordered_map<store::RevisionId, int> by_revision;
    /// Dense revision id → node index (-1: not in the catalog), for the per-request lookups of SyncUpdates: revision
    /// ids are store row ids, so a vector beats hashing thousands of cached ids per scan. Empty when the ids are
    /// too sparse for it (then node_of falls back to by_revision).
    std::vector<int> node_by_revision;

    const GraphNode* find_revision(store::RevisionId id) const;
    /// Node index of a revision id, -1 when the catalog has no such revision (any client-supplied int is safe).
    int node_of(std::int64_t id) const {
        if (!node_by_revision.empty())
            return id >= 0 && static_cast<std::uint64_t>(id) < node_by_revision.size()
                       ? node_by_revision[static_cast<std::size_t>(id)]
                       : -1;
        auto it = by_revision.find(id);
        return it == by_revision.end() ? -1 : it->second;
    }
};

/// How a planned revision is offered (MS-WUSP Deployment).
enum class PlannedAction { install, uninstall, evaluate };

struct PlannedRevision {
    int node = 0;
    PlannedAction action = PlannedAction::evaluate;
    std::int64_t deployment_id = 0;  ///< approval row id, or a stable synthetic id for Evaluate
    std::optional<store::TimePoint> deadline;
    std::string last_change_date;   ///< YYYY-MM-DD
    std::int64_t change_seq = 0;    ///< deployment change sequence (0 for Evaluate)
    store::UpdateType type = store::UpdateType::software;  ///< the node's, copied for the per-scan walk
    bool has_prerequisites = false;                         ///< the node has prerequisite groups
};

struct ScanPlan {
    std::shared_ptr<const CatalogGraph> graph;
    std::int64_t deployment_seq = 0;
    std::vector<PlannedRevision> ordered;              ///< prerequisites and bundle members first
    std::unordered_map<store::RevisionId, int> index;  ///< revision id → position in `ordered`
    bool has_drivers = false;

    const PlannedRevision* find(store::RevisionId id) const;
};

/// Synthetic deployment ids for Evaluate entries start here (approval ids stay far below).
inline constexpr std::int64_t kEvaluateDeploymentBase = 1'000'000'000;

/// Builds and caches plans. Thread-safe; readers share immutable plans.
class ScanPlanner {
public:
    explicit ScanPlanner(std::shared_ptr<store::Store> store, std::size_t max_cached_plans = 64);

    /// The plan for a set of target group ids (order does not matter).
    Result<std::shared_ptr<const ScanPlan>> plan_for(std::vector<std::string> group_ids);
    /// The current catalog graph.
    Result<std::shared_ptr<const CatalogGraph>> graph();

    /// Pure: resolves approvals (install beats uninstall, earliest deadline) and walks dependencies.
    static ScanPlan build(std::shared_ptr<const CatalogGraph> graph, const std::vector<store::Deployment>& deployments,
                          std::int64_t deployment_seq);

private:
    Result<std::pair<std::int64_t, std::int64_t>> versions();

    std::shared_ptr<store::Store> store_;
    std::size_t max_plans_;
    std::mutex mu_;
    std::shared_ptr<const CatalogGraph> graph_;
    std::map<std::string, std::shared_ptr<const ScanPlan>> plans_;  // key: versions + sorted groups
};

}  // namespace wsusd::services
