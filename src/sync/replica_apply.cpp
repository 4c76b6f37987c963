#include "sync/replica_apply.h"

#include <algorithm>
#include <set>

#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/uss_repo.h"
#include "util/log.h"

namespace wsusd::sync {

namespace {

Result<void> apply_groups(store::Connection& c, const std::vector<UpstreamGroup>& groups, store::TimePoint now) {
    store::GroupRepo repo(c);
    // Parents first: repeat until every group is placed (the upstream sends them in any order).
    std::vector<const UpstreamGroup*> pending;
    for (const auto& g : groups)
        if (!g.builtin) pending.push_back(&g);
    while (!pending.empty()) {
        std::vector<const UpstreamGroup*> later;
        for (const auto* g : pending) {
            if (!repo.get(g->parent_id)) {
                later.push_back(g);
                continue;
            }
            if (auto have = repo.get(g->id)) {
                if (have->name != g->name)
                    if (auto r = repo.rename(g->id, g->name); !r) return r;
                if (have->parent_id != g->parent_id)
                    if (auto r = repo.move(g->id, g->parent_id); !r) return r;
            } else {
                auto made = repo.create(g->name, g->parent_id, now, g->id);
                if (!made) return std::unexpected(made.error());
            }
        }
        if (later.size() == pending.size())
            return fail(Errc::invalid_argument, "upstream target groups name parents that do not exist");
        pending = std::move(later);
    }
    // Groups the upstream no longer has go too, when nothing is in them.
    auto local = repo.list();
    if (!local) return std::unexpected(local.error());
    for (const auto& g : *local) {
        if (g.builtin || std::any_of(groups.begin(), groups.end(), [&](const auto& u) { return u.id == g.id; })) continue;
        if (auto r = repo.remove(g.id); !r)
            log::sync()->warn("replica: group '{}' was deleted upstream but stays here: {}", g.name, r.error().message);
    }
    return {};
}

}  // namespace

Result<std::size_t> apply_deployments(store::Connection& c, const DeploymentSet& set, store::TimePoint now) {
    if (auto r = apply_groups(c, set.groups, now); !r) return std::unexpected(r.error());
    store::DeploymentRepo deployments(c);
    store::RevisionRepo revisions(c);
    // Dead first: a changed approval arrives as its old GUID dead and a new deployment.
    for (const auto& guid : set.dead) {
        std::string group, update;
        {  // the statement must be reset before the repository opens its savepoint
            auto st = c.statement("DELETE FROM replica_deployment WHERE guid = ?1 RETURNING group_id, update_id");
            if (!st) return std::unexpected(st.error());
            (*st)->bind(1, std::string_view(guid));
            auto row = (*st)->step();
            if (!row) return std::unexpected(row.error());
            if (!*row) continue;
            group = (*st)->text(0);
            update = (*st)->text(1);
        }
        auto removed = deployments.remove(group, update, "upstream", now);
        if (!removed && removed.error().code != Errc::not_found) return std::unexpected(removed.error());
    }
    std::size_t applied = 0;
    for (const auto& d : set.deployments) {
        auto rev = revisions.get(d.update_id, d.revision_number);
        if (!rev) {
            log::sync()->warn("replica: approval of {} rev {} names a revision this server does not have; skipped",
                              d.update_id, d.revision_number);
            continue;
        }
        store::DeploymentAction action = d.action == 1   ? store::DeploymentAction::uninstall
                                         : d.action == 3 ? store::DeploymentAction::block
                                                         : store::DeploymentAction::install;
        auto set_result = deployments.set({d.group_id, rev->id, action, d.deadline, d.admin_name}, now);
        if (!set_result) return std::unexpected(set_result.error());
        auto st = c.statement("INSERT OR REPLACE INTO replica_deployment (guid, group_id, update_id) VALUES (?1, ?2, ?3)");
        if (!st) return std::unexpected(st.error());
        (*st)->bind_all(std::string_view(d.guid), std::string_view(d.group_id), std::string_view(d.update_id));
        if (auto r = (*st)->run(); !r) return std::unexpected(r.error());
        ++applied;
    }
    // Declines mirror the upstream's list exactly.
    std::set<std::string> hidden(set.hidden.begin(), set.hidden.end());
    auto declined = store::UssRepo(c).declined_update_ids();
    if (!declined) return std::unexpected(declined.error());
    for (const auto& id : *declined)
        if (!hidden.count(id))
            if (auto r = revisions.set_declined(id, false); !r) return std::unexpected(r.error());
    for (const auto& id : hidden) {
        auto r = revisions.set_declined(id, true);
        if (!r && r.error().code != Errc::not_found) return std::unexpected(r.error());
    }
    return applied;
}

}  // namespace wsusd::sync
