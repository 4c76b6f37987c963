// /api/v1/computers: list (optionally one group's), show one with its groups and update states, move it to
// other groups, delete it. A computer is named by its SusClientId or its DNS name.
#include "admin/routes.h"
#include "store/computer_repo.h"
#include "store/group_repo.h"
#include "store/status_repo.h"
#include "store/sync_repo.h"

namespace wsusd::admin {

namespace {

using nlohmann::json;

Result<store::Computer> resolve_computer(store::Connection& c, const std::string& name) {
    store::ComputerRepo computers(c);
    if (auto by_id = computers.find(name)) return by_id;
    auto by_dns = computers.find_by_dns_name(name);
    if (!by_dns) return std::unexpected(by_dns.error());
    if (by_dns->empty())
        return fail(Errc::not_found, "computer: no computer with SusClientId or DNS name '" + name + "'");
    if (by_dns->size() > 1)
        return fail(Errc::conflict, "computer: several computers are named '" + name + "'; use the SusClientId");
    return by_dns->front();
}

Result<json> computer_json(store::Connection& c, const store::Computer& m) {
    json groups = json::array();
    auto ids = store::ComputerRepo(c).groups_of(m.id);
    if (!ids) return std::unexpected(ids.error());
    store::GroupRepo group_repo(c);
    for (const auto& id : *ids) {
        auto g = group_repo.get(id);
        groups.push_back(g ? g->name : id);
    }
    const auto& i = m.info;
    json j{{"id", i.client_id}, {"name", i.dns_name}, {"os", i.os_description}, {"os_version", i.os_version},
                {"architecture", i.processor_architecture}, {"make", i.make}, {"model", i.model},
                {"agent_version", i.client_version}, {"groups", groups}, {"registered", time_json(m.registered_at)},
                {"last_sync", time_json(m.last_sync_at)}, {"last_report", time_json(m.last_report_at)},
                {"duplicate_suspect", m.duplicate_suspect}};
    add_reported_through(c, m, j);
    return j;
}

net::HttpResponse list_computers(Call& call) {
    auto limit = call.limit();
    if (!limit) return error_response(limit.error(), "limit");
    store::ComputerId after = 0;
    if (auto a = call.arg("after"); !a.empty()) {
        try {
            after = std::stoll(a);
        } catch (...) {
            return bad_argument("after", "must be the number `next` of the previous page");
        }
    }
    const std::string group = call.arg("group");
    auto listed = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        store::ComputerRepo computers(c);
        Result<std::vector<store::Computer>> page;
        if (group.empty()) {
            page = computers.list(after, *limit);
        } else {
            auto g = resolve_group(c, group);
            if (!g) return std::unexpected(g.error());
            page = computers.list_in_group(g->id, after, *limit);
        }
        if (!page) return std::unexpected(page.error());
        json items = json::array();
        for (const auto& m : *page) {
            auto j = computer_json(c, m);
            if (!j) return j;
            items.push_back(std::move(*j));
        }
        json next = page->size() == static_cast<std::size_t>(*limit) ? json(page->back().id) : json(nullptr);
        return json{{"computers", items}, {"next", next}};
    });
    if (!listed) return error_response(listed.error(), listed.error().code == Errc::not_found ? "group" : "");
    return json_response(200, *listed);
}

net::HttpResponse show_computer(Call& call) {
    auto shown = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        auto m = resolve_computer(c, call.params[0]);
        if (!m) return std::unexpected(m.error());
        auto j = computer_json(c, *m);
        if (!j) return j;
        auto states = store::StatusRepo(c).for_computer(m->id);
        if (!states) return std::unexpected(states.error());
        json updates = json::array();
        for (const auto& s : *states)
            updates.push_back({{"update", s.update_id}, {"state", store::update_state_name(s.state)},
                               {"hresult", s.win32_hresult}, {"at", time_json(s.event_time)}});
        (*j)["updates"] = updates;
        return j;
    });
    if (!shown) return error_response(shown.error());
    return json_response(200, *shown);
}

net::HttpResponse move_computer(Call& call) {
    if (call.ctx.client_targeting)
        return error_response(ApiError{409, "client-side targeting is on (client.targeting = \"client\"): computers "
                                            "choose their groups by Group Policy"});
    if (!call.body.is_object() || !call.body.contains("groups") || !call.body["groups"].is_array() ||
        call.body["groups"].empty())
        return bad_argument("groups", "give one or more group names");
    std::vector<std::string> names;
    for (const auto& g : call.body["groups"]) {
        if (!g.is_string()) return bad_argument("groups", "must be a list of group names");
        names.push_back(g.get<std::string>());
    }
    auto done = audited(call, "computer.move", call.params[0], {{"groups", names}}, [&](store::Connection& c) -> Result<void> {
        auto m = resolve_computer(c, call.params[0]);
        if (!m) return std::unexpected(m.error());
        std::vector<std::string> ids;
        for (const auto& n : names) {
            auto g = resolve_group(c, n);
            if (!g) return std::unexpected(g.error());
            ids.push_back(g->id);
        }
        return store::ComputerRepo(c).set_groups(m->id, ids);
    });
    if (!done) return error_response(done.error());
    return json_response(200, {{"computer", call.params[0]}, {"groups", names}});
}

net::HttpResponse delete_computer(Call& call) {
    auto done = audited(call, "computer.delete", call.params[0], json::object(), [&](store::Connection& c) -> Result<void> {
        auto m = resolve_computer(c, call.params[0]);
        if (!m) return std::unexpected(m.error());
        return store::ComputerRepo(c).remove(m->id);
    });
    if (!done) return error_response(done.error());
    return json_response(200, {{"deleted", call.params[0]}});
}

}  // namespace

// Where a computer reports: this server ("local") or the downstream server that rolled it up (MS-WSUSSS §3.1.4.15),
// by name when the registry knows it.
void add_reported_through(store::Connection& c, const store::Computer& m, json& j) {
    j["downstream_server_id"] = m.parent_server_id.empty() ? json(nullptr) : json(m.parent_server_id);
    std::string via = m.parent_server_id.empty() ? "local" : m.parent_server_id;
    if (!m.parent_server_id.empty())
        if (auto servers = store::SyncRepo(c).downstream_servers())
            for (const auto& d : *servers)
                if (d.id == m.parent_server_id && !d.name.empty()) via = d.name;
    j["reported_through"] = via;
}

void add_computer_routes(std::vector<Route>& routes) {
    routes.push_back({"GET", "/api/v1/computers", list_computers});
    routes.push_back({"GET", "/api/v1/computers/{}", show_computer});
    routes.push_back({"PUT", "/api/v1/computers/{}/groups", move_computer});
    routes.push_back({"DELETE", "/api/v1/computers/{}", delete_computer});
}

}  // namespace wsusd::admin
