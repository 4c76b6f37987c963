#include "admin/approvals.h"

#include <set>

#include "admin/routes.h"
#include "metadata/parse_document.h"
#include "store/approval_rule_repo.h"

namespace wsusd::admin {

namespace {

constexpr std::size_t kMaxAlongWalk = 256;  // bounds the walk over malformed or huge metadata

int rank(store::DeploymentAction a) {
    switch (a) {
        case store::DeploymentAction::install: return 2;
        case store::DeploymentAction::uninstall: return 1;
        default: return 0;
    }
}

bool approvable(const store::Revision& r) {
    return (r.update_type == store::UpdateType::software || r.update_type == store::UpdateType::driver) && !r.declined;
}

}  // namespace

const char* action_name(store::DeploymentAction a) {
    switch (a) {
        case store::DeploymentAction::install: return "install";
        case store::DeploymentAction::uninstall: return "uninstall";
        case store::DeploymentAction::not_approved: return "not_approved";
        case store::DeploymentAction::block: return "block";
    }
    return "unknown";
}

Result<bool> has_eula(store::Connection& conn, const store::Revision& rev) {
    auto xml = store::RevisionRepo(conn).xml(rev.id);
    if (!xml) return std::unexpected(xml.error());
    auto doc = metadata::parse_update_document(*xml);
    if (!doc) return fail(doc.error().code, "update " + rev.update_id + ": metadata unreadable: " + doc.error().message);
    return !doc->eula_id.empty();
}

Result<std::vector<store::Revision>> approved_along(store::Connection& conn, const store::Revision& rev) {
    store::RevisionRepo revisions(conn);
    std::vector<store::Revision> out;
    std::set<std::string> seen{rev.update_id};
    std::vector<store::Revision> todo{rev};
    auto add = [&](const std::string& id) -> Result<void> {
        if (seen.size() >= kMaxAlongWalk || !seen.insert(id).second) return {};
        auto p = revisions.latest(id);
        if (!p) return p.error().code == Errc::not_found ? Result<void>{} : std::unexpected(p.error());
        if (!approvable(*p)) return {};
        out.push_back(*p);
        todo.push_back(*p);
        return {};
    };
    while (!todo.empty()) {
        auto cur = todo.back();
        todo.pop_back();
        auto groups = revisions.prerequisites(cur.id);
        if (!groups) return std::unexpected(groups.error());
        for (const auto& g : *groups)
            if (g.size() == 1)
                if (auto r = add(g.front()); !r) return std::unexpected(r.error());
        if (cur.is_bundle) {
            auto members = revisions.bundle_members(cur.id);
            if (!members) return std::unexpected(members.error());
            for (const auto& m : *members)
                if (auto r = add(m.update_id); !r) return std::unexpected(r.error());
        }
    }
    return out;
}

Result<ApprovalOutcome> approve(store::Connection& conn, const ApprovalRequest& req, store::TimePoint now) {
    ApprovalOutcome out;
    store::RevisionRepo revisions(conn);
    auto rev = revisions.latest(req.update_id);
    if (!rev) return fail(rev.error().code, "update: " + rev.error().message);
    out.revision = *rev;
    if (rev->update_type == store::UpdateType::category || rev->update_type == store::UpdateType::detectoid)
        return fail(Errc::invalid_argument, "update: " + rev->update_id +
                                                " is a category or detectoid; clients evaluate those, nobody approves them");
    auto group = resolve_group(conn, req.group);
    if (!group) return std::unexpected(group.error());
    out.group = *group;
    store::DeploymentRepo deployments(conn);
    if (req.action == store::DeploymentAction::not_approved) {
        auto removed = deployments.remove(group->id, rev->update_id, req.actor, now);
        if (!removed && removed.error().code != Errc::not_found) return std::unexpected(removed.error());
        return out;
    }
    if (rev->declined)
        return fail(Errc::conflict, "update " + rev->update_id + " is declined; undecline it before approving");
    if (req.action == store::DeploymentAction::install) {
        auto eula = has_eula(conn, *rev);
        if (!eula) return std::unexpected(eula.error());
        if (*eula) {
            store::ApprovalRuleRepo acceptances(conn);
            auto accepted = acceptances.eula_accepted(rev->update_id, rev->id);
            if (!accepted) return std::unexpected(accepted.error());
            if (!*accepted) {
                if (!req.accept_eula)
                    return fail(Errc::conflict, "accept_eula: update " + rev->update_id +
                                                    " has a license agreement; approve it with accept_eula "
                                                    "(wsusctl update approve --accept-eula) to accept it");
                if (auto r = acceptances.accept_eula(rev->update_id, rev->id, req.actor, now); !r)
                    return std::unexpected(r.error());
                out.eula_accepted = true;
            }
        }
    }
    if (auto d = deployments.set({group->id, rev->id, req.action, req.deadline, req.actor}, now); !d)
        return std::unexpected(d.error());
    if (req.action != store::DeploymentAction::install) return out;
    // What the update needs goes along (WSUS approves bundled updates and required prerequisites with it);
    // an existing install approval of the group stays as it is, deadline included.
    auto along = approved_along(conn, *rev);
    if (!along) return std::unexpected(along.error());
    for (const auto& p : *along) {
        auto existing = deployments.get(group->id, p.update_id);
        if (existing && existing->action == store::DeploymentAction::install) continue;
        if (auto d = deployments.set({group->id, p.id, store::DeploymentAction::install, req.deadline, req.actor}, now);
            !d)
            return std::unexpected(d.error());
        out.prerequisites.push_back(p.update_id);
    }
    return out;
}

Result<int> decline_update(store::Connection& conn, std::string_view update_id, std::string_view actor,
                           store::TimePoint now) {
    if (auto r = store::RevisionRepo(conn).set_declined(update_id, true); !r) return std::unexpected(r.error());
    store::DeploymentRepo deployments(conn);
    auto all = deployments.list_for_update(update_id);
    if (!all) return std::unexpected(all.error());
    int withdrawn = 0;
    for (const auto& d : *all) {
        if (d.action == store::DeploymentAction::not_approved) continue;
        if (auto r = deployments.remove(d.group_id, d.update_id, actor, now); !r) return std::unexpected(r.error());
        ++withdrawn;
    }
    return withdrawn;
}

EffectiveApproval effective_approval(const std::vector<store::Group>& chain,
                                     const std::vector<store::Deployment>& deployments) {
    std::vector<EffectiveApproval> reaching;
    for (const auto& g : chain)
        for (const auto& d : deployments)
            if (d.group_id == g.id && rank(d.action) > 0) reaching.push_back({d.action, d.deadline, g.id});
    return combine_approvals(reaching);
}

EffectiveApproval combine_approvals(const std::vector<EffectiveApproval>& reaching) {
    EffectiveApproval best;
    for (const auto& a : reaching) {
        if (a.from_group.empty() || rank(a.action) == 0) continue;
        if (best.from_group.empty() || rank(a.action) > rank(best.action)) {
            best = a;
        } else if (rank(a.action) == rank(best.action) && a.deadline && (!best.deadline || *a.deadline < *best.deadline)) {
            best.deadline = a.deadline;
            best.from_group = a.from_group;
        }
    }
    return best;
}

}  // namespace wsusd::admin
