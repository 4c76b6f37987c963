#include "store/computer_repo.h"

#include <algorithm>
#include <cctype>

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {
namespace {

// Column order of WSUSD_COMPUTER_COLUMNS in schema.h.
Computer read_computer(const Statement& st) {
    Computer c;
    c.id = st.int64(0);
    c.info = ComputerInfo{st.text(1), st.text(2), st.text(3),  st.text(4),  st.text(5),  st.text(6), st.text(7),
                          st.text(8), st.text(9), st.text(10), st.text(11), st.text(12), st.text(13)};
    c.registered_at = st.time(14);
    c.last_sync_at = st.opt_time(15);
    c.last_report_at = st.opt_time(16);
    c.duplicate_suspect = st.flag(17);
    c.parent_server_id = st.text(18);
    return c;
}

Result<std::vector<Computer>> collect(Statement& st) {
    std::vector<Computer> out;
    while (true) {
        STORE_ASSIGN(const bool row, st.step());
        if (!row) return out;
        out.push_back(read_computer(st));
    }
}

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// Binds the 12 registration fields after client_id to ?2..?13 (same order in insert and update).
void bind_info(Statement& st, const ComputerInfo& info) {
    st.bind(2, info.dns_name)
        .bind(3, info.os_version)
        .bind(4, info.os_description)
        .bind(5, info.os_locale)
        .bind(6, info.processor_architecture)
        .bind(7, info.make)
        .bind(8, info.model)
        .bind(9, info.bios_name)
        .bind(10, info.bios_version)
        .bind(11, info.bios_release_date)
        .bind(12, info.client_version)
        .bind(13, info.protocol_version);
}

}  // namespace

Result<Registration> ComputerRepo::upsert(const ComputerInfo& info, TimePoint now) {
    STORE_ASSIGN(const auto client_id, normalize_guid(info.client_id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    Registration out;
    std::optional<ComputerId> existing;
    std::string stored_name;
    bool was_suspect = false;
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::computer_select_registration1));
        st->bind(1, client_id);
        STORE_ASSIGN(const bool row, st->step());
        if (row) {
            existing = st->int64(0);
            stored_name = st->text(1);
            was_suspect = st->flag(2);
        }
    }
    if (!existing) {
        STORE_ASSIGN(auto st, conn_.statement(sql::computer_insert14));
        st->bind(1, client_id).bind(14, now);
        bind_info(*st, info);
        STORE_TRY(st->run());
        out = Registration{conn_.last_insert_rowid(), true, false};
        STORE_TRY(insert_membership(out.id, kUnassignedComputersGroupId));
    } else {
        // Cloned images share a SusClientId; the tell is the same id arriving under another machine name.
        const bool suspect =
            was_suspect || (!stored_name.empty() && !info.dns_name.empty() && !same_name(stored_name, info.dns_name));
        STORE_ASSIGN(auto st, conn_.statement(sql::computer_update_info14));
        st->bind(1, *existing).bind(14, suspect);
        bind_info(*st, info);
        STORE_TRY(st->run());
        out = Registration{*existing, false, suspect};
    }
    STORE_TRY(tx.commit());
    return out;
}

Result<Computer> ComputerRepo::get(ComputerId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select1));
    st->bind(1, id);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no computer with id " + std::to_string(id));
    return read_computer(*st);
}

Result<Computer> ComputerRepo::find(std::string_view client_id) {
    STORE_ASSIGN(const auto guid, normalize_guid(client_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select_by_client_id1));
    st->bind(1, guid);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no computer with SusClientId " + guid);
    return read_computer(*st);
}

Result<ComputerId> ComputerRepo::find_id(std::string_view client_id) {
    STORE_ASSIGN(const auto guid, normalize_guid(client_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select_registration1));
    st->bind(1, guid);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no computer with SusClientId " + guid);
    return st->int64(0);
}

Result<std::vector<Computer>> ComputerRepo::find_by_dns_name(std::string_view dns_name) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select_by_dns_name1));
    st->bind(1, dns_name);
    return collect(*st);
}

Result<std::vector<Computer>> ComputerRepo::list(ComputerId after_id, int limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select_page2));
    st->bind_all(after_id, limit);
    return collect(*st);
}

