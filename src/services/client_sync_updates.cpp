#include "services/client_sync_updates.h"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "services/client_cookie.h"
#include "services/client_targeting.h"
#include "services/soap_values.h"
#include "store/computer_repo.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

using Plan = ScanPlan;

soap::Fault bad(const char* parameter) { return soap::make_fault(soap::ErrorCode::InvalidParameters, parameter); }

std::size_t count(const Client::ns1__ArrayOfInt* a) { return a ? a->int_.size() : 0; }

// The revision ids a client lists, as flags per catalog node (the hot path of every scan: no hashing, no node
// allocation); ids the catalog does not have are kept apart, once each.
struct ClientIds {
    std::vector<char> node;
    std::vector<int> listed;   ///< the nodes flagged in `node`, each once (walked instead of the whole catalog)
    std::vector<int> unknown;

    explicit ClientIds(const CatalogGraph& g) : node(g.nodes.size(), 0) {}
    void add(const CatalogGraph& g, const Client::ns1__ArrayOfInt* a) {
        if (!a) return;
        for (int id : a->int_) {
            int n = g.node_of(id);
            if (n < 0) {
                unknown.push_back(id);
            } else if (!node[static_cast<std::size_t>(n)]) {
                node[static_cast<std::size_t>(n)] = 1;
                listed.push_back(n);
            }
        }
    }
    bool has(int n) const { return node[static_cast<std::size_t>(n)] != 0; }
};

// A revision may be offered once every prerequisite group has a member the client reported as
// installed (MS-WUSP §3.1.5.7: "prerequisites are satisfied by InstalledNonLeafUpdateIDs").
bool satisfied(const CatalogGraph& g, const GraphNode& n, const ClientIds& installed) {
    for (const auto& grp : n.prerequisites) {
        bool any = false;
        for (int m : grp)
            if (m >= 0 && installed.has(m)) {
                any = true;
                break;
            }
        if (!any) return false;
    }
    return true;
}

Client::ns1__UpdateInfo* update_info(const Plan& plan, const PlannedRevision& p, std::string* core,
                                     soap::Arena& arena) {
    const auto& node = plan.graph->nodes[static_cast<std::size_t>(p.node)];
    auto* u = arena.make<Client::ns1__UpdateInfo>();
    u->ID = static_cast<int>(node.id);
    u->Deployment = make_deployment(p, arena);
    u->IsLeaf = node.is_leaf;
    u->Xml = core;
    return u;
}

// Core fragments of the page, read in one store snapshot.
Result<std::vector<std::string*>> load_cores(const ClientServiceDeps& deps, const Plan& plan,
                                             const std::vector<const PlannedRevision*>& page, soap::Arena& arena) {
    return deps.store->with_reader([&](store::Connection& c) -> Result<std::vector<std::string*>> {
        store::RevisionRepo repo(c);
        std::vector<std::string*> out;
        out.reserve(page.size());
        for (const auto* p : page) {
            auto id = plan.graph->nodes[static_cast<std::size_t>(p->node)].id;
            auto xml = repo.fragment(id, store::FragmentKind::core);
            if (!xml) return std::unexpected(xml.error());
            out.push_back(arena.make<std::string>(std::move(*xml)));
        }
        return out;
    });
}

// Category scan (FilterCategoryIds, after StartCategoryScan): only deployed updates in one of the
// categories, plus what they depend on; categories themselves are never filtered out (the real
// server still sends the company category to a client filtering on one of its products).
// nullopt = no filter.
std::optional<std::unordered_set<int>> category_filter(const CatalogGraph& g, const Plan& p,
                                                       const Client::ns1__ArrayOfCategoryIdentifier* filter) {
    if (!filter || filter->CategoryIdentifier.empty()) return std::nullopt;
    std::unordered_set<int> wanted;
    for (const auto* c : filter->CategoryIdentifier)
        if (c)
            if (auto it = g.by_update.find(lower(c->Id)); it != g.by_update.end()) wanted.insert(it->second);
    std::unordered_set<int> allowed;
    std::vector<int> stack;
    for (const auto& pr : p.ordered) {
        if (pr.action == PlannedAction::evaluate) continue;
        const auto& node = g.nodes[static_cast<std::size_t>(pr.node)];
        bool in = std::any_of(node.categories.begin(), node.categories.end(), [&](int c) { return wanted.count(c); });
        if (in) stack.push_back(pr.node);
    }
    while (!stack.empty()) {
        int n = stack.back();
        stack.pop_back();
        if (!allowed.insert(n).second) continue;
        const auto& node = g.nodes[static_cast<std::size_t>(n)];
        for (const auto& grp : node.prerequisites)
            for (int m : grp)
                if (m >= 0) stack.push_back(m);
        for (int m : node.bundle_members) stack.push_back(m);
    }
    return allowed;
}

