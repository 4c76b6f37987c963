#include "store/uss_repo.h"

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

Result<std::unordered_map<std::int64_t, std::string>> UssRepo::live_deployment_guids(
    std::span<const std::int64_t> ids) {
    std::unordered_map<std::int64_t, std::string> out;
    if (ids.empty()) return out;
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_guid_select_live1));
    st->bind(1, json_array(ids));
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.emplace(st->int64(0), st->text(1));
    }
    return out;
}

Result<std::vector<std::string>> UssRepo::dead_deployment_guids(std::int64_t after, std::int64_t upto) {
    std::vector<std::string> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_guid_select_dead2));
    st->bind_all(after, upto);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.push_back(st->text(0));
    }
    return out;
}

Result<std::vector<std::string>> UssRepo::declined_update_ids() {
    std::vector<std::string> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_declined_updates0));
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.push_back(st->text(0));
    }
    return out;
}

}  // namespace wsusd::store
