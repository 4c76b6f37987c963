// Internal to src/sync: the state of one sync run shared by its steps, and the steps themselves (revision lists,
// replica deployments, content). sync_engine.cpp sequences them.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/sync_repo.h"
#include "sync/replica_apply.h"
#include "sync/sync_engine.h"
#include "sync/upstream_client.h"

namespace wsusd::sync::detail {

struct RunState {
    const SyncDeps& deps;
    const SyncOptions& options;
    UpstreamClient& client;
    ProgressBoard* progress = nullptr;
    ServerCookie cookie;
    std::function<UpstreamResult<ServerCookie>()> authorize;
    std::size_t batch_size = 100;
    store::SyncCounts counts;
    nlohmann::json details = nlohmann::json::object();
    std::unordered_map<std::string, std::string> category_types;  ///< categories fetched in this run: id → type

    bool cancelled() const { return deps.cancel && deps.cancel->load(); }
    void report(SyncPhase phase, std::size_t done, std::size_t total) {
        if (progress) progress->set(phase, done, total);
    }

    /// Calls `f(cookie)`; a cookie the upstream no longer accepts (InvalidCookie, InvalidAuthorizationCookie:
    /// §2.2.9.3 "restart the protocol") is renewed once and the call repeated.
    template <class F>
    auto call(F&& f) -> decltype(f(cookie)) {
        auto r = f(cookie);
        if (!r && (r.error().fault_code == "InvalidCookie" || r.error().fault_code == "InvalidAuthorizationCookie")) {
            auto c = authorize();
            if (!c) return std::unexpected(c.error());
            cookie = std::move(*c);
            r = f(cookie);
        }
        return r;
    }
};

Error to_error(const UpstreamError& e);

/// Fetches and stores the revisions of `list` that are not stored yet, in batches; writes `list.anchor` as `kind`
/// with the last batch. Updates the upstream no longer serves are listed in details["missing_updates"].
Result<void> import_revision_list(RunState& rs, const RevisionList& list, store::AnchorKind kind, SyncPhase phase);

using sync::ReplicaReport;

/// Mirrors the upstream's groups, approvals and declines into the store in one transaction with the new
/// deployments anchor (MS-WSUSSS §3.2.4.3).
Result<ReplicaReport> apply_deployments(store::Store& st, const DeploymentData& data, store::TimePoint now);

/// Downloads the files the content mode asks for; returns (files failed, first error).
std::pair<std::size_t, std::string> sync_content(RunState& rs, const UpstreamConfig& upstream);

store::TimePoint now_ms();

/// Rolls this server's reports up to the upstream (rollup_phase.cpp); returns the counts for the run's details.
Result<nlohmann::json> run_rollup(RunState& rs, const std::string& self_id, const std::string& self_name);

}  // namespace wsusd::sync::detail
