#include "store/maintenance_repo.h"

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

Result<std::vector<std::string>> MaintenanceRepo::strings(std::string_view sql, int limit) {
    std::vector<std::string> out;
    STORE_ASSIGN(auto st, conn_.statement(sql));
    st->bind(1, limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->text(0));
    }
}

Result<std::int64_t> MaintenanceRepo::count(std::string_view sql) {
    STORE_ASSIGN(auto st, conn_.statement(sql));
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

Result<std::vector<RevisionId>> MaintenanceRepo::new_approvable(std::int64_t since, int limit) {
    std::vector<RevisionId> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_new_approvable2));
    st->bind_all(since, limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->int64(0));
    }
}

Result<std::vector<std::string>> MaintenanceRepo::superseded_before(TimePoint before, int limit) {
    std::vector<std::string> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_superseded_before2));
    st->bind_all(before, limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->text(0));
    }
}

Result<std::vector<std::string>> MaintenanceRepo::expired_undeclined(int limit) {
    return strings(sql::revision_select_expired_undeclined1, limit);
}

Result<std::vector<StaleApproval>> MaintenanceRepo::stale_approvals(int limit) {
    std::vector<StaleApproval> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_select_stale_revision1));
    st->bind(1, limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->text(0), st->text(1), st->int64(2)});
    }
}

Result<std::vector<SilentComputer>> MaintenanceRepo::silent_computers(TimePoint before, int limit) {
    std::vector<SilentComputer> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select_silent2));
    st->bind_all(before, limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->int64(0), st->text(1), st->text(2), st->time(3)});
    }
}

Result<std::int64_t> MaintenanceRepo::count_silent_computers(TimePoint before) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_count_silent1));
    st->bind(1, before);
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

Result<std::vector<OldRevision>> MaintenanceRepo::old_revisions(int limit) {
    std::vector<OldRevision> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_old1));
    st->bind(1, limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->int64(0), st->text(1), st->int32(2)});
    }
}

Result<void> MaintenanceRepo::delete_revision(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_delete1));
    st->bind(1, id);
    return st->run();
}

Result<std::vector<UnneededFile>> MaintenanceRepo::unneeded_files(std::string_view after_sha1, int limit) {
    std::vector<UnneededFile> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::file_select_unneeded2));
    st->bind_all(after_sha1, limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->text(0), st->opt_text(1), st->int64(2), st->text(3)});
    }
}

Result<std::int64_t> MaintenanceRepo::delete_orphan_files() {
    STORE_ASSIGN(auto st, conn_.statement(sql::file_delete_orphans0));
    STORE_TRY(st->run());
    return static_cast<std::int64_t>(conn_.changes());
}

Result<std::string> MaintenanceRepo::category_by_title(std::string_view category_type, std::string_view title) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_category_by_title2));
    st->bind_all(category_type, title);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, std::string(category_type) + " '" + std::string(title) + "' is not in the catalog");
    return st->text(0);
}

Result<std::int64_t> MaintenanceRepo::count_approvals() { return count(sql::deployment_count_approved0); }
Result<std::int64_t> MaintenanceRepo::count_computers() { return count(sql::computer_count0); }

}  // namespace wsusd::store