std::vector<DeviceSpec> devices_of(const Client::ns1__ArrayOfDevice* spec, std::size_t max_devices) {
    std::vector<DeviceSpec> out;
    if (!spec) return out;
    auto lower_all = [](const Client::ns1__ArrayOfString* a, std::vector<std::string>& into) {
        if (a)
            for (const auto& s : a->string) into.push_back(lower(s));
    };
    for (const auto* d : spec->Device) {
        if (!d || out.size() >= max_devices) continue;
        DeviceSpec ds;
        lower_all(d->HardwareIDs, ds.ids);
        lower_all(d->CompatibleIDs, ds.ids);
        if (d->installedDriver) {
            ds.has_installed = true;
            ds.installed_date = d->installedDriver->DriverVerDate.substr(0, 10);
            ds.installed_version = d->installedDriver->DriverVerVersion;
            ds.installed_is_printer = d->installedDriver->Class && lower(*d->installedDriver->Class) == "printer";
        }
        out.push_back(std::move(ds));
    }
    return out;
}

}  // namespace

std::int64_t driver_version_number(std::string_view text) {
    std::int64_t out = 0;
    int parts = 0;
    while (parts < 4) {
        auto dot = text.find('.');
        std::string_view part = text.substr(0, dot);
        unsigned v = 0;
        auto r = std::from_chars(part.data(), part.data() + part.size(), v);
        if (r.ec != std::errc{} || r.ptr != part.data() + part.size() || v > 0xffff) return 0;
        out = (out << 16) | v;
        ++parts;
        if (dot == std::string_view::npos) break;
        text.remove_prefix(dot + 1);
    }
    return parts == 4 ? out : 0;
}

int best_driver(const DeviceSpec& device, const std::vector<DriverCandidate>& candidates) {
    int best = -1;
    std::size_t best_rank = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& c = candidates[i];
        auto pos = std::find(device.ids.begin(), device.ids.end(), c.hardware_id);
        if (pos == device.ids.end()) continue;
        std::size_t rank = static_cast<std::size_t>(pos - device.ids.begin());
        if (device.has_installed &&
            !(c.date > device.installed_date || (c.date == device.installed_date && c.version > device.installed_version)))
            continue;  // must be better than what is installed
        if (best < 0) {
            best = static_cast<int>(i);
            best_rank = rank;
            continue;
        }
        const auto& b = candidates[static_cast<std::size_t>(best)];
        bool better = rank < best_rank || (rank == best_rank && (c.date > b.date || (c.date == b.date && c.version > b.version)));
        if (better) {
            best = static_cast<int>(i);
            best_rank = rank;
        }
    }
    return best;
}

