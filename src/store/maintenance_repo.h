// The queries of the maintenance job (src/admin/maintenance.cpp): what automatic approval, the decline policies and
// the cleanup look at, each bounded by the per-run limit, plus the counts the health report and metrics show.
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

struct StaleApproval {
    std::string group_id;
    std::string update_id;
    RevisionId latest_revision = 0;
};

struct SilentComputer {
    ComputerId id = 0;
    std::string client_id;
    std::string dns_name;
    TimePoint last_seen;
};

struct OldRevision {
    RevisionId id = 0;
    std::string update_id;
    int revision_number = 0;
};

struct UnneededFile {
    std::string sha1;
    std::optional<std::string> sha256;
    std::int64_t size = 0;
    std::string name;
};

/// Works on the connection it is given; deletes need the writer.
class MaintenanceRepo {
  public:
    explicit MaintenanceRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Latest software/driver revisions, neither declined nor expired, changed after `since` (catalog_version).
    Result<std::vector<RevisionId>> new_approvable(std::int64_t since, int limit);
    /// Updates superseded by an undeclined latest revision imported before `before`.
    Result<std::vector<std::string>> superseded_before(TimePoint before, int limit);
    Result<std::vector<std::string>> expired_undeclined(int limit);
    /// Install/uninstall approvals still naming an older revision of their update.
    Result<std::vector<StaleApproval>> stale_approvals(int limit);
    Result<std::vector<SilentComputer>> silent_computers(TimePoint before, int limit);
    Result<std::int64_t> count_silent_computers(TimePoint before);
    /// Non-latest revisions no approval names.
    Result<std::vector<OldRevision>> old_revisions(int limit);
    Result<void> delete_revision(RevisionId id);
    /// Files no latest undeclined revision needs, sha1 after `after_sha1`.
    Result<std::vector<UnneededFile>> unneeded_files(std::string_view after_sha1, int limit);
    /// Removes file rows no revision links to any more; returns how many.
    Result<std::int64_t> delete_orphan_files();
    /// The id of the category of `category_type` titled `title` (case-insensitive); Errc::not_found when none.
    Result<std::string> category_by_title(std::string_view category_type, std::string_view title);
    Result<std::int64_t> count_approvals();
    Result<std::int64_t> count_computers();

  private:
    Result<std::vector<std::string>> strings(std::string_view sql, int limit);
    Result<std::int64_t> count(std::string_view sql);

    Connection& conn_;
};

}  // namespace wsusd::store
