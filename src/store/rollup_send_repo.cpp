#include "store/rollup_send_repo.h"

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

namespace {

constexpr int kComputerColumns = 19;  // WSUSD_COMPUTER_COLUMNS

}  // namespace

Result<std::optional<RollupUpstream>> RollupSendRepo::upstream(std::string_view upstream) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_upstream_select1));
    st->bind(1, upstream);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::optional<RollupUpstream>();
    return std::optional<RollupUpstream>(RollupUpstream{st->text(0), st->text(1), st->opt_time(2)});
}

Result<bool> RollupSendRepo::set_upstream(std::string_view upstream, std::string_view reset_guid,
                                          std::string_view server_id) {
    STORE_ASSIGN(auto old, this->upstream(upstream));
    const bool changed = !old || old->reset_guid != reset_guid || old->server_id != server_id;
    if (!changed) return false;
    STORE_ASSIGN(auto clear, conn_.statement(sql::rollup_state_clear1));
    clear->bind(1, upstream);
    STORE_TRY(clear->run());
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_upstream_upsert3));
    st->bind_all(std::string(upstream), std::string(reset_guid), std::string(server_id));
    STORE_TRY(st->run());
    return old.has_value();
}

Result<void> RollupSendRepo::finish(std::string_view upstream, TimePoint at) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_upstream_finish2));
    st->bind_all(std::string(upstream), at);
    return st->run();
}

Result<std::vector<PendingComputer>> RollupSendRepo::pending_computers(std::string_view upstream, ComputerId after,
                                                                       int limit) {
    std::vector<PendingComputer> out;
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::rollup_pending_computers3));
        st->bind_all(std::string(upstream), after, limit);
        while (true) {
            STORE_ASSIGN(const bool row, st->step());
            if (!row) break;
            PendingComputer p;
            auto& c = p.computer;
            c.id = st->int64(0);
            c.info = ComputerInfo{st->text(1), st->text(2),  st->text(3),  st->text(4),  st->text(5),
                                  st->text(6), st->text(7),  st->text(8),  st->text(9),  st->text(10),
                                  st->text(11), st->text(12), st->text(13)};
            c.registered_at = st->time(14);
            c.last_sync_at = st->opt_time(15);
            c.last_report_at = st->opt_time(16);
            c.duplicate_suspect = st->flag(17);
            c.parent_server_id = st->text(18);
            p.last_sync_result = st->int32(kComputerColumns);
            p.marker = st->time(kComputerColumns + 1);
            out.push_back(std::move(p));
        }
    }
    ComputerRepo computers(conn_);
    for (auto& p : out) {
        STORE_ASSIGN(p.group_ids, computers.groups_of(p.computer.id));
    }
    return out;
}

Result<void> RollupSendRepo::ack_computer(std::string_view upstream, ComputerId id, TimePoint marker) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_ack_computer3));
    st->bind_all(std::string(upstream), id, marker);
    return st->run();
}

Result<void> RollupSendRepo::exclude(std::string_view upstream, std::string_view client_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_exclude_computer2));
    st->bind_all(std::string(upstream), std::string(client_id));
    return st->run();
}

Result<std::vector<PendingStatus>> RollupSendRepo::pending_status(std::string_view upstream, ComputerId after,
                                                                  int limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_pending_status3));
    st->bind_all(std::string(upstream), after, limit);
    std::vector<PendingStatus> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->int64(0), st->text(1), st->opt_time(2), st->int32(3), st->opt_time(4)});
    }
}

Result<void> RollupSendRepo::mark_full(std::string_view upstream, std::string_view client_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_mark_full2));
    st->bind_all(std::string(upstream), std::string(client_id));
    return st->run();
}

Result<std::vector<UpdateStatus>> RollupSendRepo::states_since(ComputerId id, std::optional<TimePoint> through) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_status_since2));
    st->bind_all(id, through ? through->time_since_epoch().count() : std::int64_t{-1});
    std::vector<UpdateStatus> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->text(0), static_cast<UpdateState>(st->int32(1)), st->int32(2), st->time(3), st->time(4)});
    }
}

Result<void> RollupSendRepo::ack_status(std::string_view upstream, ComputerId id, TimePoint through,
                                        int rollup_number) {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_ack_status4));
    st->bind_all(std::string(upstream), id, through, rollup_number);
    return st->run();
}

Result<ServerSummary> RollupSendRepo::summary() {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_server_summary0));
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return ServerSummary{};
    return ServerSummary{st->int64(0), st->int64(1), st->int64(2), st->int64(3), st->int64(4),
                         st->int64(5), st->int64(6), st->int64(7), st->int64(8), st->int64(9)};
}

Result<std::vector<KnownDownstream>> RollupSendRepo::downstream_tree() {
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_downstream_tree0));
    std::vector<KnownDownstream> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->text(0), st->text(1), st->text(2), st->int32(3) == 1, st->text(4), st->opt_time(5),
                       st->opt_time(6), st->text(7)});
    }
}

}  // namespace wsusd::store