soap::OpResult sync_updates(const ClientServiceDeps& deps, const Client::_ns1__SyncUpdates& req,
                            Client::_ns1__SyncUpdatesResponse& resp, soap::Call& call) {
    auto cookie = check_client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    const auto* params = req.parameters;
    if (!params) return std::unexpected(bad("parameters"));
    if (params->SystemSpec && !params->SkipSoftwareSync) return std::unexpected(bad("parameters"));
    std::size_t cached_n = count(params->InstalledNonLeafUpdateIDs) + count(params->OtherCachedUpdateIDs) +
                           count(params->CachedDriverIDs);
    if (cached_n > deps.config.max_cached_update_ids) {
        log::service()->warn("[{}] SyncUpdates from {}: {} cached revision ids exceed client.max_cached_update_ids ({})",
                             call.request_id, call.peer, cached_n, deps.config.max_cached_update_ids);
        return std::unexpected(bad("parameters"));
    }
    auto who = identify_client(deps, *cookie, call);
    if (!who) return std::unexpected(who.error());
    auto plan = deps.planner->plan_for(who->groups);
    if (!plan) return std::unexpected(store_fault(call, plan.error()));
    const Plan& p = **plan;
    const CatalogGraph& g = *p.graph;

    ClientIds installed_nodes(g), cached(g);
    installed_nodes.add(g, params->InstalledNonLeafUpdateIDs);

    std::vector<const PlannedRevision*> needed;
    if (!params->SkipSoftwareSync) {
        cached.add(g, params->InstalledNonLeafUpdateIDs);
        cached.add(g, params->OtherCachedUpdateIDs);
        auto in_filter = category_filter(g, p, params->FilterCategoryIds);
        for (const auto& pr : p.ordered) {
            // The plan's copy of the type and of "has prerequisites" spares a catalog node read (a cache miss
            // each, thousands per scan) for most revisions.
            if (pr.type == store::UpdateType::driver) continue;
            // The filter narrows updates; the category tree stays, as clients evaluate it first.
            if (in_filter && pr.type != store::UpdateType::category && !in_filter->count(pr.node)) continue;
            if (!pr.has_prerequisites || satisfied(g, g.nodes[static_cast<std::size_t>(pr.node)], installed_nodes))
                needed.push_back(&pr);
        }
    } else {
        cached.add(g, params->CachedDriverIDs);
        // Driver pass: among approved drivers, the best match for each device of the SystemSpec.
        auto devices = devices_of(params->SystemSpec, deps.config.max_cached_update_ids);
        std::vector<DriverCandidate> candidates;
        if (p.has_drivers && !devices.empty()) {
            auto loaded = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
                store::RevisionRepo repo(c);
                for (const auto& pr : p.ordered) {
                    const auto& node = g.nodes[static_cast<std::size_t>(pr.node)];
                    if (node.type != store::UpdateType::driver || pr.action != PlannedAction::install) continue;
                    if (!satisfied(g, node, installed_nodes)) continue;
                    auto drv = repo.drivers(node.id);
                    if (!drv) return std::unexpected(drv.error());
                    for (const auto& d : *drv)
                        candidates.push_back({node.id, lower(d.hardware_id), d.date, driver_version_number(d.version)});
                }
                return {};
            });
            if (!loaded) return std::unexpected(store_fault(call, loaded.error()));
        }
        std::unordered_set<store::RevisionId> chosen;
        for (const auto& dev : devices) {
            if (dev.installed_is_printer) continue;  // printer drivers go through SyncPrinterCatalog
            int b = best_driver(dev, candidates);
            if (b >= 0) chosen.insert(candidates[static_cast<std::size_t>(b)].revision);
        }
        for (const auto& pr : p.ordered)
            if (chosen.count(g.nodes[static_cast<std::size_t>(pr.node)].id)) needed.push_back(&pr);
    }

    // New: needed and not cached, one page. Changed: cached, still needed, deployment changed since
    // the anchor in the cookie. Out of scope: cached but no longer needed.
    std::vector<const PlannedRevision*> page, changed;
    // The cookie's anchor holds for the groups it was taken under; after a move every cached deployment is resent.
    const std::int64_t groups_hash = core::groups_fingerprint(who->groups);
    const std::int64_t anchor = cookie->groups_hash == groups_hash ? cookie->sync_anchor : 0;
    std::vector<char> needed_node(g.nodes.size(), 0);
    bool truncated = false;
    for (const auto* pr : needed) {
        needed_node[static_cast<std::size_t>(pr->node)] = 1;
        if (!cached.has(pr->node)) {
            if (page.size() < deps.config.sync_page_size) page.push_back(pr);
            else truncated = true;
        } else if (pr->change_seq > anchor) {
            changed.push_back(pr);
        }
    }
    std::vector<int> out_of_scope = std::move(cached.unknown);
    for (int n : cached.listed)
        if (!needed_node[static_cast<std::size_t>(n)]) out_of_scope.push_back(static_cast<int>(g.nodes[static_cast<std::size_t>(n)].id));
    std::sort(out_of_scope.begin(), out_of_scope.end());
    out_of_scope.erase(std::unique(out_of_scope.begin(), out_of_scope.end()), out_of_scope.end());

    auto* result = call.arena.make<Client::ns1__SyncInfo>();
    if (!page.empty()) {
        auto cores = load_cores(deps, p, page, call.arena);
        if (!cores) return std::unexpected(store_fault(call, cores.error()));
        result->NewUpdates = call.arena.make<Client::ns1__ArrayOfUpdateInfo>();
        for (std::size_t i = 0; i < page.size(); ++i)
            result->NewUpdates->UpdateInfo.push_back(update_info(p, *page[i], (*cores)[i], call.arena));
    }
    if (!out_of_scope.empty()) {
        result->OutOfScopeRevisionIDs = call.arena.make<Client::ns1__ArrayOfInt>();
        result->OutOfScopeRevisionIDs->int_ = std::move(out_of_scope);
    }
    if (!changed.empty()) {
        result->ChangedUpdates = call.arena.make<Client::ns1__ArrayOfUpdateInfo>();
        for (const auto* pr : changed) result->ChangedUpdates->UpdateInfo.push_back(update_info(p, *pr, nullptr, call.arena));
    }
    result->Truncated = truncated;
    // The new cookie keeps the old expiry (as real WSUS does) and records the deployments seen.
    core::CookiePayload next = *cookie;
    next.sync_anchor = truncated ? anchor : std::max(anchor, p.deployment_seq);
    next.groups_hash = groups_hash;
    auto* nc = call.arena.make<Client::ns1__Cookie>();
    nc->Expiration = req.cookie->Expiration;
    nc->EncryptedData = binary<Client::xsd__base64Binary>(call.arena, deps.cookies->seal(core::CookieKind::client, next));
    result->NewCookie = nc;
    result->DriverSyncNotNeeded = call.arena.str(p.has_drivers ? "false" : "true");
    resp.SyncUpdatesResult = result;

    if (who->computer) {
        auto now = std::chrono::floor<std::chrono::milliseconds>(deps.now());
        auto touched = deps.store->with_writer(
            [&](store::Connection& c) { return store::ComputerRepo(c).touch_sync(who->computer, now); });
        if (!touched) log::service()->warn("[{}] cannot record the sync time of {}: {}", call.request_id, call.peer,
                                           touched.error().message);
    }
    log::service()->debug("[{}] SyncUpdates {}: {} new, {} changed, {} out of scope, truncated={}", call.request_id,
                          params->SkipSoftwareSync ? "drivers" : "software", page.size(), changed.size(),
                          result->OutOfScopeRevisionIDs ? result->OutOfScopeRevisionIDs->int_.size() : 0, truncated);
    return {};
}

soap::OpResult sync_printer_catalog(const ClientServiceDeps& deps, const Client::_ns1__SyncPrinterCatalog& req,
                                    Client::_ns1__SyncPrinterCatalogResponse& resp, soap::Call& call) {
    auto cookie = check_client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    auto who = identify_client(deps, *cookie, call);
    if (!who) return std::unexpected(who.error());
    // No printer driver catalog is published by this server: the answer is an empty catalog, and
    // every cached printer driver is out of scope (as real WSUS answers without a printer catalog).
    auto* result = call.arena.make<Client::ns1__SyncInfo>();
    if (req.printerUpdateIDs && !req.printerUpdateIDs->int_.empty()) {
        result->OutOfScopeRevisionIDs = call.arena.make<Client::ns1__ArrayOfInt>();
        result->OutOfScopeRevisionIDs->int_ = req.printerUpdateIDs->int_;
    }
    result->Truncated = false;
    auto* nc = call.arena.make<Client::ns1__Cookie>();
    nc->Expiration = req.cookie->Expiration;
    nc->EncryptedData = req.cookie->EncryptedData;
    result->NewCookie = nc;
    resp.SyncPrinterCatalogResult = result;
    return {};
}

}  // namespace wsusd::services
