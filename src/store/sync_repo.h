// Upstream synchronization state: anchors per kind, the history of sync runs, and the registry of
// downstream servers that sync from us.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

/// What an anchor tracks; each is an opaque string the upstream server handed us.
/// `config_data` is GetConfigData's ConfigAnchor; `config` the anchor of the categories list (GetRevisionIdList with
/// GetConfig), `metadata` that of the updates list.
enum class AnchorKind { metadata, config, deployments, config_data };

enum class SyncResult { running = 0, succeeded = 1, failed = 2, cancelled = 3 };

struct SyncAnchor {
    std::string anchor;
    TimePoint updated_at;
};

struct SyncCounts {
    std::int64_t new_updates = 0;
    std::int64_t revised = 0;
    std::int64_t expired = 0;
    std::int64_t declined = 0;
};

struct SyncRun {
    std::int64_t id = 0;
    TimePoint started_at;
    std::optional<TimePoint> finished_at;
    SyncResult result = SyncResult::running;
    SyncCounts counts;
    std::string error;
    std::string started_by;  ///< schedule, manual, cli
    std::string upstream;
    std::string details = "{}";  ///< JSON summary written by the sync engine
};

/// Where a replica's approval came from: the upstream DeploymentGuid of (group, update).
struct UpstreamDeploymentKey {
    std::string group_id;
    std::string update_id;
};

enum class DownstreamMode { autonomous = 0, replica = 1 };

struct DownstreamServer {
    std::string id;  ///< the downstream server's own GUID
    std::string name;
    std::string version;
    DownstreamMode mode = DownstreamMode::autonomous;
    TimePoint created_at;
    std::optional<TimePoint> last_contact_at;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer). Write the new anchor
/// in the same transaction as the data it covers, so a crash never leaves an anchor ahead of the catalog.
class SyncRepo {
  public:
    explicit SyncRepo(Connection& conn) noexcept : conn_(conn) {}

    /// nullopt before the first successful sync of that kind.
    Result<std::optional<SyncAnchor>> anchor(AnchorKind kind);
    Result<void> set_anchor(AnchorKind kind, std::string_view anchor, TimePoint now);
    /// Forgets an anchor so the next sync is a full one.
    Result<void> clear_anchor(AnchorKind kind);

    /// Records a run as started; returns its id.
    Result<std::int64_t> start_run(TimePoint started_at, std::string_view started_by = {},
                                   std::string_view upstream = {});
    /// Replaces the run's JSON summary (progress is written as the run goes).
    Result<void> set_run_details(std::int64_t id, std::string_view details_json);
    /// Marks runs left "running" by a process that died as failed with `reason`; returns how many.
    Result<int> interrupt_running_runs(std::string_view reason, TimePoint now);
    Result<void> finish_run(std::int64_t id, SyncResult result, const SyncCounts& counts, std::string_view error,
                            TimePoint finished_at);
    Result<SyncRun> run(std::int64_t id);
    /// Newest first.
    Result<std::vector<SyncRun>> recent_runs(int limit);
    /// nullopt if no run ever succeeded.
    Result<std::optional<SyncRun>> last_success();

    /// Registers a downstream server or refreshes its name/version/mode and last contact.
    Result<void> touch_downstream(const DownstreamServer& server, TimePoint now);
    Result<std::vector<DownstreamServer>> downstream_servers();
    Result<void> remove_downstream(std::string_view id);

    /// A replica holds (group, update) under the upstream's DeploymentGuid `guid` (replacing an older GUID).
    Result<void> map_upstream_deployment(std::string_view guid, std::string_view group_id, std::string_view update_id);
    /// nullopt when no approval is held under that GUID (it was replaced since, or never seen).
    Result<std::optional<UpstreamDeploymentKey>> upstream_deployment(std::string_view guid);
    Result<void> forget_upstream_deployment(std::string_view guid);

  private:
    Connection& conn_;
};

std::string_view anchor_kind_name(AnchorKind kind);

}  // namespace wsusd::store
