// The downstream side of report rollup (MS-WSUSSS §3.2.4.5): per upstream, the rollup configuration seen last
// and, per computer, what the upstream acknowledged. A rollup reads pages of what changed since, and records
// each acknowledged batch in its own transaction, so a repeated rollup sends nothing new and an interrupted one
// resumes after the last acknowledged batch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/computer_repo.h"
#include "store/sqlite.h"
#include "store/status_repo.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

struct RollupUpstream {
    std::string reset_guid;
    std::string server_id;
    std::optional<TimePoint> last_rollup_at;
};

/// A computer whose row changed since the upstream last acknowledged it.
struct PendingComputer {
    Computer computer;
    int last_sync_result = 0;
    TimePoint marker;  ///< the change marker to acknowledge
    std::vector<std::string> group_ids;
};

/// A computer whose update states changed since the last acknowledged status rollup.
struct PendingStatus {
    ComputerId id = 0;
    std::string client_id;
    std::optional<TimePoint> through;  ///< nullopt: send everything (full rollup)
    int rollup_number = 0;             ///< last acknowledged (0: never)
    std::optional<TimePoint> effective_detection;
};

/// DownstreamServerRollupServerSummary counts of this server.
struct ServerSummary {
    std::int64_t updates = 0, declined = 0, approved = 0, expired = 0, custom_groups = 0, computers = 0,
                 computers_needing = 0, computers_with_errors = 0, updates_with_client_errors = 0,
                 updates_needed = 0;
};

/// A downstream server of this server as it goes up in RollupDownstreamServers.
struct KnownDownstream {
    std::string id, name, version;
    bool replica = false;
    std::string parent_id;  ///< empty: this server
    std::optional<TimePoint> last_sync_at, last_rollup_at;
    std::string summary;  ///< JSON text as rolled up to us
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class RollupSendRepo {
  public:
    explicit RollupSendRepo(Connection& conn) noexcept : conn_(conn) {}

    Result<std::optional<RollupUpstream>> upstream(std::string_view upstream);
    /// Records the upstream's RollupResetGuid and ServerId; when either changed, forgets every acknowledgement
    /// (the next rollup is full). Returns true when it forgot.
    Result<bool> set_upstream(std::string_view upstream, std::string_view reset_guid, std::string_view server_id);
    Result<void> finish(std::string_view upstream, TimePoint at);

    Result<std::vector<PendingComputer>> pending_computers(std::string_view upstream, ComputerId after, int limit);
    Result<void> ack_computer(std::string_view upstream, ComputerId id, TimePoint marker);
    /// The upstream answered "Deleted": it is not interested in this computer any more.
    Result<void> exclude(std::string_view upstream, std::string_view client_id);

    Result<std::vector<PendingStatus>> pending_status(std::string_view upstream, ComputerId after, int limit);
    /// The upstream holds another rollup number for it: its next status rollup is full.
    Result<void> mark_full(std::string_view upstream, std::string_view client_id);
    /// States changed after `through` (all with nullopt).
    Result<std::vector<UpdateStatus>> states_since(ComputerId id, std::optional<TimePoint> through);
    Result<void> ack_status(std::string_view upstream, ComputerId id, TimePoint through, int rollup_number);

    Result<ServerSummary> summary();
    /// Downstream servers of this server, parents before children.
    Result<std::vector<KnownDownstream>> downstream_tree();

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
