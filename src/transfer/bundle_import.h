// Importing a verified bundle on the disconnected server. Replay and gap checks per exporter key first; then one
// write transaction per part, holding the part's documents, (last part) groups and approvals, and the part's
// "committed" mark, so a rerun after an interruption continues with the next part. Content files of a part are
// placed in the content store (hash-verified) before that transaction. Groups and approvals are applied only on a
// replica (sync.replica = true), through the same code a sync uses; an autonomous server keeps its own.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "content/content_store.h"
#include "metadata/parse_document.h"
#include "store/store.h"
#include "store/sync_repo.h"
#include "transfer/bundle_reader.h"

namespace wsusd::transfer {

struct PartProgress {
    int part = 0, total = 0;
    int revisions = 0, files = 0;
    bool skipped = false;  ///< committed by an earlier run
};

struct ImportOptions {
    bool replica = false;
    std::filesystem::path staging;  ///< chunks of files split across parts wait here
    metadata::ParseLimits parse_limits;
    std::uint64_t max_record_bytes = 64ull << 20;
    int max_parts = 0;  ///< commit at most this many parts in this run (0: all); a later run continues
    std::function<void(const PartProgress&)> progress;
};

struct ImportReport {
    std::string bundle_id, key_id;
    std::int64_t sequence = 0;
    bool incremental = false;
    int parts_total = 0, parts_before = 0, parts_imported = 0;
    bool complete = false;
    store::SyncCounts counts;  ///< new, revised, expired, declined
    std::int64_t unchanged = 0;  ///< documents this server already held
    std::int64_t files = 0, file_bytes = 0;
    nlohmann::json deployments = nlohmann::json::object();  ///< what the groups/approvals step did
    std::int64_t run_id = 0;
    nlohmann::json to_json() const;
};

/// Errc::conflict for a replayed, out-of-order or gapped bundle, naming both sequences.
Result<ImportReport> import_bundle(store::Store& store, content::ContentStore* content, const VerifiedBundle& bundle,
                                   const ImportOptions& options);

}  // namespace wsusd::transfer
