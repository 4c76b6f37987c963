// Report rollup (MS-WSUSSS §3.2.4.5), run after a successful sync: this server and the servers below it, then the
// computers whose row changed since the upstream acknowledged them, then the update states that changed since
// the last acknowledged status rollup. Every acknowledged batch is recorded in its own transaction
// (RollupSendRepo), so a repeated rollup sends nothing new and an interrupted one continues after the last
// acknowledged batch; the upstream applies each item idempotently, so a batch sent twice changes nothing.
#include <algorithm>
#include <cstdio>

#include "store/rollup_send_repo.h"
#include "sync/rollup_client.h"
#include "sync/sync_steps.h"
#include "util/log.h"

namespace wsusd::sync::detail {

namespace {

// Version of this server as MS-WSUSSS wants it: one to four integers separated by dots.
std::string numeric_version() {
    std::string v;
    for (char c : std::string(WSUSD_VERSION)) {
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') v += c;
        else break;
    }
    while (!v.empty() && v.back() == '.') v.pop_back();
    return v.empty() ? "0" : v;
}

}  // namespace

Result<nlohmann::json> run_rollup(RunState& rs, const std::string& self_id, const std::string& self_name) {
    auto log = log::sync();
    store::Store& st = *rs.deps.store;
    const std::string& upstream = rs.options.upstream_url;
    RollupClient client(*rs.deps.http, upstream, rs.deps.retry, rs.deps.sleep);
    nlohmann::json report{{"servers", 0}, {"computers", 0}, {"status", 0}, {"full", 0}, {"out_of_sync", 0},
                          {"excluded", 0}, {"requests", 0}};
    auto up = [](const UpstreamError& e) { return Error{e.code, "rollup: " + e.message}; };
    auto cancelled = [&]() -> Result<nlohmann::json> { return fail(Errc::conflict, "cancelled"); };
    rs.report(SyncPhase::rollup, 0, 0);
    // §3.2.4.5: only with an upstream speaking protocol 1.3 or later.
    if (auto v = rs.details.find("upstream"); v != rs.details.end()) {
        const std::string pv = v->value("protocol_version", "");
        int major = 0, minor = 0;
        if (std::sscanf(pv.c_str(), "%d.%d", &major, &minor) == 2 && (major < 1 || (major == 1 && minor < 3)))
            return nlohmann::json{{"skipped", "upstream protocol " + pv + " predates rollup (1.3)"}};
    }

    // 1. The upstream's rollup configuration; a new RollupResetGuid or ServerId means everything goes up again.
    auto cfg = rs.call([&](const ServerCookie& c) { return client.configuration(c); });
    if (!cfg) return std::unexpected(up(cfg.error()));
    report["requests"] = 1;
    auto forgot = st.with_writer([&](store::Connection& c) {
        return store::RollupSendRepo(c).set_upstream(upstream, cfg->reset_guid, cfg->server_id);
    });
    if (!forgot) return std::unexpected(forgot.error());
    if (*forgot) log->info("rollup: the upstream asks for a full rollup (new RollupResetGuid or ServerId)");

    // 2. This server and the servers below it, parents before children.
    const auto now = now_ms();
    auto servers = st.with_reader([&](store::Connection& c) -> Result<std::vector<RollupServerInfo>> {
        store::RollupSendRepo repo(c);
        auto summary = repo.summary();
        if (!summary) return std::unexpected(summary.error());
        auto tree = repo.downstream_tree();
        if (!tree) return std::unexpected(tree.error());
        auto last = store::SyncRepo(c).recent_runs(1);
        std::vector<RollupServerInfo> out;
        for (const auto& d : *tree) {
            nlohmann::json s = nlohmann::json::parse(d.summary, nullptr, false);
            out.push_back({d.id, d.name, d.version, d.parent_id.empty() ? self_id : d.parent_id, d.replica,
                           d.last_sync_at, d.last_rollup_at.value_or(now),
                           s.is_object() ? s : nlohmann::json::object()});
        }
        // The spec puts this server last; each request keeps that order.
        RollupServerInfo self{self_id, self_name, numeric_version(), "", rs.options.replica, now, now,
                              summary_json(*summary)};
        if (last && !last->empty()) self.last_sync_at = last->front().started_at;
        out.push_back(std::move(self));
        return out;
    });
    if (!servers) return std::unexpected(servers.error());
    for (std::size_t i = 0; i < servers->size(); i += 100) {
        std::span<const RollupServerInfo> part(servers->data() + i, std::min<std::size_t>(100, servers->size() - i));
        auto r = rs.call([&](const ServerCookie& c) { return client.downstream_servers(c, part); });
        if (!r) return std::unexpected(up(r.error()));
        report["requests"] = report["requests"].get<int>() + 1;
    }
    report["servers"] = servers->size();
    if (!cfg->detailed) {
        log->info("rollup: the upstream takes no computer details (DoDetailedRollup false)");
    } else {
        const int cap = rs.options.rollup_max_per_request > 0 ? static_cast<int>(rs.options.rollup_max_per_request)
                                                              : std::numeric_limits<int>::max();
        // 3. Computers whose row changed since acknowledged.
        const int computer_batch = std::min(cfg->max_computers, cap);
        store::ComputerId after = 0;
        for (;;) {
            if (rs.cancelled()) return cancelled();
            auto page = st.with_reader([&](store::Connection& c) {
                return store::RollupSendRepo(c).pending_computers(upstream, after, computer_batch);
            });
            if (!page) return std::unexpected(page.error());
            if (page->empty()) break;
            after = page->back().computer.id;
            auto deleted = rs.call([&](const ServerCookie& c) { return client.computers(c, *page, self_id); });
            if (!deleted) return std::unexpected(up(deleted.error()));
            report["requests"] = report["requests"].get<int>() + 1;
            auto acked = st.with_writer([&](store::Connection& c) -> Result<void> {
                store::RollupSendRepo repo(c);
                for (const auto& p : *page)
                    if (auto r = repo.ack_computer(upstream, p.computer.id, p.marker); !r) return r;
                for (const auto& id : *deleted)
                    if (auto r = repo.exclude(upstream, id); !r) return r;
                return {};
            });
            if (!acked) return std::unexpected(acked.error());
            report["computers"] = report["computers"].get<int>() + static_cast<int>(page->size());
            report["excluded"] = report["excluded"].get<int>() + static_cast<int>(deleted->size());
        }
        // 4. Update states changed since the last acknowledged status rollup, per computer.
        const int status_batch = std::min(cfg->max_status, cap);
        after = 0;
        for (;;) {
            if (rs.cancelled()) return cancelled();
            auto page = st.with_reader([&](store::Connection& c) {
                return store::RollupSendRepo(c).pending_status(upstream, after, status_batch);
            });
            if (!page) return std::unexpected(page.error());
            if (page->empty()) break;
            after = page->back().id;
            // Computers the upstream holds under another rollup number get a full rollup (§3.1.4.16).
            std::vector<std::pair<std::string, int>> numbers;
            for (const auto& p : *page)
                if (p.rollup_number > 0 && p.through) numbers.emplace_back(p.client_id, p.rollup_number);
            for (std::size_t i = 0; i < numbers.size(); i += static_cast<std::size_t>(cfg->max_out_of_sync)) {
                std::span<const std::pair<std::string, int>> part(
                    numbers.data() + i, std::min<std::size_t>(cfg->max_out_of_sync, numbers.size() - i));
                auto stale = rs.call([&](const ServerCookie& c) { return client.out_of_sync(c, self_id, part); });
                if (!stale) return std::unexpected(up(stale.error()));
                report["requests"] = report["requests"].get<int>() + 1;
                report["out_of_sync"] = report["out_of_sync"].get<int>() + static_cast<int>(stale->size());
                for (auto& p : *page)
                    if (std::find(stale->begin(), stale->end(), p.client_id) != stale->end()) p.through.reset();
            }
            std::vector<RollupStatusInfo> infos;
            std::vector<store::TimePoint> through;
            for (const auto& p : *page) {
                auto states = st.with_reader(
                    [&](store::Connection& c) { return store::RollupSendRepo(c).states_since(p.id, p.through); });
                if (!states) return std::unexpected(states.error());
                store::TimePoint newest = p.through.value_or(store::TimePoint{});
                for (const auto& s : *states) newest = std::max(newest, s.changed_at);
                through.push_back(newest);
                infos.push_back({p.client_id, p.rollup_number + 1, !p.through, p.effective_detection, std::move(*states)});
                if (infos.back().full) report["full"] = report["full"].get<int>() + 1;
            }
            auto taken = rs.call([&](const ServerCookie& c) { return client.computer_status(c, self_id, infos); });
            if (!taken) return std::unexpected(up(taken.error()));
            report["requests"] = report["requests"].get<int>() + 1;
            if (!*taken)
                return fail(Errc::io, "rollup: the upstream is too busy to take update states "
                                      "(RollupComputerStatus false); the next rollup sends them");
            auto acked = st.with_writer([&](store::Connection& c) -> Result<void> {
                store::RollupSendRepo repo(c);
                for (std::size_t i = 0; i < page->size(); ++i)
                    if (auto r = repo.ack_status(upstream, (*page)[i].id, through[i], infos[i].rollup_number); !r)
                        return r;
                return {};
            });
            if (!acked) return std::unexpected(acked.error());
            report["status"] = report["status"].get<int>() + static_cast<int>(page->size());
            rs.report(SyncPhase::rollup, report["status"].get<std::size_t>(), 0);
        }
    }
    auto fin = st.with_writer([&](store::Connection& c) { return store::RollupSendRepo(c).finish(upstream, now_ms()); });
    if (!fin) return std::unexpected(fin.error());
    log->info("rollup to {}: {} server(s), {} computer(s), status of {} computer(s) ({} full), {} request(s)", upstream,
              report["servers"].get<int>(), report["computers"].get<int>(), report["status"].get<int>(),
              report["full"].get<int>(), report["requests"].get<int>());
    return report;
}

}  // namespace wsusd::sync::detail
