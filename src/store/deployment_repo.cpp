#include "store/deployment_repo.h"

#include "store/schema.h"
#include "store/settings_repo.h"
#include "store/try.h"

namespace wsusd::store {
namespace {

// Column order of WSUSD_DEPLOYMENT_COLUMNS in schema.h.
Deployment read_deployment(const Statement& st) {
    return Deployment{st.int64(0),    st.text(1), st.text(2), st.int64(3), static_cast<DeploymentAction>(st.int32(4)),
                      st.opt_time(5), st.text(6), st.time(7), st.time(8),  st.int64(9)};
}

Result<std::vector<Deployment>> collect(Statement& st) {
    std::vector<Deployment> out;
    while (true) {
        STORE_ASSIGN(const bool row, st.step());
        if (!row) return out;
        out.push_back(read_deployment(st));
    }
}

bool valid_action(DeploymentAction action) {
    const int value = static_cast<int>(action);
    return value >= 0 && value <= 3;
}

}  // namespace

Result<Deployment> DeploymentRepo::get_normalized(const std::string& group_id, const std::string& update_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_select2));
    st->bind_all(group_id, update_id);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no deployment of update " + update_id + " to group " + group_id);
    return read_deployment(*st);
}

Result<Deployment> DeploymentRepo::write(const std::string& group_id, const std::string& update_id,
                                         RevisionId revision_id, DeploymentAction action,
                                         const std::optional<TimePoint>& deadline, std::string_view admin_name,
                                         TimePoint now) {
    if (auto existing = get_normalized(group_id, update_id); existing) {
        if (existing->revision_id == revision_id && existing->action == action && existing->deadline == deadline) {
            return *existing;  // nothing a client could observe changed: keep the sequence quiet
        }
    } else if (existing.error().code != Errc::not_found) {
        return std::unexpected(std::move(existing).error());
    }
    STORE_ASSIGN(const auto seq, SettingsRepo(conn_).bump_counter(kDeploymentSeqCounter));
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::deployment_upsert8));
        st->bind_all(group_id, update_id, revision_id, static_cast<int>(action), deadline, admin_name, now, seq);
        STORE_TRY(st->run());
    }
    return get_normalized(group_id, update_id);
}

Result<Deployment> DeploymentRepo::set(const DeploymentChange& change, TimePoint now) {
    if (!valid_action(change.action)) return fail(Errc::invalid_argument, "unknown deployment action");
    STORE_ASSIGN(const auto group_id, normalize_guid(change.group_id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::target_group_select1));
        st->bind(1, group_id);
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return fail(Errc::not_found, "no group " + group_id);
    }
    std::string update_id;
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_update_of1));
        st->bind(1, change.revision_id);
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return fail(Errc::not_found, "no revision with id " + std::to_string(change.revision_id));
        update_id = st->text(0);
    }
    STORE_ASSIGN(auto deployment, write(group_id, update_id, change.revision_id, change.action, change.deadline,
                                        change.admin_name, now));
    STORE_TRY(tx.commit());
    return deployment;
}

Result<Deployment> DeploymentRepo::remove(std::string_view group_id, std::string_view update_id,
                                          std::string_view admin_name, TimePoint now) {
    STORE_ASSIGN(const auto group, normalize_guid(group_id));
    STORE_ASSIGN(const auto update, normalize_guid(update_id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_ASSIGN(const auto existing, get_normalized(group, update));
    STORE_ASSIGN(auto deployment, write(group, update, existing.revision_id, DeploymentAction::not_approved,
                                        std::nullopt, admin_name, now));
    STORE_TRY(tx.commit());
    return deployment;
}

Result<Deployment> DeploymentRepo::get(std::string_view group_id, std::string_view update_id) {
    STORE_ASSIGN(const auto group, normalize_guid(group_id));
    STORE_ASSIGN(const auto update, normalize_guid(update_id));
    return get_normalized(group, update);
}

Result<std::vector<Deployment>> DeploymentRepo::list_for_groups(std::span<const std::string> group_ids) {
    std::vector<std::string> guids;
    guids.reserve(group_ids.size());
    for (const auto& id : group_ids) {
        STORE_ASSIGN(auto guid, normalize_guid(id));
        guids.push_back(std::move(guid));
    }
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_select_by_groups1));
    st->bind(1, json_array(guids));
    return collect(*st);
}

Result<std::vector<Deployment>> DeploymentRepo::list_for_update(std::string_view update_id) {
    STORE_ASSIGN(const auto update, normalize_guid(update_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_select_by_update1));
    st->bind(1, update);
    return collect(*st);
}

Result<std::vector<Deployment>> DeploymentRepo::changed_since(std::int64_t since, int limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_select_changed2));
    st->bind_all(since, limit);
    return collect(*st);
}

}  // namespace wsusd::store
