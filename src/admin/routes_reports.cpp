// /api/v1/server (what this server is and holds), /api/v1/reports/computers (per-computer update states, with
// "has not reported in N days"), /api/v1/audit (who changed what) and /api/v1/tokens (names, never secrets).
#include "admin/routes.h"
#include "store/admin_repo.h"
#include "store/computer_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/status_repo.h"
#include "store/sync_repo.h"

namespace wsusd::admin {

const char* sync_result_name(store::SyncResult r) {
    switch (r) {
        case store::SyncResult::running: return "running";
        case store::SyncResult::succeeded: return "succeeded";
        case store::SyncResult::failed: return "failed";
        case store::SyncResult::cancelled: return "cancelled";
    }
    return "unknown";
}


namespace {

using nlohmann::json;

net::HttpResponse server_info(Call& call) {
    auto info = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        auto updates = store::RevisionRepo(c).count_latest();
        if (!updates) return std::unexpected(updates.error());
        auto computers = store::ComputerRepo(c).count();
        if (!computers) return std::unexpected(computers.error());
        auto groups = store::GroupRepo(c).list();
        if (!groups) return std::unexpected(groups.error());
        return json{{"version", WSUSD_VERSION}, {"replica", call.ctx.replica},
                    {"targeting", call.ctx.client_targeting ? "client" : "server"},
                    {"schema", call.ctx.db->schema_version()}, {"updates", *updates}, {"computers", *computers},
                    {"groups", groups->size()}};
    });
    if (!info) return error_response(info.error());
    return json_response(200, *info);
}

net::HttpResponse computer_report(Call& call) {
    auto limit = call.limit();
    if (!limit) return error_response(limit.error(), "limit");
    int stale_days = -1;
    if (auto d = call.arg("stale_days"); !d.empty()) {
        try {
            stale_days = std::stoi(d);
        } catch (...) {
            stale_days = -2;
        }
        if (stale_days < 0) return bad_argument("stale_days", "must be a number of days (0 or more)");
    }
    const auto cutoff = now() - std::chrono::days(std::max(0, stale_days));
    auto report = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        store::ComputerRepo computers(c);
        store::StatusRepo status(c);
        json rows = json::array();
        store::ComputerId after = 0;
        // Walks every computer a page at a time, with one aggregate query for the page's state counts; the answer
        // holds at most `limit` rows.
        while (rows.size() < static_cast<std::size_t>(*limit)) {
            auto page = computers.list(after, 500);
            if (!page) return std::unexpected(page.error());
            if (page->empty()) break;
            after = page->back().id;
            auto counts = status.state_counts(page->front().id, page->back().id);
            if (!counts) return std::unexpected(counts.error());
            for (const auto& m : *page) {
                auto last_seen = m.last_report_at ? m.last_report_at : m.last_sync_at;
                if (stale_days >= 0 && last_seen && *last_seen >= cutoff) continue;
                json states = json::object();
                if (auto it = counts->find(m.id); it != counts->end())
                    for (const auto& [state, n] : it->second) states[store::update_state_name(state)] = n;
                json row{{"id", m.info.client_id}, {"name", m.info.dns_name},
                         {"last_sync", time_json(m.last_sync_at)}, {"last_report", time_json(m.last_report_at)},
                         {"states", states}};
                add_reported_through(c, m, row);
                rows.push_back(std::move(row));
                if (rows.size() == static_cast<std::size_t>(*limit)) break;
            }
        }
        return json{{"computers", rows}};
    });
    if (!report) return error_response(report.error());
    return json_response(200, *report);
}

net::HttpResponse audit_log(Call& call) {
    auto limit = call.limit();
    if (!limit) return error_response(limit.error(), "limit");
    std::int64_t before = 0;
    if (auto b = call.arg("before"); !b.empty()) {
        try {
            before = std::stoll(b);
        } catch (...) {
            return bad_argument("before", "must be an audit entry id");
        }
    }
    auto entries = call.ctx.db->with_reader(
        [&](store::Connection& c) { return store::AdminRepo(c).audit_entries(before, *limit); });
    if (!entries) return error_response(entries.error());
    json rows = json::array();
    for (const auto& e : *entries) {
        json detail = json::parse(e.detail, nullptr, false);
        rows.push_back({{"id", e.id}, {"at", time_json(e.at)}, {"actor", e.actor}, {"action", e.action},
                        {"target", e.target}, {"detail", detail.is_discarded() ? json(e.detail) : detail}});
    }
    return json_response(200, {{"entries", rows}});
}

