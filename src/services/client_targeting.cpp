#include "services/client_targeting.h"

#include "store/computer_repo.h"
#include "store/group_repo.h"
#include "util/log.h"

namespace wsusd::services {

soap::Fault store_fault(const soap::Call& call, const Error& e) {
    log::service()->error("[{}] {} for {}: store error: {} (check disk space and `wsusd store check`)",
                          call.request_id, call.operation, call.peer, e.message);
    return soap::make_fault(soap::ErrorCode::InternalServerError);
}

namespace {

// Client-side targeting: group names from the cookie → ids (optionally creating missing groups).
Result<std::vector<std::string>> groups_from_names(const ClientServiceDeps& deps, const std::vector<std::string>& names,
                                                   store::ComputerId computer, soap::Call& call) {
    std::vector<std::string> ids;
    std::vector<std::string> missing;
    auto found = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
        store::GroupRepo groups(c);
        for (const auto& n : names) {
            auto g = groups.find_by_name(n);
            if (g) ids.push_back(g->id);
            else if (g.error().code == Errc::not_found) missing.push_back(n);
            else return std::unexpected(g.error());
        }
        return {};
    });
    if (!found) return std::unexpected(found.error());
    if (!missing.empty() && deps.config.create_unknown_target_groups) {
        auto made = deps.store->with_writer([&](store::Connection& c) -> Result<void> {
            store::GroupRepo groups(c);
            auto now = std::chrono::floor<std::chrono::milliseconds>(deps.now());
            for (const auto& n : missing) {
                auto g = groups.create(n, store::kAllComputersGroupId, now);
                if (!g) return std::unexpected(g.error());
                ids.push_back(g->id);
            }
            return {};
        });
        if (!made) return std::unexpected(made.error());
    } else {
        for (const auto& n : missing)
            log::service()->info("[{}] client {} names unknown target group '{}': ignored "
                                 "(create it, or set client.create_unknown_target_groups)",
                                 call.request_id, call.peer, n);
    }
    if (computer) {
        // Keep the memberships the admin sees in line with what the client asked for.
        auto set = deps.store->with_writer(
            [&](store::Connection& c) { return store::ComputerRepo(c).set_groups(computer, ids); });
        if (!set) return std::unexpected(set.error());
    }
    return ids;
}

}  // namespace

std::expected<ClientIdentity, soap::Fault> identify_client(const ClientServiceDeps& deps,
                                                           const core::CookiePayload& cookie, soap::Call& call) {
    ClientIdentity who;
    auto id = deps.store->with_reader(
        [&](store::Connection& c) { return store::ComputerRepo(c).find_id(cookie.client_id); });
    if (id) {
        who.computer = *id;
    } else if (id.error().code != Errc::not_found) {
        return std::unexpected(store_fault(call, id.error()));
    } else if (deps.config.registration_required) {
        return std::unexpected(soap::make_fault(soap::ErrorCode::RegistrationRequired));
    }
    if (deps.config.targeting == "client") {
        auto ids = groups_from_names(deps, cookie.target_groups, who.computer, call);
        if (!ids) return std::unexpected(store_fault(call, ids.error()));
        who.groups = std::move(*ids);
    } else if (who.computer) {
        auto eff = deps.store->with_reader(
            [&](store::Connection& c) { return store::ComputerRepo(c).effective_groups(who.computer); });
        if (!eff) return std::unexpected(store_fault(call, eff.error()));
        who.groups = std::move(*eff);
    } else {
        who.groups.emplace_back(store::kUnassignedComputersGroupId);
    }
    who.groups.emplace_back(store::kAllComputersGroupId);
    return who;
}

Client::ns1__Deployment* make_deployment(const PlannedRevision& p, soap::Arena& arena) {
    auto* d = arena.make<Client::ns1__Deployment>();
    d->ID = static_cast<int>(p.deployment_id);
    switch (p.action) {
        case PlannedAction::install: d->Action = Client::ns1__DeploymentAction::Install; break;
        case PlannedAction::uninstall: d->Action = Client::ns1__DeploymentAction::Uninstall; break;
        case PlannedAction::evaluate: d->Action = Client::ns1__DeploymentAction::Evaluate; break;
    }
    if (p.deadline) d->Deadline = arena.str(util::format_datetime(*p.deadline, 3));
    d->IsAssigned = true;
    d->LastChangeTime = p.last_change_date;
    d->AutoSelect = arena.str("0");
    d->AutoDownload = arena.str("0");
    d->SupersedenceBehavior = arena.str("0");
    return d;
}

}  // namespace wsusd::services
