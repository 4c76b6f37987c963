// /api/v1/updates: list with the console's filters, show one, approve (install, uninstall, not approved) for a
// group with an optional deadline (WSUS semantics in approvals.h: EULA, prerequisites along, decline withdraws),
// decline and undecline. Approval changes are refused on a replica server.
#include <cctype>

#include "admin/approvals.h"
#include "admin/routes.h"
#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/status_repo.h"
#include "store/update_query.h"
#include "util/ascii.h"
#include "util/guid.h"
#include "util/time_format.h"

namespace wsusd::admin {

namespace {

using nlohmann::json;

const char* type_name(store::UpdateType t) {
    switch (t) {
        case store::UpdateType::software: return "software";
        case store::UpdateType::driver: return "driver";
        case store::UpdateType::category: return "category";
        case store::UpdateType::detectoid: return "detectoid";
    }
    return "unknown";
}



json summary_json(const store::UpdateSummary& s) {
    const auto& r = s.revision;
    return json{{"id", r.update_id},
                {"revision", r.revision_number},
                {"title", r.title},
                {"type", type_name(r.update_type)},
                {"kb", r.kb ? json("KB" + *r.kb) : json(nullptr)},
                {"classification", s.classification_title.empty() ? json(r.classification_id ? *r.classification_id : "")
                                                                  : json(s.classification_title)},
                {"severity", r.msrc_severity ? json(*r.msrc_severity) : json(nullptr)},
                {"released", time_json(r.creation_date)},
                {"declined", r.declined},
                {"expired", r.expired},
                {"approvals", s.approvals}};
}

net::HttpResponse list_updates(Call& call) {
    store::UpdateFilter f;
    f.text = call.arg("text");
    f.kb = call.arg("kb");
    f.classification = call.arg("classification");
    f.product = call.arg("product");
    f.after_update_id = util::to_lower(call.arg("after"));
    const std::string approval = call.arg("approval");
    if (approval.empty() || approval == "any") f.approval = store::ApprovalFilter::any;
    else if (approval == "approved") f.approval = store::ApprovalFilter::approved;
    else if (approval == "unapproved") f.approval = store::ApprovalFilter::unapproved;
    else if (approval == "declined") f.approval = store::ApprovalFilter::declined;
    else return bad_argument("approval", "must be any, approved, unapproved or declined");
    auto limit = call.limit();
    if (!limit) return error_response(limit.error(), "limit");
    f.limit = *limit;
    auto found = call.ctx.db->with_reader([&](store::Connection& c) { return store::UpdateQuery(c).search(f); });
    if (!found) return error_response(found.error());
    json items = json::array();
    for (const auto& s : *found) items.push_back(summary_json(s));
    json next = found->size() == static_cast<std::size_t>(f.limit) ? json(found->back().revision.update_id) : json(nullptr);
    return json_response(200, {{"updates", items}, {"next", next}});
}

net::HttpResponse show_update(Call& call) {
    const std::string id = util::to_lower(call.params[0]);
    if (!util::is_guid(id)) return bad_argument("update", "'" + call.params[0] + "' is not an update id (a GUID)");
    auto shown = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        store::RevisionRepo revs(c);
        auto r = revs.latest(id);
        if (!r) return std::unexpected(r.error());
        store::UpdateFilter f;
        f.text = id;
        f.limit = 1;
        auto sums = store::UpdateQuery(c).search(f);
        if (!sums) return std::unexpected(sums.error());
        json out = sums->empty() ? json{{"id", r->update_id}, {"revision", r->revision_number}, {"title", r->title},
                                        {"type", type_name(r->update_type)}}
                                 : summary_json(sums->front());
        json cats = json::array();
        if (auto cs = revs.categories(r->id)) {
            for (const auto& cat : *cs) {
                auto cr = revs.latest(cat.category_id);
                cats.push_back({{"id", cat.category_id}, {"title", cr ? cr->title : ""},
                                {"kind", cat.kind == store::CategoryKind::product          ? "product"
                                         : cat.kind == store::CategoryKind::classification ? "classification"
                                                                                           : "other"}});
            }
        }
        out["categories"] = cats;
        json files = json::array();
        const store::RevisionId ids[] = {r->id};
        if (auto fs = revs.files(ids)) {
            for (const auto& f : *fs)
                files.push_back({{"name", f.file.name}, {"size", f.file.size}, {"sha1", f.file.sha1},
                                 {"sha256", f.file.sha256 ? json(*f.file.sha256) : json(nullptr)}});
        }
        out["files"] = files;
        json superseded_by = json::array();
        if (auto sup = revs.superseding(id))
            for (const auto& s : *sup) superseded_by.push_back({{"id", s.update_id}, {"title", s.title}});
        out["superseded_by"] = superseded_by;
        json approvals = json::array();
        store::GroupRepo groups(c);
        auto deps = store::DeploymentRepo(c).list_for_update(id);
        if (!deps) return std::unexpected(deps.error());
        for (const auto& d : *deps) {
            if (d.action == store::DeploymentAction::not_approved) continue;
            auto g = groups.get(d.group_id);
            approvals.push_back({{"group", g ? g->name : d.group_id}, {"group_id", d.group_id},
                                 {"action", action_name(d.action)}, {"deadline", time_json(d.deadline)},
                                 {"by", d.admin_name}, {"changed", time_json(d.changed_at)}});
        }
        out["approved_for"] = approvals;
        // What each group's computers get: its own approvals combined with its ancestors' (as the scan planner
        // combines them), so an approval for a parent shows on every child.
        json effective = json::array();
        auto all_groups = groups.list();
        if (!all_groups) return std::unexpected(all_groups.error());
        for (const auto& g : *all_groups) {
            auto chain = groups.ancestors(g.id);
            if (!chain) return std::unexpected(chain.error());
            chain->insert(chain->begin(), g);
            auto e = effective_approval(*chain, *deps);
            if (e.from_group.empty()) continue;
            auto from = groups.get(e.from_group);
            effective.push_back({{"group", g.name}, {"group_id", g.id}, {"action", action_name(e.action)},
                                 {"deadline", time_json(e.deadline)}, {"inherited_from", e.from_group == g.id ? json(nullptr)
                                                                        : json(from ? from->name : e.from_group)}});
        }
        out["effective"] = effective;
        json status = json::object();
        if (auto sum = store::StatusRepo(c).summary(id))
            for (const auto& [state, n] : *sum) status[store::update_state_name(state)] = n;
        out["status"] = status;
        return out;
    });
    if (!shown) return error_response(shown.error(), shown.error().code == Errc::not_found ? "update" : "");
    return json_response(200, *shown);
}

