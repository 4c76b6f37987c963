// Wiring of the downstream role into the daemon and the command line: config → engine options and transport, the
// scheduler, the minimal /sync admin route, and `wsusd sync now|history`.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

#include "config/config.h"
#include "net/router.h"
#include "store/sync_repo.h"
#include "sync/scheduler.h"

namespace wsusd::store {
class Store;
}
namespace wsusd::content {
class ContentStore;
}

namespace wsusd::app {

/// The scheduler of a daemon whose sync.upstream_url is set (nullptr otherwise). Errors name the config key.
/// `after_run` (optional) is called on the scheduler thread after each run (the maintenance timer's trigger).
Result<std::unique_ptr<sync::SyncScheduler>> make_sync_scheduler(const config::Config& cfg,
                                                                 std::shared_ptr<store::Store> db,
                                                                 std::shared_ptr<content::ContentStore> content,
                                                                 std::function<void()> after_run = {});

/// GET /sync (status), POST /sync (start now), POST /sync/cancel on the admin listener; bearer token as the admin
/// API. Minimal on purpose: the admin REST API owns the rest. `scheduler` may be null (sync not configured).
void add_sync_routes(net::Router& router, std::shared_ptr<store::Store> db, sync::SyncScheduler* scheduler);

/// The content step's live counters as JSON (files and bytes done/total, current rate, transfers in flight).
nlohmann::json content_progress_json(const sync::ContentProgress& c);
/// The run in progress (phase, items, content counters) and the next start: GET /api/v1/sync's "current".
nlohmann::json live_sync_json(const sync::SyncScheduler& scheduler);

/// `wsusd sync now`: asks the running daemon (through /sync) or, when none runs, synchronizes in this process.
int sync_now(const config::Config& cfg, bool wait);
/// Sync runs as `wsusd sync history` prints them (also used by `wsusd diagnose`).
nlohmann::json sync_runs_json(const std::vector<store::SyncRun>& runs);
/// `wsusd sync history`: the last runs, newest first.
int sync_history(const config::Config& cfg, int limit);

}  // namespace wsusd::app
