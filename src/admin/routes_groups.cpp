// /api/v1/groups: the target group tree (All Computers at the root, Unassigned Computers built in): list,
// create, rename/move, delete. A replica server copies its groups from upstream and refuses local changes.
#include "admin/routes.h"
#include "store/group_repo.h"

namespace wsusd::admin {

Result<store::Group> resolve_group(store::Connection& c, const std::string& name_or_id) {
    store::GroupRepo groups(c);
    if (auto by_id = groups.get(name_or_id)) return by_id;
    auto by_name = groups.find_by_name(name_or_id);
    if (!by_name && by_name.error().code == Errc::not_found)
        return fail(Errc::not_found, "group: no group named '" + name_or_id + "' (see `wsusctl group list`)");
    return by_name;
}

namespace {

using nlohmann::json;

net::HttpResponse refuse_on_replica(const Call& call) {
    return error_response(ApiError{409, "this server is a replica: target groups come from its upstream server"});
}

json group_json(const store::Group& g, const std::vector<store::Group>& all) {
    std::string parent;
    for (const auto& p : all)
        if (g.parent_id && p.id == *g.parent_id) parent = p.name;
    return json{{"id", g.id}, {"name", g.name}, {"parent", g.parent_id ? json(parent) : json(nullptr)},
                {"parent_id", g.parent_id ? json(*g.parent_id) : json(nullptr)}, {"builtin", g.builtin},
                {"created", time_json(g.created_at)}};
}

net::HttpResponse list_groups(Call& call) {
    auto all = call.ctx.db->with_reader([](store::Connection& c) { return store::GroupRepo(c).list(); });
    if (!all) return error_response(all.error());
    json items = json::array();
    for (const auto& g : *all) items.push_back(group_json(g, *all));
    return json_response(200, {{"groups", items}});
}

net::HttpResponse create_group(Call& call) {
    if (call.ctx.replica) return refuse_on_replica(call);
    auto name = call.body_string("name");
    if (!name) return error_response(name.error(), "name");
    if (name->empty() || name->size() > 256) return bad_argument("name", "must be 1 to 256 characters");
    auto parent = call.body_string("parent", false);
    if (!parent) return error_response(parent.error(), "parent");
    store::Group created;
    auto done = audited(call, "group.create", *name, {{"parent", *parent}}, [&](store::Connection& c) -> Result<void> {
        std::string parent_id;
        if (!parent->empty()) {
            auto p = resolve_group(c, *parent);
            if (!p) return std::unexpected(p.error());
            parent_id = p->id;
        }
        auto g = store::GroupRepo(c).create(*name, parent_id, now());
        if (!g) return std::unexpected(g.error());
        created = *g;
        return {};
    });
    if (!done) return error_response(done.error(), done.error().code == Errc::conflict ? "name" : "");
    return json_response(201, {{"id", created.id}, {"name", created.name}, {"parent_id", created.parent_id ? json(*created.parent_id) : json(nullptr)}});
}

net::HttpResponse change_group(Call& call) {
    if (call.ctx.replica) return refuse_on_replica(call);
    auto name = call.body_string("name", false);
    if (!name) return error_response(name.error(), "name");
    auto parent = call.body_string("parent", false);
    if (!parent) return error_response(parent.error(), "parent");
    if (name->empty() && parent->empty()) return bad_argument("name", "give a new name or a new parent");
    if (name->size() > 256) return bad_argument("name", "must be 1 to 256 characters");
    json detail{{"name", *name}, {"parent", *parent}};
    auto done = audited(call, "group.change", call.params[0], detail, [&](store::Connection& c) -> Result<void> {
        auto g = resolve_group(c, call.params[0]);
        if (!g) return std::unexpected(g.error());
        store::GroupRepo groups(c);
        if (!name->empty())
            if (auto r = groups.rename(g->id, *name); !r) return r;
        if (!parent->empty()) {
            auto p = resolve_group(c, *parent);
            if (!p) return std::unexpected(p.error());
            if (auto r = groups.move(g->id, p->id); !r) return r;
        }
        return {};
    });
    if (!done) return error_response(done.error());
    return json_response(200, {{"group", call.params[0]}, {"changed", detail}});
}

net::HttpResponse delete_group(Call& call) {
    if (call.ctx.replica) return refuse_on_replica(call);
    auto done = audited(call, "group.delete", call.params[0], json::object(), [&](store::Connection& c) -> Result<void> {
        auto g = resolve_group(c, call.params[0]);
        if (!g) return std::unexpected(g.error());
        return store::GroupRepo(c).remove(g->id);
    });
    if (!done) return error_response(done.error());
    return json_response(200, {{"deleted", call.params[0]}});
}

}  // namespace

void add_group_routes(std::vector<Route>& routes) {
    routes.push_back({"GET", "/api/v1/groups", list_groups});
    routes.push_back({"POST", "/api/v1/groups", create_group});
    routes.push_back({"PATCH", "/api/v1/groups/{}", change_group});
    routes.push_back({"DELETE", "/api/v1/groups/{}", delete_group});
}

}  // namespace wsusd::admin
