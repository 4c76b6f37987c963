// Client computers (keyed by SusClientId) and their target-group membership.
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

/// What a client tells us when it registers (RegisterComputer / SyncUpdates computer info).
struct ComputerInfo {
    std::string client_id;  ///< SusClientId (GUID)
    std::string dns_name;
    std::string os_version;  ///< major.minor.build.revision
    std::string os_description;
    std::string os_locale;
    std::string processor_architecture;
    std::string make;
    std::string model;
    std::string bios_name;
    std::string bios_version;
    std::string bios_release_date;
    std::string client_version;    ///< Windows Update agent version
    std::string protocol_version;  ///< client protocol version
};

struct Computer {
    ComputerId id = 0;
    ComputerInfo info;
    TimePoint registered_at;
    std::optional<TimePoint> last_sync_at;
    std::optional<TimePoint> last_report_at;
    bool duplicate_suspect = false;  ///< one SusClientId seen under two DNS names (cloned image)
    std::string parent_server_id;    ///< the downstream server it reports through (rollup); empty: this server
};

struct Registration {
    ComputerId id = 0;
    bool created = false;
    bool duplicate_suspect = false;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
/// Invariant kept by every method: a computer belongs to at least one group; with no other group it is in
/// Unassigned Computers, and joining any other group takes it out of Unassigned. "All Computers" membership
/// is implicit and never stored.
class ComputerRepo {
  public:
    explicit ComputerRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Inserts a new computer (into Unassigned Computers) or refreshes an existing one's info. A DNS name
    /// differing from the stored one sets duplicate_suspect (it stays set until cleared).
    Result<Registration> upsert(const ComputerInfo& info, TimePoint now);

    Result<Computer> get(ComputerId id);
    Result<Computer> find(std::string_view client_id);
    Result<ComputerId> find_id(std::string_view client_id);
    /// Case-insensitive; several rows when clones share a name.
    Result<std::vector<Computer>> find_by_dns_name(std::string_view dns_name);
    /// Keyset paging by id: pass 0 first, then the last id of the previous page.
    Result<std::vector<Computer>> list(ComputerId after_id, int limit);
    /// Members of one group (direct membership only), paged the same way.
    Result<std::vector<Computer>> list_in_group(std::string_view group_id, ComputerId after_id, int limit);
    Result<std::int64_t> count();

    Result<void> touch_sync(ComputerId id, TimePoint at);
    Result<void> touch_report(ComputerId id, TimePoint at);
    Result<void> set_duplicate_suspect(ComputerId id, bool suspect);
    Result<void> remove(ComputerId id);

    /// Direct memberships, sorted.
    Result<std::vector<std::string>> groups_of(ComputerId id);
    /// Direct memberships plus all their ancestors: the groups whose approvals apply. Sorted.
    Result<std::vector<std::string>> effective_groups(ComputerId id);
    Result<void> add_to_group(ComputerId id, std::string_view group_id);
    Result<void> remove_from_group(ComputerId id, std::string_view group_id);
    /// Replaces all memberships (empty = Unassigned Computers).
    Result<void> set_groups(ComputerId id, std::span<const std::string> group_ids);

  private:
    Result<void> require(ComputerId id);
    Result<std::string> member_group(std::string_view group_id);
    Result<void> insert_membership(ComputerId id, std::string_view group_id);
    Result<void> delete_membership(ComputerId id, std::string_view group_id);
    Result<void> ensure_some_group(ComputerId id);

    Connection& conn_;
};

}  // namespace wsusd::store