net::HttpResponse approve_update(Call& call) {
    const std::string id = util::to_lower(call.params[0]);
    if (!util::is_guid(id)) return bad_argument("update", "'" + call.params[0] + "' is not an update id (a GUID)");
    if (call.ctx.replica)
        return error_response(ApiError{409, "this server is a replica: approvals come from its upstream server; "
                                            "change them there"});
    auto group = call.body_string("group");
    if (!group) return error_response(group.error(), "group");
    auto action_text = call.body_string("action", false);
    if (!action_text) return error_response(action_text.error(), "action");
    store::DeploymentAction action = store::DeploymentAction::install;
    if (action_text->empty() || *action_text == "install") action = store::DeploymentAction::install;
    else if (*action_text == "uninstall") action = store::DeploymentAction::uninstall;
    else if (*action_text == "not_approved" || *action_text == "notapproved") action = store::DeploymentAction::not_approved;
    else return bad_argument("action", "must be install, uninstall or not_approved");
    auto deadline_text = call.body_string("deadline", false);
    if (!deadline_text) return error_response(deadline_text.error(), "deadline");
    std::optional<store::TimePoint> deadline;
    if (!deadline_text->empty()) {
        auto t = util::parse_datetime(*deadline_text);
        if (!t) return bad_argument("deadline", "'" + *deadline_text + "' is not an ISO 8601 time (2026-12-01T18:00:00Z)");
        if (action == store::DeploymentAction::not_approved) return bad_argument("deadline", "only install and uninstall approvals have one");
        deadline = std::chrono::floor<std::chrono::milliseconds>(*t);
    }
    bool accept_eula = false;
    if (call.body.contains("accept_eula")) {
        if (!call.body["accept_eula"].is_boolean()) return bad_argument("accept_eula", "must be true or false");
        accept_eula = call.body["accept_eula"].get<bool>();
    }
    json detail{{"group", *group}, {"action", action_name(action)}, {"deadline", time_json(deadline)}};
    ApprovalOutcome outcome;
    auto done = audited(call, "approve", id, detail, [&](store::Connection& c) -> Result<void> {
        auto o = approve(c, {id, *group, action, deadline, accept_eula, call.actor}, now());
        if (!o) return std::unexpected(o.error());
        outcome = std::move(*o);
        detail["prerequisites"] = outcome.prerequisites;  // audited() serializes detail after the change
        if (outcome.eula_accepted) detail["eula_accepted"] = true;
        return {};
    });
    if (!done) return error_response(done.error(), done.error().code == Errc::not_found && done.error().message.starts_with("update") ? "update" : "");
    return json_response(200, {{"update", id}, {"group_id", outcome.group.id}, {"action", action_name(action)},
                               {"deadline", time_json(deadline)}, {"prerequisites_approved", outcome.prerequisites},
                               {"eula_accepted", outcome.eula_accepted}});
}

net::HttpResponse decline_update(Call& call, bool declined) {
    const std::string id = util::to_lower(call.params[0]);
    if (!util::is_guid(id)) return bad_argument("update", "'" + call.params[0] + "' is not an update id (a GUID)");
    if (call.ctx.replica)
        return error_response(ApiError{409, "this server is a replica: declines come from its upstream server"});
    int withdrawn = 0;
    json detail = json::object();
    auto done = audited(call, declined ? "decline" : "undecline", id, detail, [&](store::Connection& c) -> Result<void> {
        if (!declined) return store::RevisionRepo(c).set_declined(id, false);
        auto n = admin::decline_update(c, id, call.actor, now());  // WSUS: a decline withdraws every approval
        if (!n) return std::unexpected(n.error());
        withdrawn = *n;
        return {};
    });
    if (!done) return error_response(done.error(), done.error().code == Errc::not_found ? "update" : "");
    return json_response(200, {{"update", id}, {"declined", declined}, {"approvals_withdrawn", withdrawn}});
}

}  // namespace

void add_update_routes(std::vector<Route>& routes) {
    routes.push_back({"GET", "/api/v1/updates", list_updates});
    routes.push_back({"GET", "/api/v1/updates/{}", show_update});
    routes.push_back({"POST", "/api/v1/updates/{}/approve", approve_update});
    routes.push_back({"POST", "/api/v1/updates/{}/decline", [](Call& c) { return decline_update(c, true); }});
    routes.push_back({"POST", "/api/v1/updates/{}/undecline", [](Call& c) { return decline_update(c, false); }});
}

}  // namespace wsusd::admin