Result<std::vector<Computer>> ComputerRepo::list_in_group(std::string_view group_id, ComputerId after_id, int limit) {
    STORE_ASSIGN(const auto guid, normalize_guid(group_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select_page_in_group3));
    st->bind_all(guid, after_id, limit);
    return collect(*st);
}

Result<std::int64_t> ComputerRepo::count() {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_count0));
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

Result<void> ComputerRepo::touch_sync(ComputerId id, TimePoint at) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_update_last_sync2));
    st->bind_all(id, at);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no computer with id " + std::to_string(id));
    return {};
}

Result<void> ComputerRepo::touch_report(ComputerId id, TimePoint at) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_update_last_report2));
    st->bind_all(id, at);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no computer with id " + std::to_string(id));
    return {};
}

Result<void> ComputerRepo::set_duplicate_suspect(ComputerId id, bool suspect) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_update_duplicate_suspect2));
    st->bind_all(id, suspect);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no computer with id " + std::to_string(id));
    return {};
}

Result<void> ComputerRepo::remove(ComputerId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_delete1));
    st->bind(1, id);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no computer with id " + std::to_string(id));
    return {};
}

Result<std::vector<std::string>> ComputerRepo::groups_of(ComputerId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_group_select1));
    st->bind(1, id);
    std::vector<std::string> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->text(0));
    }
}

Result<std::vector<std::string>> ComputerRepo::effective_groups(ComputerId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_group_select_effective1));
    st->bind(1, id);
    std::vector<std::string> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->text(0));
    }
}

Result<void> ComputerRepo::require(ComputerId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_select1));
    st->bind(1, id);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no computer with id " + std::to_string(id));
    return {};
}

Result<std::string> ComputerRepo::member_group(std::string_view group_id) {
    STORE_ASSIGN(auto guid, normalize_guid(group_id));
    if (guid == kAllComputersGroupId) {
        return fail(Errc::invalid_argument, "membership of All Computers is implicit and cannot be changed");
    }
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select1));
    st->bind(1, guid);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no group " + guid);
    return guid;
}

Result<void> ComputerRepo::insert_membership(ComputerId id, std::string_view group_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_group_insert2));
    st->bind_all(id, group_id);
    return st->run();
}

Result<void> ComputerRepo::delete_membership(ComputerId id, std::string_view group_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_group_delete2));
    st->bind_all(id, group_id);
    return st->run();
}

Result<void> ComputerRepo::ensure_some_group(ComputerId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::computer_group_count1));
    st->bind(1, id);
    STORE_ASSIGN(const bool row, st->step());
    if (row && st->int64(0) > 0) return {};
    return insert_membership(id, kUnassignedComputersGroupId);
}

Result<void> ComputerRepo::add_to_group(ComputerId id, std::string_view group_id) {
    STORE_ASSIGN(const auto guid, member_group(group_id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_TRY(require(id));
    STORE_TRY(insert_membership(id, guid));
    if (guid != kUnassignedComputersGroupId) STORE_TRY(delete_membership(id, kUnassignedComputersGroupId));
    return tx.commit();
}

Result<void> ComputerRepo::remove_from_group(ComputerId id, std::string_view group_id) {
    STORE_ASSIGN(const auto guid, member_group(group_id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_TRY(require(id));
    STORE_TRY(delete_membership(id, guid));
    STORE_TRY(ensure_some_group(id));
    return tx.commit();
}

Result<void> ComputerRepo::set_groups(ComputerId id, std::span<const std::string> group_ids) {
    std::vector<std::string> guids;
    for (const auto& group : group_ids) {
        STORE_ASSIGN(auto guid, member_group(group));
        guids.push_back(std::move(guid));
    }
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_TRY(require(id));
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::computer_group_delete_all1));
        st->bind(1, id);
        STORE_TRY(st->run());
    }
    const bool has_real_group =
        std::any_of(guids.begin(), guids.end(), [](const std::string& g) { return g != kUnassignedComputersGroupId; });
    for (const auto& guid : guids) {
        if (has_real_group && guid == kUnassignedComputersGroupId) continue;
        STORE_TRY(insert_membership(id, guid));
    }
    STORE_TRY(ensure_some_group(id));
    return tx.commit();
}

}  // namespace wsusd::store
