// One synchronization from the upstream server (MS-WSUSSS §3.2.4): authorization, configuration, categories,
// updates in batches of the upstream's maximum, and for a replica the target groups, approvals and declines.
// Each batch is stored in one transaction; anchors advance only after everything they cover is stored, so an
// interrupted sync resumes where the last completed step left off and clients never see half a batch.
#pragma once

#include <atomic>
#include <memory>

#include "config/config.h"
#include "store/store.h"
#include "store/sync_repo.h"
#include "wsusd/result.h"

namespace wsusd::sync {

struct SyncSummary {
    std::int64_t run_id = 0;
    store::SyncCounts counts;
    std::size_t categories = 0;   ///< category, classification and detectoid revisions stored
    std::size_t deployments = 0;  ///< replica: approvals applied (new or changed)
};

/// Runs one synchronization and records it in the sync history (also when it fails). Only one runs at a time per
/// process: a second caller gets Errc::conflict.
Result<SyncSummary> synchronize(store::Store& store, const config::SyncConfig& config);

/// True while synchronize() runs in this process.
bool sync_running();

}  // namespace wsusd::sync
