#include "store/group_repo.h"

#include <algorithm>

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {
namespace {

constexpr std::size_t kMaxGroupNameLength = 256;

Group read_group(const Statement& st) { return Group{st.text(0), st.text(1), st.opt_text(2), st.flag(3), st.time(4)}; }

Result<std::vector<Group>> collect(Statement& st) {
    std::vector<Group> out;
    while (true) {
        STORE_ASSIGN(const bool row, st.step());
        if (!row) return out;
        out.push_back(read_group(st));
    }
}

Result<void> check_name_text(std::string_view name) {
    if (name.empty()) return fail(Errc::invalid_argument, "group name must not be empty");
    if (name.size() > kMaxGroupNameLength) {
        return fail(Errc::invalid_argument, "group name longer than " + std::to_string(kMaxGroupNameLength));
    }
    if (name.front() == ' ' || name.back() == ' ') {
        return fail(Errc::invalid_argument, "group name must not start or end with a space");
    }
    return {};
}

}  // namespace

Result<void> GroupRepo::check_name(std::string_view name, std::string_view except_id) {
    STORE_TRY(check_name_text(name));
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select_by_name1));
    st->bind(1, name);
    STORE_ASSIGN(const bool row, st->step());
    if (row && st->text_view(0) != except_id) {
        return fail(Errc::conflict, "a group named '" + st->text(1) + "' already exists");
    }
    return {};
}

Result<Group> GroupRepo::get_normalized(const std::string& id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select1));
    st->bind(1, id);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no group " + id);
    return read_group(*st);
}

Result<Group> GroupRepo::create(std::string_view name, std::string_view parent_id, TimePoint now,
                                std::optional<std::string_view> id) {
    std::string parent(kAllComputersGroupId);
    if (!parent_id.empty()) {
        STORE_ASSIGN(parent, normalize_guid(parent_id));
    }
    std::string group_id;
    if (id) {
        STORE_ASSIGN(group_id, normalize_guid(*id));
    } else {
        group_id = new_guid();
    }
    if (parent == kUnassignedComputersGroupId) {
        return fail(Errc::invalid_argument, "groups cannot be created under Unassigned Computers");
    }

    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_TRY(get_normalized(parent));  // not_found for a missing parent, before the FK error would
    if (get_normalized(group_id)) return fail(Errc::conflict, "group id " + group_id + " already exists");
    STORE_TRY(check_name(name, {}));
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::target_group_insert4));
        st->bind_all(group_id, name, parent, now);
        STORE_TRY(st->run());
    }
    STORE_ASSIGN(auto group, get_normalized(group_id));
    STORE_TRY(tx.commit());
    return group;
}

Result<void> GroupRepo::rename(std::string_view id, std::string_view new_name) {
    STORE_ASSIGN(const auto group_id, normalize_guid(id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_ASSIGN(const auto group, get_normalized(group_id));
    if (group.builtin) return fail(Errc::conflict, "built-in group '" + group.name + "' cannot be renamed");
    STORE_TRY(check_name(new_name, group_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_update_name2));
    st->bind_all(group_id, new_name);
    STORE_TRY(st->run());
    return tx.commit();
}

Result<void> GroupRepo::move(std::string_view id, std::string_view new_parent_id) {
    STORE_ASSIGN(const auto group_id, normalize_guid(id));
    STORE_ASSIGN(const auto parent_id, normalize_guid(new_parent_id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_ASSIGN(const auto group, get_normalized(group_id));
    if (group.builtin) return fail(Errc::conflict, "built-in group '" + group.name + "' cannot be moved");
    STORE_TRY(get_normalized(parent_id));
    if (parent_id == kUnassignedComputersGroupId) {
        return fail(Errc::invalid_argument, "groups cannot be placed under Unassigned Computers");
    }
    // A group cannot become its own descendant: the new parent must not be the group or below it.
    STORE_ASSIGN(const auto above_parent, ancestors(parent_id));
    const bool cycle = parent_id == group_id || std::any_of(above_parent.begin(), above_parent.end(),
                                                            [&](const Group& g) { return g.id == group_id; });
    if (cycle) return fail(Errc::conflict, "moving group '" + group.name + "' there would create a cycle");
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_update_parent2));
    st->bind_all(group_id, parent_id);
    STORE_TRY(st->run());
    return tx.commit();
}

Result<void> GroupRepo::remove(std::string_view id) {
    STORE_ASSIGN(const auto group_id, normalize_guid(id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_ASSIGN(const auto group, get_normalized(group_id));
    if (group.builtin) return fail(Errc::conflict, "built-in group '" + group.name + "' cannot be deleted");
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::target_group_count_children1));
        st->bind(1, group_id);
        STORE_ASSIGN(const bool row, st->step());
        if (row && st->int64(0) > 0) {
            return fail(Errc::conflict, "group '" + group.name + "' has child groups; delete or move them first");
        }
    }
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::computer_group_count_by_group1));
        st->bind(1, group_id);
        STORE_ASSIGN(const bool row, st->step());
        if (row && st->int64(0) > 0) {
            return fail(Errc::conflict, "group '" + group.name + "' still has " + std::to_string(st->int64(0)) +
                                            " computer(s); move them first");
        }
    }
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_delete1));
    st->bind(1, group_id);
    STORE_TRY(st->run());
    return tx.commit();
}

Result<Group> GroupRepo::get(std::string_view id) {
    STORE_ASSIGN(const auto group_id, normalize_guid(id));
    return get_normalized(group_id);
}

Result<Group> GroupRepo::find_by_name(std::string_view name) {
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select_by_name1));
    st->bind(1, name);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no group named '" + std::string(name) + "'");
    return read_group(*st);
}

Result<std::vector<Group>> GroupRepo::list() {
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select_all0));
    return collect(*st);
}

Result<std::vector<Group>> GroupRepo::children(std::string_view id) {
    STORE_ASSIGN(const auto group_id, normalize_guid(id));
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select_children1));
    st->bind(1, group_id);
    return collect(*st);
}

Result<std::vector<Group>> GroupRepo::ancestors(std::string_view id) {
    STORE_ASSIGN(const auto group_id, normalize_guid(id));
    STORE_TRY(get_normalized(group_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select_ancestors1));
    st->bind(1, group_id);
    return collect(*st);
}

}  // namespace wsusd::store
