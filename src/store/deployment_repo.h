// Deployments (approvals): what a target group should do with an update revision, with a change sequence so
// clients and replica servers can fetch only what changed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

enum class DeploymentAction { install = 0, uninstall = 1, not_approved = 2, block = 3 };

struct Deployment {
    std::int64_t id = 0;
    std::string group_id;
    std::string update_id;
    RevisionId revision_id = 0;
    DeploymentAction action = DeploymentAction::install;
    std::optional<TimePoint> deadline;
    std::string admin_name;
    TimePoint created_at;
    TimePoint changed_at;
    std::int64_t change_seq = 0;  ///< deployment_seq counter value of the last change
};

struct DeploymentChange {
    std::string group_id;
    RevisionId revision_id = 0;  ///< the update is the one this revision belongs to
    DeploymentAction action = DeploymentAction::install;
    std::optional<TimePoint> deadline;
    std::string admin_name;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class DeploymentRepo {
  public:
    explicit DeploymentRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Creates or replaces the deployment of (group, update of revision). Setting exactly what is stored is a
    /// no-op that keeps the old change_seq; any real change takes a new deployment_seq value.
    Result<Deployment> set(const DeploymentChange& change, TimePoint now);
    /// Withdraws an approval. The row stays as not_approved with a new change_seq, so "changed since" still
    /// reports the withdrawal. Errc::not_found if there was no deployment.
    Result<Deployment> remove(std::string_view group_id, std::string_view update_id, std::string_view admin_name,
                              TimePoint now);

    Result<Deployment> get(std::string_view group_id, std::string_view update_id);
    /// Every deployment (including not_approved) of the given groups, ordered by update then group.
    Result<std::vector<Deployment>> list_for_groups(std::span<const std::string> group_ids);
    Result<std::vector<Deployment>> list_for_update(std::string_view update_id);
    /// Deployments with change_seq > since in change order, at most `limit`.
    Result<std::vector<Deployment>> changed_since(std::int64_t since, int limit);

  private:
    Result<Deployment> get_normalized(const std::string& group_id, const std::string& update_id);
    Result<Deployment> write(const std::string& group_id, const std::string& update_id, RevisionId revision_id,
                             DeploymentAction action, const std::optional<TimePoint>& deadline,
                             std::string_view admin_name, TimePoint now);

    Connection& conn_;
};

}  // namespace wsusd::store
