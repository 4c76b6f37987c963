// GetDeployments (MS-WSUSSS §3.1.4.10): what a replica downstream server copies, target groups and approvals
// changed between its deployment anchor and now, the GUIDs of approvals that died since, declined updates.
#include "services/server_sync_ops.h"
#include "services/soap_values.h"
#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/settings_repo.h"
#include "store/sync_repo.h"
#include "store/uss_repo.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

soap::Fault fault(soap::ErrorCode code, std::string message = {}) { return soap::make_fault(code, std::move(message)); }

constexpr const char* kNoDeadline = "9999-12-31T23:59:59.9999999";  // "no deadline", as the spec defines it
constexpr const char* kNoParent = "00000000-0000-0000-0000-000000000000";
constexpr int kDeploymentPage = 5000;

}  // namespace

soap::OpResult uss_get_deployments(const ServerSyncDeps& deps, const Serversync::_ns1__GetDeployments& req,
                                   Serversync::_ns1__GetDeploymentsResponse& resp, soap::Call& call) {
    auto cookie = check_server_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    if (!req.syncAnchor || !parse_anchor(*req.syncAnchor))
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "syncAnchor"));
    std::int64_t after = 0;
    if (req.deploymentAnchor && !req.deploymentAnchor->empty()) {
        auto n = parse_anchor(*req.deploymentAnchor);
        if (!n) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "deploymentAnchor"));
        after = *n;
    }
    auto* result = call.arena.make<Serversync::ns1__ServerSyncDeploymentResult>();
    result->Groups = call.arena.make<Serversync::ns1__ArrayOfServerSyncTargetGroup>();
    result->Deployments = call.arena.make<Serversync::ns1__ArrayOfServerSyncDeployment>();
    result->DeadDeployments = call.arena.make<Serversync::ns1__ArrayOfGuid>();
    result->HiddenUpdates = call.arena.make<Serversync::ns1__ArrayOfGuid>();
    result->AcceptedEulas = call.arena.make<Serversync::ns1__ArrayOfGuid>();
    auto done = deps.store->with_reader([&](store::Connection& c) -> Result<std::int64_t> {
        auto upto = store::SettingsRepo(c).counter(store::kDeploymentSeqCounter);
        if (!upto) return upto;
        auto groups = store::GroupRepo(c).list();
        if (!groups) return std::unexpected(groups.error());
        for (const auto& g : *groups) {
            auto* t = call.arena.make<Serversync::ns1__ServerSyncTargetGroup>();
            t->TargetGroupID = g.id;
            t->ParentGroupId = g.parent_id ? *g.parent_id : kNoParent;
            t->Name = call.arena.make<std::string>(g.name);
            t->IsBuiltin = g.builtin;
            result->Groups->ServerSyncTargetGroup.push_back(t);
        }
        store::DeploymentRepo deployments(c);
        store::RevisionRepo revisions(c);
        store::UssRepo uss(c);
        std::vector<store::Deployment> changed;
        for (std::int64_t since = after;;) {
            auto page = deployments.changed_since(since, kDeploymentPage);
            if (!page) return std::unexpected(page.error());
            for (auto& d : *page)
                if (d.change_seq <= *upto) changed.push_back(std::move(d));
            if (page->size() < static_cast<std::size_t>(kDeploymentPage)) break;
            since = page->back().change_seq;
        }
        std::vector<std::int64_t> ids;
        for (const auto& d : changed) ids.push_back(d.id);
        auto guids = uss.live_deployment_guids(ids);
        if (!guids) return std::unexpected(guids.error());
        for (const auto& d : changed) {
            if (d.action == store::DeploymentAction::not_approved) continue;  // a withdrawal: its GUID is dead
            auto guid = guids->find(d.id);
            if (guid == guids->end()) continue;
            auto rev = revisions.get(d.revision_id);
            if (!rev) return std::unexpected(rev.error());
            auto* s = call.arena.make<Serversync::ns1__ServerSyncDeployment>();
            s->UpdateId = d.update_id;
            s->RevisionNumber = rev->revision_number;
            s->Action = static_cast<int>(d.action);
            s->AdminName = call.arena.make<std::string>(d.admin_name);
            s->Deadline = d.deadline ? util::format_datetime(*d.deadline, 7) : kNoDeadline;
            s->IsAssigned = true;
            s->GoLiveTime = util::format_datetime(d.changed_at, 3);
            s->DeploymentGuid = guid->second;
            s->TargetGroupId = d.group_id;
            s->DownloadPriority = 1;
            result->Deployments->ServerSyncDeployment.push_back(s);
        }
        auto dead = uss.dead_deployment_guids(after, *upto);
        if (!dead) return std::unexpected(dead.error());
        result->DeadDeployments->guid = std::move(*dead);
        auto hidden = uss.declined_update_ids();
        if (!hidden) return std::unexpected(hidden.error());
        result->HiddenUpdates->guid = std::move(*hidden);
        return upto;
    });
    if (!done) {
        log::service()->error("[{}] GetDeployments from {}: {}", call.request_id, call.peer, done.error().message);
        return std::unexpected(fault(soap::ErrorCode::InternalServerError));
    }
    result->Anchor = call.arena.make<std::string>(make_anchor(*done, deps.now()));
    resp.GetDeploymentsResult = result;
    // Only replicas ask for deployments: the registry learns the downstream server's mode here.
    (void)deps.store->with_writer([&](store::Connection& c) {
        store::DownstreamServer s;
        s.id = cookie->client_id;
        s.mode = store::DownstreamMode::replica;
        return store::SyncRepo(c).touch_downstream(s, std::chrono::floor<std::chrono::milliseconds>(deps.now()));
    });
    log::service()->info("[{}] GetDeployments from {}: {} groups, {} deployments, {} dead, {} hidden", call.request_id,
                         call.peer, result->Groups->ServerSyncTargetGroup.size(),
                         result->Deployments->ServerSyncDeployment.size(), result->DeadDeployments->guid.size(),
                         result->HiddenUpdates->guid.size());
    return {};
}

}  // namespace wsusd::services
