// The upstream side of report rollup (MS-WSUSSS §3.1.4.14–17): downstream servers reporting themselves and the
// servers below them, the computers that get updates from them, and those computers' update states. Each call
// applies one item of a request; the service runs a whole request in one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "store/computer_repo.h"
#include "store/sqlite.h"
#include "store/status_repo.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

/// One DownstreamServerRollupInfo.
struct RolledUpServer {
    std::string id;
    std::string name;       ///< FullDomainName
    std::string version;
    std::string parent_id;  ///< empty: this server
    bool replica = false;
    std::optional<TimePoint> last_sync_at;
    TimePoint last_rollup_at;
    std::string summary;  ///< the ServerSummary as JSON text
    struct Activity {
        std::string update_id;
        std::string os;
        std::int64_t success = 0, failure = 0;
    };
    std::vector<Activity> activity;
};

/// One ComputerRollupInfo.
struct RolledUpComputer {
    std::string client_id;
    std::string parent_server_id;
    std::optional<TimePoint> last_sync_at;
    int last_sync_result = 0;  ///< 0 unknown, 1 succeeded, 2 failed
    std::optional<TimePoint> last_status_at;
    std::optional<ComputerInfo> details;  ///< nullopt: the request had no Details
    std::vector<std::string> group_ids;   ///< TargetGroupIdList
};

enum class RolledUpChange { ignored, created, updated, new_parent };

/// One ComputerStatusRollupInfo.
struct RolledUpStatus {
    std::string client_id;
    int rollup_number = 0;
    bool full = false;
    std::optional<TimePoint> effective_detection;
    struct Item {
        std::string update_id;
        UpdateState state = UpdateState::unknown;
        TimePoint changed;  ///< LastChangeTime
    };
    std::vector<Item> items;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class RollupRepo {
  public:
    explicit RollupRepo(Connection& conn) noexcept : conn_(conn) {}

    Result<bool> server_known(std::string_view id);
    /// Creates or updates the server unless the stored LastRollupTime is newer (false: ignored); adds the
    /// activity counts when applied.
    Result<bool> apply_server(const RolledUpServer& server, TimePoint now);
    /// Creates the computer (into its rolled-up groups, or Unassigned), or replaces it when the stored
    /// LastSyncTime is not newer. A computer of this server that now reports through a downstream server moves.
    Result<RolledUpChange> apply_computer(const RolledUpComputer& computer, TimePoint now);
    /// Of `numbers` (SusClientId, RollupNumber), those reporting through `server` or below it whose last received
    /// rollup number differs.
    Result<std::vector<std::string>> out_of_sync(std::string_view server,
                                                 std::span<const std::pair<std::string, int>> numbers);
    /// Applies one computer's status; false when the computer is unknown (ignored, as the spec says).
    Result<bool> apply_status(const RolledUpStatus& status, TimePoint now);
    /// Removes a downstream server's computers and activity (its registry entry is removed by SyncRepo).
    Result<void> forget_server(std::string_view id);

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
