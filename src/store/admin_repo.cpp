#include "store/admin_repo.h"

#include <limits>

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

Result<void> AdminRepo::create_token(std::string_view name, std::string_view token_hash, TimePoint now) {
    {
        STORE_ASSIGN(auto st, conn_.statement("SELECT 1 FROM admin_token WHERE name = ?1"));
        st->bind(1, name);
        STORE_ASSIGN(const bool exists, st->step());
        if (exists) return fail(Errc::conflict, "a token named '" + std::string(name) + "' exists; revoke it first");
    }
    STORE_ASSIGN(auto st, conn_.statement(sql::admin_token_insert3));
    st->bind_all(name, token_hash, now);
    return st->run();
}

Result<std::string> AdminRepo::token_name(std::string_view token_hash) {
    STORE_ASSIGN(auto st, conn_.statement(sql::admin_token_by_hash1));
    st->bind(1, token_hash);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::unauthorized, "unknown token");
    return st->text(0);
}

Result<void> AdminRepo::touch_token(std::string_view name, TimePoint now) {
    STORE_ASSIGN(auto st, conn_.statement(sql::admin_token_touch2));
    st->bind_all(name, now);
    return st->run();
}

Result<std::vector<AdminToken>> AdminRepo::tokens() {
    std::vector<AdminToken> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::admin_token_list0));
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.push_back({st->text(0), st->time(1), st->opt_time(2)});
    }
    return out;
}

Result<void> AdminRepo::revoke_token(std::string_view name) {
    STORE_ASSIGN(auto st, conn_.statement(sql::admin_token_delete1));
    st->bind(1, name);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no token named '" + std::string(name) + "'");
    return {};
}

Result<void> AdminRepo::audit(std::string_view actor, std::string_view action, std::string_view target,
                              std::string_view detail_json, TimePoint now) {
    STORE_ASSIGN(auto st, conn_.statement(sql::audit_insert5));
    st->bind_all(now, actor, action, target, detail_json);
    return st->run();
}

Result<std::vector<AuditEntry>> AdminRepo::audit_entries(std::int64_t before_id, int limit) {
    std::vector<AuditEntry> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::audit_select_before2));
    st->bind_all(before_id > 0 ? before_id : std::numeric_limits<std::int64_t>::max(), limit);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.push_back({st->int64(0), st->time(1), st->text(2), st->text(3), st->text(4), st->text(5)});
    }
    return out;
}

}  // namespace wsusd::store
