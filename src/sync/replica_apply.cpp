// A replica mirrors its upstream's target groups, approvals and declines (MS-WSUSSS §3.2.4.3).
#include <algorithm>
#include <map>
#include <set>

#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/uss_repo.h"
#include "sync/replica_apply.h"
#include "sync/sync_steps.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::sync::detail {

namespace {

std::optional<store::DeploymentAction> action_of(int upstream) {
    switch (upstream) {
        case 0: return store::DeploymentAction::install;
        case 1: return store::DeploymentAction::uninstall;
        case 3: return store::DeploymentAction::block;
        default: return std::nullopt;  // 2 (scan) has no local equivalent
    }
}

// 9999-12-31T23:59:59.9999999 means "no deadline" (§3.1.4.10.3.5).
std::optional<store::TimePoint> deadline_of(const std::string& text) {
    if (text.empty() || text.starts_with("9999-")) return std::nullopt;
    auto t = util::parse_datetime(text);
    if (!t) return std::nullopt;
    return std::chrono::floor<std::chrono::milliseconds>(*t);
}

bool is_builtin(const std::string& id) {
    return id == store::kAllComputersGroupId || id == store::kUnassignedComputersGroupId;
}

Result<void> mirror_groups(store::Connection& c, const std::vector<UpstreamGroup>& upstream, store::TimePoint now,
                           ReplicaReport& rep) {
    store::GroupRepo groups(c);
    std::map<std::string, const UpstreamGroup*> wanted;
    for (const auto& g : upstream)
        if (!is_builtin(g.id)) wanted[g.id] = &g;
    // Parents first: repeat passes while some group still waits for its parent.
    std::set<std::string> placed{std::string(store::kAllComputersGroupId)};
    for (bool progress = true; progress;) {
        progress = false;
        for (const auto& [id, g] : wanted) {
            if (placed.count(id)) continue;
            std::string parent = g->parent_id.empty() ? std::string(store::kAllComputersGroupId) : g->parent_id;
            if (!placed.count(parent)) continue;
            placed.insert(id);
            progress = true;
            auto existing = groups.get(id);
            if (!existing) {
                if (existing.error().code != Errc::not_found) return std::unexpected(existing.error());
                if (auto made = groups.create(g->name, parent, now, id); !made) {
                    rep.problems.push_back("group " + g->name + " (" + id + "): " + made.error().message);
                    continue;
                }
                rep.groups_created++;
                continue;
            }
            bool changed = false;
            if (existing->name != g->name) {
                if (auto r = groups.rename(id, g->name); !r)
                    rep.problems.push_back("group " + id + ": cannot rename to " + g->name + ": " + r.error().message);
                else changed = true;
            }
            if (existing->parent_id.value_or("") != parent) {
                if (auto r = groups.move(id, parent); !r)
                    rep.problems.push_back("group " + g->name + ": cannot move: " + r.error().message);
                else changed = true;
            }
            if (changed) rep.groups_changed++;
        }
    }
    for (const auto& [id, g] : wanted)
        if (!placed.count(id)) rep.problems.push_back("group " + g->name + " (" + id + "): its parent is unknown");
    return {};
}

// Groups the upstream no longer has go, deepest first (a group with children cannot be removed).
Result<void> prune_groups(store::Connection& c, const std::vector<UpstreamGroup>& upstream, ReplicaReport& rep) {
    store::GroupRepo groups(c);
    std::set<std::string> wanted;
    for (const auto& g : upstream) wanted.insert(g.id);
    auto all = groups.list();
    if (!all) return std::unexpected(all.error());
    std::vector<store::Group> gone;
    for (auto& g : *all)
        if (!g.builtin && !wanted.count(g.id)) gone.push_back(g);
    for (bool progress = true; progress && !gone.empty();) {
        progress = false;
        for (auto it = gone.begin(); it != gone.end();) {
            if (groups.remove(it->id)) {
                rep.groups_removed++;
                it = gone.erase(it);
                progress = true;
            } else {
                ++it;
            }
        }
    }
    for (const auto& g : gone)
        rep.problems.push_back("group " + g.name + " is gone upstream but still has computers or child groups: kept");
    return {};
}

}  // namespace

