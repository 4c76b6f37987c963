#include "store/settings_repo.h"

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

Result<std::optional<std::string>> SettingsRepo::get(std::string_view key) {
    STORE_ASSIGN(auto st, conn_.statement(sql::setting_select1));
    st->bind(1, key);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(st->text(0));
}

Result<void> SettingsRepo::set(std::string_view key, std::string_view value, TimePoint now) {
    if (key.empty()) return fail(Errc::invalid_argument, "setting key must not be empty");
    STORE_ASSIGN(auto st, conn_.statement(sql::setting_upsert3));
    st->bind_all(key, value, now);
    return st->run();
}

Result<void> SettingsRepo::remove(std::string_view key) {
    STORE_ASSIGN(auto st, conn_.statement(sql::setting_delete1));
    st->bind(1, key);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return fail(Errc::not_found, "no setting '" + std::string(key) + "'");
    return {};
}

Result<std::vector<Setting>> SettingsRepo::all() {
    STORE_ASSIGN(auto st, conn_.statement(sql::setting_select_all0));
    std::vector<Setting> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.push_back(Setting{st->text(0), st->text(1), st->time(2)});
    }
    return out;
}

Result<std::int64_t> SettingsRepo::counter(std::string_view name) {
    STORE_ASSIGN(auto st, conn_.statement(sql::counter_select1));
    st->bind(1, name);
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

Result<std::int64_t> SettingsRepo::bump_counter(std::string_view name) {
    STORE_ASSIGN(auto st, conn_.statement(sql::counter_bump1));
    st->bind(1, name);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::internal, "counter bump returned no row");
    const std::int64_t value = st->int64(0);
    STORE_TRY(st->run());  // finish the statement so RETURNING's write is complete before reuse
    return value;
}

}  // namespace wsusd::store
