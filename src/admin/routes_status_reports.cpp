// /api/v1/reports/updates (per update: computers per state, overall or in one group) and /api/v1/reports/failures
// (failed installations with their error codes): what a CMDB or patch-management tool pulls. Both page by key and
// stay bounded: one indexed aggregate per update of the page, one index range per page of failures.
#include <cstdio>

#include "admin/routes.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/status_repo.h"
#include "store/update_query.h"
#include "util/ascii.h"

namespace wsusd::admin {

namespace {

using nlohmann::json;

constexpr const char* kAllComputers = "a0a08746-4dbe-4a37-9adf-9e7652c0b421";

// As WSUS shows Windows Update error codes: 0x8024xxxx.
std::string hresult_hex(std::int32_t hr) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<std::uint32_t>(hr));
    return buf;
}


net::HttpResponse update_report(Call& call) {
    store::UpdateFilter f;
    f.text = call.arg("text");
    f.classification = call.arg("classification");
    f.product = call.arg("product");
    f.after_update_id = util::to_lower(call.arg("after"));
    const std::string approval = call.arg("approval");
    // WSUS's update status report covers approved updates unless asked otherwise.
    if (approval.empty() || approval == "approved") f.approval = store::ApprovalFilter::approved;
    else if (approval == "any") f.approval = store::ApprovalFilter::any;
    else if (approval == "unapproved") f.approval = store::ApprovalFilter::unapproved;
    else if (approval == "declined") f.approval = store::ApprovalFilter::declined;
    else return bad_argument("approval", "must be approved, any, unapproved or declined");
    auto limit = call.limit();
    if (!limit) return error_response(limit.error(), "limit");
    f.limit = *limit;
    const std::string group_arg = call.arg("group");
    auto report = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        std::optional<store::Group> group;
        if (!group_arg.empty()) {
            auto g = resolve_group(c, group_arg);
            if (!g) return std::unexpected(g.error());
            if (g->id != kAllComputers) group = *g;
        }
        store::StatusRepo status(c);
        auto computers = status.computer_count(group ? std::optional<std::string_view>(group->id) : std::nullopt);
        if (!computers) return std::unexpected(computers.error());
        auto found = store::UpdateQuery(c).search(f);
        if (!found) return std::unexpected(found.error());
        json rows = json::array();
        for (const auto& u : *found) {
            const auto& r = u.revision;
            auto counts = group ? status.summary_in_group(r.update_id, group->id) : status.summary(r.update_id);
            if (!counts) return std::unexpected(counts.error());
            json states = json::object();
            std::int64_t reported = 0;
            for (const auto& [state, n] : *counts) {
                states[store::update_state_name(state)] = n;
                reported += n;
            }
            // Computers without a state for the update: WSUS's "no status".
            if (*computers > reported) states["unknown"] = states.value("unknown", std::int64_t{0}) + (*computers - reported);
            rows.push_back({{"id", r.update_id},
                            {"title", r.title},
                            {"kb", r.kb ? json("KB" + *r.kb) : json(nullptr)},
                            {"classification", u.classification_title},
                            {"approvals", u.approvals},
                            {"states", states}});
        }
        json next = found->size() == static_cast<std::size_t>(f.limit) ? json(found->back().revision.update_id)
                                                                        : json(nullptr);
        return json{{"group", group ? json(group->name) : json("All Computers")},
                    {"computers", *computers},
                    {"updates", rows},
                    {"next", next}};
    });
    if (!report) return error_response(report.error(), report.error().code == Errc::not_found ? "group" : "");
    return json_response(200, *report);
}

net::HttpResponse failure_report(Call& call) {
    auto limit = call.limit();
    if (!limit) return error_response(limit.error(), "limit");
    // Paging key "<computer row id>/<update id>" as the previous answer's "next" gave it.
    store::ComputerId after_computer = 0;
    std::string after_update;
    if (auto a = call.arg("after"); !a.empty()) {
        auto slash = a.find('/');
        try {
            after_computer = std::stoll(a.substr(0, slash));
        } catch (...) {
            return bad_argument("after", "must be the \"next\" value of the previous page");
        }
        if (slash != std::string::npos) after_update = util::to_lower(a.substr(slash + 1));
    }
    auto report = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        auto failed = store::StatusRepo(c).failures(after_computer, after_update, *limit);
        if (!failed) return std::unexpected(failed.error());
        store::RevisionRepo revs(c);
        json rows = json::array();
        for (const auto& f : *failed) {
            auto r = revs.latest(f.update_id);
            rows.push_back({{"computer", f.client_id},
                            {"name", f.dns_name},
                            {"update", f.update_id},
                            {"title", r ? json(r->title) : json(nullptr)},
                            {"kb", r && r->kb ? json("KB" + *r->kb) : json(nullptr)},
                            {"error_code", hresult_hex(f.win32_hresult)},
                            {"at", time_json(f.event_time)}});
        }
        json next = failed->size() == static_cast<std::size_t>(*limit)
                        ? json(std::to_string(failed->back().computer) + "/" + failed->back().update_id)
                        : json(nullptr);
        return json{{"failures", rows}, {"next", next}};
    });
    if (!report) return error_response(report.error());
    return json_response(200, *report);
}

}  // namespace

void add_status_report_routes(std::vector<Route>& routes) {
    routes.push_back({"GET", "/api/v1/reports/updates", update_report});
    routes.push_back({"GET", "/api/v1/reports/failures", failure_report});
}

}  // namespace wsusd::admin
