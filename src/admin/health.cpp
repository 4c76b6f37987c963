#include "admin/health.h"

#include <array>
#include <filesystem>
#include <sstream>

#include "admin/routes.h"
#include "admin/server_settings.h"
#include "content/content_catalog.h"
#include "store/maintenance_repo.h"
#include "store/revision_repo.h"
#include "store/sync_repo.h"

namespace wsusd::admin {

namespace {

using nlohmann::json;

std::uint64_t store_bytes(const AdminContext& ctx) {
    std::error_code ec;
    std::uint64_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        auto n = std::filesystem::file_size(ctx.db->path().string() + suffix, ec);
        if (!ec) total += n;
    }
    return total;
}

}  // namespace

Result<json> health_report(const AdminContext& ctx) {
    json problems = json::array();
    json out;
    const auto now = std::chrono::floor<std::chrono::milliseconds>(ctx.clock());
    auto facts = ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        json f;
        auto settings = load_settings(c, ctx.file_config);
        if (!settings) return std::unexpected(settings.error());
        const auto silent_days = integer(*settings, "health.silent_client_days");
        store::MaintenanceRepo q(c);
        auto computers = q.count_computers();
        if (!computers) return std::unexpected(computers.error());
        auto silent = q.count_silent_computers(now - std::chrono::days(silent_days));
        if (!silent) return std::unexpected(silent.error());
        auto approvals = q.count_approvals();
        if (!approvals) return std::unexpected(approvals.error());
        auto updates = store::RevisionRepo(c).count_latest();
        if (!updates) return std::unexpected(updates.error());
        f["computers"] = {{"total", *computers}, {"silent", *silent}, {"silent_days", silent_days}};
        f["catalog"] = {{"updates", *updates}, {"approvals", *approvals}};
        auto runs = store::SyncRepo(c).recent_runs(1);
        if (!runs) return std::unexpected(runs.error());
        if (runs->empty()) {
            f["last_sync"] = nullptr;
        } else {
            const auto& r = runs->front();
            f["last_sync"] = {{"started", time_json(r.started_at)}, {"finished", time_json(r.finished_at)},
                              {"result", sync_result_name(r.result)}, {"error", r.error}};
        }
        return f;
    });
    if (!facts) {
        out["store"] = {{"ok", false}, {"error", facts.error().message}};
        problems.push_back("store: " + facts.error().message);
    } else {
        out.update(*facts);
        out["store"] = {{"ok", true}, {"schema", ctx.db->schema_version()}, {"bytes", store_bytes(ctx)}};
        if ((*facts)["computers"]["silent"].get<std::int64_t>() > 0)
            problems.push_back(std::to_string((*facts)["computers"]["silent"].get<std::int64_t>()) +
                               " computers have not contacted the server for " +
                               std::to_string((*facts)["computers"]["silent_days"].get<std::int64_t>()) + " days");
        const auto& last = (*facts)["last_sync"];
        if (last.is_object() && last["result"] == "failed")
            problems.push_back("the last synchronization failed: " + last["error"].get<std::string>());
    }
    std::error_code ec;
    auto space = std::filesystem::space(ctx.data_dir, ec);
    if (ec) {
        out["disk"] = {{"path", ctx.data_dir.string()}, {"error", ec.message()}};
        problems.push_back("disk: cannot measure " + ctx.data_dir.string() + ": " + ec.message());
    } else {
        out["disk"] = {{"path", ctx.data_dir.string()}, {"free_bytes", space.available}, {"total_bytes", space.capacity}};
        if (space.capacity > 0 && space.available < space.capacity / 20)
            problems.push_back("disk: less than 5% free in " + ctx.data_dir.string());
    }
    if (ctx.content) {
        auto cs = content::content_status(*ctx.content, *ctx.db, {});
        if (!cs) {
            out["content"] = {{"error", cs.error().message}};
            problems.push_back("content: " + cs.error().message);
        } else {
            out["content"] = {{"files", cs->files}, {"present", cs->present}, {"missing", cs->missing},
                              {"partial", cs->partial}, {"corrupt", cs->corrupt}};
            if (cs->corrupt > 0)
                problems.push_back(std::to_string(cs->corrupt) + " content files are corrupt (`wsusd content import`)");
        }
    }
    out["status"] = problems.empty() ? "ok" : "degraded";
    out["problems"] = problems;
    out["version"] = WSUSD_VERSION;
    return out;
}

std::string metrics_gauges(const AdminContext& ctx) {
    std::ostringstream o;
    auto gauge = [&](const char* name, const char* help, double v) {
        o << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << " " << v << "\n";
    };
    gauge("wsusd_store_bytes", "Size of the store (database and WAL).", static_cast<double>(store_bytes(ctx)));
    auto facts = ctx.db->with_reader([&](store::Connection& c) -> Result<std::array<double, 5>> {
        store::MaintenanceRepo q(c);
        auto computers = q.count_computers();
        auto approvals = q.count_approvals();
        auto updates = store::RevisionRepo(c).count_latest();
        auto runs = store::SyncRepo(c).recent_runs(1);
        if (!computers || !approvals || !updates || !runs) return fail(Errc::store, "metrics: store unreadable");
        double running = 0, last_ok = 0;
        if (!runs->empty()) {
            running = runs->front().result == store::SyncResult::running;
            last_ok = runs->front().result == store::SyncResult::succeeded;
        }
        return std::array<double, 5>{static_cast<double>(*computers), static_cast<double>(*approvals),
                                     static_cast<double>(*updates), running, last_ok};
    });
    gauge("wsusd_store_up", "1 when the store answers.", facts ? 1 : 0);
    if (facts) {
        gauge("wsusd_computers", "Computers registered.", (*facts)[0]);
        gauge("wsusd_approvals", "Install and uninstall approvals.", (*facts)[1]);
        gauge("wsusd_updates", "Updates in the catalog (latest revisions).", (*facts)[2]);
        gauge("wsusd_sync_running", "1 while a synchronization runs.", (*facts)[3]);
        gauge("wsusd_sync_last_succeeded", "1 when the last synchronization succeeded.", (*facts)[4]);
    }
    return o.str();
}

}  // namespace wsusd::admin