net::HttpResponse token_list(Call& call) {
    auto tokens = call.ctx.db->with_reader([](store::Connection& c) { return store::AdminRepo(c).tokens(); });
    if (!tokens) return error_response(tokens.error());
    json rows = json::array();
    for (const auto& t : *tokens)
        rows.push_back({{"name", t.name}, {"created", time_json(t.created_at)}, {"last_used", time_json(t.last_used_at)}});
    return json_response(200, {{"tokens", rows}});
}

json details_json(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

net::HttpResponse sync_history(Call& call) {
    auto limit = call.limit();
    if (!limit) return error_response(limit.error(), "limit");
    auto runs = call.ctx.db->with_reader([&](store::Connection& c) { return store::SyncRepo(c).recent_runs(*limit); });
    if (!runs) return error_response(runs.error());
    json rows = json::array();
    for (const auto& r : *runs) {
        // A rollup-only run says so in its details; its rollup counts (or error) are shown for both kinds.
        json details = details_json(r.details);
        const bool is_object = details.is_object();
        json row{{"id", r.id},
                 {"kind", is_object ? details.value("kind", "sync") : std::string("sync")},
                 {"started", time_json(r.started_at)},
                 {"finished", time_json(r.finished_at)},
                 {"result", sync_result_name(r.result)},
                 {"new", r.counts.new_updates},
                 {"revised", r.counts.revised},
                 {"started_by", r.started_by},
                 {"upstream", r.upstream},
                 {"error", r.error},
                 {"details", details}};
        if (is_object && details.contains("rollup")) row["rollup"] = details["rollup"];
        rows.push_back(std::move(row));
    }
    json out{{"runs", rows}};
    // Live progress of the run in progress (the content step's files, bytes and rate included).
    if (call.ctx.sync_progress) out["current"] = call.ctx.sync_progress();
    return json_response(200, out);
}

net::HttpResponse sync_start(Call& call) {
    if (!call.ctx.start_sync) return error_response(ApiError{409, "synchronization is not available on this server"});
    auto r = call.ctx.start_sync();
    if (!r) return error_response(r.error());
    if (auto a = audited(call, "sync.start", "upstream", json::object(), [](store::Connection&) -> Result<void> { return {}; }); !a)
        return error_response(a.error());
    return json_response(202, {{"started", true}, {"status", "see GET /api/v1/sync"}});
}

// Report rollup to the upstream now, without a sync (between scheduled syncs).
net::HttpResponse rollup_start(Call& call) {
    if (!call.ctx.start_rollup) return error_response(ApiError{409, "this server has no upstream to roll up to"});
    auto r = call.ctx.start_rollup();
    if (!r) return error_response(r.error());
    if (auto a = audited(call, "sync.rollup", "upstream", json::object(), [](store::Connection&) -> Result<void> { return {}; }); !a)
        return error_response(a.error());
    return json_response(202, {{"started", true}, {"status", "see GET /api/v1/sync"}});
}

// The downstream server registry (USS role): who synchronizes from this server, as which mode, last seen when.
net::HttpResponse downstream_servers(Call& call) {
    auto servers = call.ctx.db->with_reader([](store::Connection& c) { return store::SyncRepo(c).downstream_servers(); });
    if (!servers) return error_response(servers.error());
    json rows = json::array();
    for (const auto& d : *servers)
        rows.push_back({{"id", d.id}, {"name", d.name}, {"protocol", d.version},
                        {"mode", d.mode == store::DownstreamMode::replica ? "replica" : "autonomous"},
                        {"first_seen", time_json(d.created_at)}, {"last_contact", time_json(d.last_contact_at)}});
    return json_response(200, {{"downstream_servers", rows}});
}

}  // namespace

void add_report_routes(std::vector<Route>& routes) {
    routes.push_back({"GET", "/api/v1/server", server_info});
    routes.push_back({"GET", "/api/v1/reports/computers", computer_report});
    routes.push_back({"GET", "/api/v1/audit", audit_log});
    routes.push_back({"GET", "/api/v1/tokens", token_list});
    routes.push_back({"GET", "/api/v1/sync", sync_history});
    routes.push_back({"GET", "/api/v1/downstream", downstream_servers});
    routes.push_back({"POST", "/api/v1/sync", sync_start});
    routes.push_back({"POST", "/api/v1/sync/rollup", rollup_start});
}

}  // namespace wsusd::admin
