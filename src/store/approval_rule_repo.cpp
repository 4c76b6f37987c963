#include "store/approval_rule_repo.h"

#include "store/schema.h"
#include "store/text_list.h"
#include "store/try.h"

namespace wsusd::store {

namespace {

ApprovalRule read_rule(const Statement& st) {
    ApprovalRule r;
    r.id = st.int64(0);
    r.name = st.text(1);
    r.enabled = st.flag(2);
    r.classifications = split_lines(st.text_view(3));
    r.products = split_lines(st.text_view(4));
    r.groups = split_lines(st.text_view(5));
    if (auto d = st.opt_int64(6)) r.deadline_days = static_cast<int>(*d);
    r.created_by = st.text(7);
    r.created_at = st.time(8);
    return r;
}

Error no_rule(std::string_view name) {
    return Error{Errc::not_found, "rule: no approval rule named '" + std::string(name) + "' (`wsusctl rule list`)"};
}

}  // namespace

Result<ApprovalRule> ApprovalRuleRepo::create(const ApprovalRule& rule, TimePoint now) {
    if (rule.groups.empty()) return fail(Errc::invalid_argument, "groups: a rule approves for at least one group");
    if (auto existing = get(rule.name); existing)
        return fail(Errc::conflict, "rule: a rule named '" + rule.name + "' exists; delete it first");
    else if (existing.error().code != Errc::not_found)
        return std::unexpected(existing.error());
    STORE_ASSIGN(auto st, conn_.statement(sql::approval_rule_insert8));
    st->bind_all(rule.name, rule.enabled, join_lines(rule.classifications), join_lines(rule.products),
                 join_lines(rule.groups), rule.deadline_days, rule.created_by, now);
    STORE_TRY(st->run());
    return get(rule.name);
}

Result<std::vector<ApprovalRule>> ApprovalRuleRepo::list() {
    std::vector<ApprovalRule> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::approval_rule_select_all0));
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(read_rule(*st));
    }
}

Result<ApprovalRule> ApprovalRuleRepo::get(std::string_view name) {
    STORE_ASSIGN(auto st, conn_.statement(sql::approval_rule_select_by_name1));
    st->bind(1, name);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::unexpected(no_rule(name));
    return read_rule(*st);
}

Result<void> ApprovalRuleRepo::set_enabled(std::string_view name, bool enabled) {
    STORE_ASSIGN(auto st, conn_.statement(sql::approval_rule_update_enabled2));
    st->bind_all(name, enabled);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return std::unexpected(no_rule(name));
    return {};
}

Result<void> ApprovalRuleRepo::remove(std::string_view name) {
    STORE_ASSIGN(auto st, conn_.statement(sql::approval_rule_delete1));
    st->bind(1, name);
    STORE_TRY(st->run());
    if (conn_.changes() == 0) return std::unexpected(no_rule(name));
    return {};
}

Result<bool> ApprovalRuleRepo::eula_accepted(std::string_view update_id, RevisionId revision_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::eula_acceptance_exists2));
    st->bind_all(update_id, revision_id);
    return st->step();
}

Result<void> ApprovalRuleRepo::accept_eula(std::string_view update_id, RevisionId revision_id,
                                           std::string_view admin_name, TimePoint now) {
    STORE_ASSIGN(auto st, conn_.statement(sql::eula_acceptance_insert4));
    st->bind_all(update_id, revision_id, admin_name, now);
    return st->run();
}

}  // namespace wsusd::store
