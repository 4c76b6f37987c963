#include "store/rollup_repo.h"

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

namespace {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;  // ids hold no control characters
        out += c;
    }
    return out + "\"";
}

}  // namespace

Result<bool> RollupRepo::server_known(std::string_view id) {
    STORE_ASSIGN(const auto guid, normalize_guid(id));
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_server_select1));
    st->bind(1, guid);
    return st->step();
}

Result<bool> RollupRepo::apply_server(const RolledUpServer& s, TimePoint now) {
    STORE_ASSIGN(const auto id, normalize_guid(s.id));
    {
        STORE_ASSIGN(auto q, conn_.statement(sql::rollup_server_select1));
        q->bind(1, id);
        STORE_ASSIGN(const bool row, q->step());
        if (row && !q->is_null(0) && q->time(0) > s.last_rollup_at) return false;  // an older report
    }
    std::optional<std::string> parent;
    if (!s.parent_id.empty()) {
        STORE_ASSIGN(auto p, normalize_guid(s.parent_id));
        parent = std::move(p);
    }
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_server_upsert9));
    st->bind_all(id, s.name, s.version, s.replica ? 1 : 0, parent, s.last_sync_at, s.last_rollup_at, s.summary, now);
    STORE_TRY(st->run());
    for (const auto& a : s.activity) {
        STORE_ASSIGN(const auto update, normalize_guid(a.update_id));
        STORE_ASSIGN(auto add, conn_.statement(sql::rollup_activity_add5));
        add->bind_all(id, update, a.os, a.success, a.failure);
        STORE_TRY(add->run());
    }
    return true;
}

Result<RolledUpChange> RollupRepo::apply_computer(const RolledUpComputer& c, TimePoint now) {
    STORE_ASSIGN(const auto parent, normalize_guid(c.parent_server_id));
    STORE_ASSIGN(auto q, conn_.statement(sql::rollup_computer_select1));
    q->bind(1, c.client_id);
    STORE_ASSIGN(const bool found, q->step());
    const ComputerInfo info = c.details.value_or(ComputerInfo{});
    ComputerRepo computers(conn_);
    auto groups = [&](ComputerId id) -> Result<void> {
        if (!c.details) return {};
        std::vector<std::string> known;
        for (const auto& g : c.group_ids) {
            auto gid = normalize_guid(g);
            if (!gid) continue;
            STORE_ASSIGN(auto e, conn_.statement(sql::rollup_group_exists1));
            e->bind(1, *gid);
            STORE_ASSIGN(const bool exists, e->step());
            if (exists) known.push_back(*gid);
        }
        return computers.set_groups(id, known);  // none known here: Unassigned Computers
    };
    if (!found) {
        STORE_ASSIGN(auto ins, conn_.statement(sql::rollup_computer_insert17));
        ins->bind_all(c.client_id, info.dns_name, info.os_version, info.os_description, info.os_locale,
                      info.processor_architecture, info.make, info.model, info.bios_name, info.bios_version,
                      info.bios_release_date, info.client_version, now, c.last_sync_at, c.last_status_at, parent,
                      c.last_sync_result);
        STORE_TRY(ins->run());
        const ComputerId id = conn_.last_insert_rowid();
        if (c.details) {
            STORE_TRY(groups(id));
        } else {
            STORE_TRY(computers.set_groups(id, {}));
        }
        return RolledUpChange::created;
    }
    const ComputerId id = q->int64(0);
    const auto old_parent = q->opt_text(1);
    const auto old_sync = q->opt_time(2);
    if (old_sync && (!c.last_sync_at || *old_sync > *c.last_sync_at)) return RolledUpChange::ignored;
    STORE_ASSIGN(auto upd, conn_.statement(sql::rollup_computer_update_times5));
    upd->bind_all(id, c.last_sync_at, c.last_status_at, parent, c.last_sync_result);
    STORE_TRY(upd->run());
    if (c.details) {
        STORE_ASSIGN(auto d, conn_.statement(sql::rollup_computer_update_details12));
        d->bind_all(id, info.dns_name, info.os_version, info.os_description, info.os_locale,
                    info.processor_architecture, info.make, info.model, info.bios_name, info.bios_version,
                    info.bios_release_date, info.client_version);
        STORE_TRY(d->run());
        STORE_TRY(groups(id));
    }
    return old_parent.value_or("") != parent ? RolledUpChange::new_parent : RolledUpChange::updated;
}

Result<std::vector<std::string>> RollupRepo::out_of_sync(std::string_view server,
                                                         std::span<const std::pair<std::string, int>> numbers) {
    STORE_ASSIGN(const auto id, normalize_guid(server));
    std::string ids = "[";
    for (const auto& [client, n] : numbers) ids += (ids.size() > 1 ? "," : "") + json_string(client);
    ids += "]";
    STORE_ASSIGN(auto st, conn_.statement(sql::rollup_computer_numbers2));
    st->bind_all(id, ids);
    std::unordered_map<std::string, int> received;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        received[st->text(0)] = st->int32(1);
    }
    std::vector<std::string> out;
    for (const auto& [client, n] : numbers) {
        auto it = received.find(client);
        if (it != received.end() && it->second != n) out.push_back(client);
    }
    return out;
}

Result<bool> RollupRepo::apply_status(const RolledUpStatus& s, TimePoint now) {
    STORE_ASSIGN(auto q, conn_.statement(sql::rollup_computer_select1));
    q->bind(1, s.client_id);
    STORE_ASSIGN(const bool found, q->step());
    if (!found) return false;
    const ComputerId id = q->int64(0);
    STORE_ASSIGN(auto num, conn_.statement(sql::rollup_computer_set_number3));
    num->bind_all(id, s.rollup_number, s.effective_detection);
    STORE_TRY(num->run());
    if (s.full) {
        STORE_ASSIGN(auto del, conn_.statement(sql::rollup_status_delete_computer1));
        del->bind(1, id);
        STORE_TRY(del->run());
    }
    for (const auto& item : s.items) {
        STORE_ASSIGN(const auto update, normalize_guid(item.update_id));
        STORE_ASSIGN(auto t, conn_.statement(sql::rollup_status_select_time2));
        t->bind_all(id, update);
        STORE_ASSIGN(const bool row, t->step());
        if (row && t->time(0) > item.changed) continue;  // the stored state is newer
        // The protocol carries no error code: a rolled-up failure keeps hresult 0 (see docs/reporting).
        STORE_ASSIGN(auto up, conn_.statement(sql::update_status_upsert6));
        up->bind_all(id, update, static_cast<int>(item.state), 0, item.changed, now);
        STORE_TRY(up->run());
    }
    return true;
}

Result<void> RollupRepo::forget_server(std::string_view id) {
    STORE_ASSIGN(const auto guid, normalize_guid(id));
    STORE_ASSIGN(auto a, conn_.statement(sql::rollup_computer_delete_by_parent1));
    a->bind(1, guid);
    STORE_TRY(a->run());
    STORE_ASSIGN(auto b, conn_.statement(sql::rollup_activity_delete_server1));
    b->bind(1, guid);
    return b->run();
}

}  // namespace wsusd::store