Result<ReplicaReport> apply_in(store::Connection& c, const DeploymentData& data, store::TimePoint now) {
    {
        ReplicaReport rep;
        if (auto g = mirror_groups(c, data.groups, now, rep); !g) return std::unexpected(g.error());
        store::SyncRepo sync(c);
        store::DeploymentRepo deployments(c);
        store::RevisionRepo revisions(c);
        // New and changed approvals first: a changed one arrives under a new GUID and its old GUID is dead.
        for (const auto& d : data.deployments) {
            auto action = action_of(d.action);
            if (!action) continue;
            auto rev = revisions.get(d.update_id, d.revision_number);
            if (!rev && rev.error().code == Errc::not_found) rev = revisions.latest(d.update_id);
            if (!rev) {
                if (rev.error().code != Errc::not_found) return std::unexpected(rev.error());
                rep.inactive.push_back(d.update_id);  // filtered out here: an inactive approval
                continue;
            }
            store::DeploymentChange change{d.group_id, rev->id, *action, deadline_of(d.deadline),
                                           d.admin_name.empty() ? "upstream" : d.admin_name};
            auto set = deployments.set(change, now);
            if (!set) {
                if (set.error().code != Errc::not_found) return std::unexpected(set.error());
                rep.problems.push_back("approval of " + d.update_id + " for group " + d.group_id + ": " +
                                       set.error().message);
                continue;
            }
            if (auto m = sync.map_upstream_deployment(d.guid, d.group_id, d.update_id); !m) return std::unexpected(m.error());
            rep.approvals++;
        }
        for (const auto& guid : data.dead_deployments) {
            auto key = sync.upstream_deployment(guid);
            if (!key) {
                if (key.error().code == Errc::invalid_argument) continue;  // not a GUID: nothing held under it
                return std::unexpected(key.error());
            }
            if (!*key) continue;
            auto removed = deployments.remove((*key)->group_id, (*key)->update_id, "upstream", now);
            if (!removed && removed.error().code != Errc::not_found) return std::unexpected(removed.error());
            if (removed) rep.withdrawn++;
            if (auto f = sync.forget_upstream_deployment(guid); !f) return std::unexpected(f.error());
        }
        // HiddenUpdates is the upstream's whole list of declined updates.
        std::set<std::string> hidden(data.hidden_updates.begin(), data.hidden_updates.end());
        for (const auto& id : hidden) {
            auto latest = revisions.latest(id);
            if (!latest || latest->declined) continue;
            if (auto r = revisions.set_declined(id, true); !r) return std::unexpected(r.error());
            rep.declined++;
        }
        auto declined_here = store::UssRepo(c).declined_update_ids();
        if (!declined_here) return std::unexpected(declined_here.error());
        for (const auto& id : *declined_here) {
            if (hidden.count(id)) continue;
            if (auto r = revisions.set_declined(id, false); !r) return std::unexpected(r.error());
            rep.undeclined++;
        }
        // Last, so that the approvals of a removed group were withdrawn (and counted) above.
        if (auto p = prune_groups(c, data.groups, rep); !p) return std::unexpected(p.error());
        if (!data.anchor.empty())
            if (auto a = sync.set_anchor(store::AnchorKind::deployments, data.anchor, now); !a)
                return std::unexpected(a.error());
        return rep;
    }
}

Result<ReplicaReport> apply_deployments(store::Store& st, const DeploymentData& data, store::TimePoint now) {
    return st.with_writer([&](store::Connection& c) { return apply_deployments_in(c, data, now); });
}

}  // namespace wsusd::sync::detail

namespace wsusd::sync {

Result<ReplicaReport> apply_deployments_in(store::Connection& c, const DeploymentData& data, store::TimePoint now) {
    return detail::apply_in(c, data, now);
}

}  // namespace wsusd::sync
