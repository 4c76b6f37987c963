#include "store/sync_repo.h"

#include "store/rollup_repo.h"
#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {
namespace {

// Column order of WSUSD_SYNC_COLUMNS in schema.h.
SyncRun read_run(const Statement& st) {
    return SyncRun{st.int64(0),
                   st.time(1),
                   st.opt_time(2),
                   static_cast<SyncResult>(st.int32(3)),
                   SyncCounts{st.int64(4), st.int64(5), st.int64(6), st.int64(7)},
                   st.text(8),
                   st.text(9),
                   st.text(10),
                   st.text(11)};
}

}  // namespace

std::string_view anchor_kind_name(AnchorKind kind) {
    switch (kind) {
        case AnchorKind::metadata:
            return "metadata";
        case AnchorKind::config:
            return "config";
        case AnchorKind::deployments:
            return "deployments";
        case AnchorKind::config_data:
            return "config_data";
    }
    return "unknown";
}

Result<std::optional<SyncAnchor>> SyncRepo::anchor(AnchorKind kind) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_anchor_select1));
    st->bind(1, anchor_kind_name(kind));
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::optional<SyncAnchor>();
    return std::optional<SyncAnchor>(SyncAnchor{st->text(0), st->time(1)});
}

Result<void> SyncRepo::set_anchor(AnchorKind kind, std::string_view anchor, TimePoint now) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_anchor_upsert3));
    st->bind_all(anchor_kind_name(kind), anchor, now);
    return st->run();
}

Result<void> SyncRepo::clear_anchor(AnchorKind kind) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_anchor_delete1));
    st->bind(1, anchor_kind_name(kind));
    return st->run();
}

Result<std::int64_t> SyncRepo::start_run(TimePoint started_at, std::string_view started_by, std::string_view upstream) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_insert3));
    // Owned copies: a default (null) string_view would bind as NULL.
    st->bind_all(started_at, std::string(started_by), std::string(upstream));
    STORE_TRY(st->run());
    return conn_.last_insert_rowid();
}

Result<void> SyncRepo::set_run_details(std::int64_t id, std::string_view details_json) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_details2));
    st->bind_all(id, details_json);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no sync run " + std::to_string(id));
    return {};
}

Result<int> SyncRepo::interrupt_running_runs(std::string_view reason, TimePoint now) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_interrupt2));
    st->bind_all(now, reason);
    STORE_TRY(st->run());
    return static_cast<int>(conn_.changes());
}

Result<void> SyncRepo::map_upstream_deployment(std::string_view guid, std::string_view group_id,
                                               std::string_view update_id) {
    STORE_ASSIGN(const auto g, normalize_guid(guid));
    STORE_ASSIGN(const auto grp, normalize_guid(group_id));
    STORE_ASSIGN(const auto upd, normalize_guid(update_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::upstream_deployment_upsert3));
    st->bind_all(g, grp, upd);
    return st->run();
}

Result<std::optional<UpstreamDeploymentKey>> SyncRepo::upstream_deployment(std::string_view guid) {
    STORE_ASSIGN(const auto g, normalize_guid(guid));
    STORE_ASSIGN(auto st, conn_.statement(sql::upstream_deployment_select1));
    st->bind(1, g);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::optional<UpstreamDeploymentKey>();
    return std::optional<UpstreamDeploymentKey>(UpstreamDeploymentKey{st->text(0), st->text(1)});
}

Result<void> SyncRepo::forget_upstream_deployment(std::string_view guid) {
    STORE_ASSIGN(const auto g, normalize_guid(guid));
    STORE_ASSIGN(auto st, conn_.statement(sql::upstream_deployment_delete1));
    st->bind(1, g);
    return st->run();
}

Result<void> SyncRepo::finish_run(std::int64_t id, SyncResult result, const SyncCounts& counts, std::string_view error,
                                  TimePoint finished_at) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_update8));
    st->bind_all(id, finished_at, static_cast<int>(result), counts.new_updates, counts.revised, counts.expired,
                 counts.declined, error);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no sync run " + std::to_string(id));
    return {};
}

Result<SyncRun> SyncRepo::run(std::int64_t id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_select1));
    st->bind(1, id);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no sync run " + std::to_string(id));
    return read_run(*st);
}

Result<std::vector<SyncRun>> SyncRepo::recent_runs(int limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_select_recent1));
    st->bind(1, limit);
    std::vector<SyncRun> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(read_run(*st));
    }
}

Result<std::optional<SyncRun>> SyncRepo::last_success() {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_select_last_success0));
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::optional<SyncRun>();
    return std::optional<SyncRun>(read_run(*st));
}

Result<void> SyncRepo::touch_downstream(const DownstreamServer& server, TimePoint now) {
    STORE_ASSIGN(const auto id, normalize_guid(server.id));
    STORE_ASSIGN(auto st, conn_.statement(sql::downstream_server_upsert5));
    st->bind_all(id, server.name, server.version, static_cast<int>(server.mode), now);
    return st->run();
}

Result<std::vector<DownstreamServer>> SyncRepo::downstream_servers() {
    STORE_ASSIGN(auto st, conn_.statement(sql::downstream_server_select_all0));
    std::vector<DownstreamServer> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(DownstreamServer{st->text(0), st->text(1), st->text(2), static_cast<DownstreamMode>(st->int32(3)),
                                       st->time(4), st->opt_time(5)});
    }
}

Result<void> SyncRepo::remove_downstream(std::string_view id) {
    STORE_ASSIGN(const auto guid, normalize_guid(id));
    STORE_ASSIGN(auto st, conn_.statement(sql::downstream_server_delete1));
    st->bind(1, guid);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no downstream server " + guid);
    // §3.1.1: the computers reporting through a removed downstream server go with it.
    return RollupRepo(conn_).forget_server(guid);
}

}  // namespace wsusd::store
