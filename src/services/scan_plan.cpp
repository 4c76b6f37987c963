#include "services/scan_plan.h"

#include <algorithm>
#include <ctime>
#include <functional>

#include "store/settings_repo.h"

namespace wsusd::services {

namespace {

std::string date_of(store::TimePoint t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace

const GraphNode* CatalogGraph::find_revision(store::RevisionId id) const {
    auto it = by_revision.find(id);
    return it == by_revision.end() ? nullptr : &nodes[static_cast<std::size_t>(it->second)];
}

Result<std::shared_ptr<const CatalogGraph>> CatalogGraph::load(store::Store& st, std::int64_t catalog_version) {
    return st.with_reader([&](store::Connection& c) -> Result<std::shared_ptr<const CatalogGraph>> {
        store::RevisionRepo repo(c);
        auto g = std::make_shared<CatalogGraph>();
        g->catalog_version = catalog_version;
        auto revs = repo.changed_since(0, std::numeric_limits<int>::max());
        if (!revs) return std::unexpected(revs.error());
        g->nodes.reserve(revs->size());
        for (auto& r : *revs) {
            GraphNode n;
            n.id = r.id;
            n.update_id = std::move(r.update_id);
            n.type = r.update_type;
            n.is_bundle = r.is_bundle;
            n.declined = r.declined;
            n.expired = r.expired;
            n.changed_date = date_of(r.imported_at);
            g->by_update.emplace(n.update_id, static_cast<int>(g->nodes.size()));
            g->by_revision.emplace(n.id, static_cast<int>(g->nodes.size()));
            g->nodes.push_back(std::move(n));
        }
        // Dense when the ids are not much sparser than the nodes (bounded: at most 4 bytes × (8 × nodes + 1M)).
        store::RevisionId max_id = 0;
        for (const auto& n : g->nodes) max_id = std::max(max_id, n.id);
        if (max_id >= 0 && static_cast<std::uint64_t>(max_id) < 8 * g->nodes.size() + (1u << 20)) {
            g->node_by_revision.assign(static_cast<std::size_t>(max_id) + 1, -1);
            for (std::size_t i = 0; i < g->nodes.size(); ++i)
                g->node_by_revision[static_cast<std::size_t>(g->nodes[i].id)] = static_cast<int>(i);
        }
        auto edges = repo.latest_prerequisite_edges();
        if (!edges) return std::unexpected(edges.error());
        for (const auto& e : *edges) {
            auto it = g->by_revision.find(e.revision_id);
            if (it == g->by_revision.end()) continue;
            auto& node = g->nodes[static_cast<std::size_t>(it->second)];
            if (node.prerequisites.size() <= static_cast<std::size_t>(e.group_index))
                node.prerequisites.resize(static_cast<std::size_t>(e.group_index) + 1);
            auto target = g->by_update.find(e.update_id);
            int t = target == g->by_update.end() ? -1 : target->second;
            node.prerequisites[static_cast<std::size_t>(e.group_index)].push_back(t);
            if (t >= 0) g->nodes[static_cast<std::size_t>(t)].is_leaf = false;
        }
        // Groups with no recorded member (index gaps) would be unsatisfiable; drop them.
        for (auto& n : g->nodes)
            n.prerequisites.erase(std::remove_if(n.prerequisites.begin(), n.prerequisites.end(),
                                                 [](const auto& grp) { return grp.empty(); }),
                                  n.prerequisites.end());
        auto bundles = repo.latest_bundle_edges();
        if (!bundles) return std::unexpected(bundles.error());
        for (const auto& b : *bundles) {
            auto it = g->by_revision.find(b.bundle_revision_id);
            auto member = g->by_update.find(b.member_update_id);
            if (it == g->by_revision.end() || member == g->by_update.end()) continue;
            g->nodes[static_cast<std::size_t>(it->second)].bundle_members.push_back(member->second);
        }
        auto cats = repo.latest_category_edges();
        if (!cats) return std::unexpected(cats.error());
        for (const auto& [rev, cat] : *cats) {
            auto it = g->by_revision.find(rev);
            auto c = g->by_update.find(cat);
            if (it == g->by_revision.end() || c == g->by_update.end()) continue;
            g->nodes[static_cast<std::size_t>(it->second)].categories.push_back(c->second);
        }
        return std::shared_ptr<const CatalogGraph>(std::move(g));
    });
}

const PlannedRevision* ScanPlan::find(store::RevisionId id) const {
    auto it = index.find(id);
    return it == index.end() ? nullptr : &ordered[static_cast<std::size_t>(it->second)];
}

ScanPlan ScanPlanner::build(std::shared_ptr<const CatalogGraph> graph, const std::vector<store::Deployment>& deps,
                            std::int64_t deployment_seq) {
    ScanPlan plan;
    plan.graph = graph;
    plan.deployment_seq = deployment_seq;
    // Resolve the approvals of all the computer's groups per update: install beats uninstall, the
    // earliest deadline wins, and an update approved nowhere (not approved/block) is not offered.
    struct Resolved {
        PlannedAction action;
        const store::Deployment* dep;
        std::optional<store::TimePoint> deadline;
        std::int64_t change_seq;
    };
    std::unordered_map<int, Resolved> approved;
    for (const auto& d : deps) {
        if (d.action != store::DeploymentAction::install && d.action != store::DeploymentAction::uninstall) continue;
        auto it = graph->by_update.find(d.update_id);
        if (it == graph->by_update.end()) continue;
        const auto& node = graph->nodes[static_cast<std::size_t>(it->second)];
        if (node.declined || node.expired) continue;  // withdrawn from clients whatever the approvals say
        PlannedAction a = d.action == store::DeploymentAction::install ? PlannedAction::install : PlannedAction::uninstall;
        auto [pos, inserted] = approved.try_emplace(it->second, Resolved{a, &d, d.deadline, d.change_seq});
        if (inserted) continue;
        Resolved& r = pos->second;
        r.change_seq = std::max(r.change_seq, d.change_seq);
        if (a == PlannedAction::install && r.action == PlannedAction::uninstall) {
            r = Resolved{a, &d, d.deadline, r.change_seq};
        } else if (a == r.action && d.deadline && (!r.deadline || *d.deadline < *r.deadline)) {
            r.deadline = d.deadline;
            r.dep = &d;
        }
    }
    // Depth-first, post-order: prerequisites and bundle members land before what needs them.
    std::vector<char> state(graph->nodes.size(), 0);  // 0 new, 1 in progress, 2 done
    std::vector<int> order;
    std::function<void(int)> visit = [&](int n) {
        if (state[static_cast<std::size_t>(n)]) return;  // done, or a cycle in bad metadata: break it
        state[static_cast<std::size_t>(n)] = 1;
        const auto& node = graph->nodes[static_cast<std::size_t>(n)];
        for (const auto& grp : node.prerequisites)
            for (int m : grp)
                if (m >= 0) visit(m);
        for (int m : node.bundle_members) visit(m);
        state[static_cast<std::size_t>(n)] = 2;
        order.push_back(n);
    };
    std::vector<int> roots;
    for (const auto& [n, r] : approved) roots.push_back(n);
    std::sort(roots.begin(), roots.end());
    for (int n : roots) visit(n);
    for (int n : order) {
        const auto& node = graph->nodes[static_cast<std::size_t>(n)];
        PlannedRevision p;
        p.node = n;
        p.type = node.type;
        p.has_prerequisites = !node.prerequisites.empty();
        if (auto it = approved.find(n); it != approved.end()) {
            p.action = it->second.action;
            p.deployment_id = it->second.dep->id;
            p.deadline = it->second.deadline;
            p.change_seq = it->second.change_seq;
            p.last_change_date = date_of(it->second.dep->changed_at);
        } else {
            p.action = PlannedAction::evaluate;
            p.deployment_id = kEvaluateDeploymentBase + node.id;
            p.last_change_date = node.changed_date;
        }
        if (node.type == store::UpdateType::driver) plan.has_drivers = true;
        plan.index.emplace(node.id, static_cast<int>(plan.ordered.size()));
        plan.ordered.push_back(std::move(p));
    }
    return plan;
}

ScanPlanner::ScanPlanner(std::shared_ptr<store::Store> store, std::size_t max_cached_plans)
    : store_(std::move(store)), max_plans_(max_cached_plans) {}

Result<std::pair<std::int64_t, std::int64_t>> ScanPlanner::versions() {
    return store_->with_reader([](store::Connection& c) -> Result<std::pair<std::int64_t, std::int64_t>> {
        store::SettingsRepo s(c);
        auto cat = s.catalog_version();
        if (!cat) return std::unexpected(cat.error());
        auto dep = s.counter(store::kDeploymentSeqCounter);
        if (!dep) return std::unexpected(dep.error());
        return std::make_pair(*cat, *dep);
    });
}

Result<std::shared_ptr<const CatalogGraph>> ScanPlanner::graph() {
    auto v = versions();
    if (!v) return std::unexpected(v.error());
    {
        std::lock_guard lock(mu_);
        if (graph_ && graph_->catalog_version == v->first) return graph_;
    }
    // Built outside the lock: a slow rebuild must not stall scans that still use the old plans.
    auto g = CatalogGraph::load(*store_, v->first);
    if (!g) return std::unexpected(g.error());
    std::lock_guard lock(mu_);
    if (!graph_ || graph_->catalog_version < (*g)->catalog_version) {
        graph_ = *g;
        plans_.clear();
    }
    return graph_;
}

Result<std::shared_ptr<const ScanPlan>> ScanPlanner::plan_for(std::vector<std::string> groups) {
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    auto g = graph();
    if (!g) return std::unexpected(g.error());
    auto v = versions();
    if (!v) return std::unexpected(v.error());
    std::string key = std::to_string((*g)->catalog_version) + "/" + std::to_string(v->second);
    for (const auto& id : groups) key += "/" + id;
    {
        std::lock_guard lock(mu_);
        if (auto it = plans_.find(key); it != plans_.end()) return it->second;
    }
    auto deps = store_->with_reader(
        [&](store::Connection& c) { return store::DeploymentRepo(c).list_for_groups(groups); });
    if (!deps) return std::unexpected(deps.error());
    auto plan = std::make_shared<const ScanPlan>(build(*g, *deps, v->second));
    std::lock_guard lock(mu_);
    if (plans_.size() >= max_plans_) plans_.clear();  // simple bound; plans rebuild in milliseconds
    plans_[key] = plan;
    return plan;
}

}  // namespace wsusd::services
