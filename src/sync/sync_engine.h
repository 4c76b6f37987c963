// The sync engine: one synchronization with the upstream server, MS-WSUSSS §3.2.4 — authorization (GetAuthConfig,
// DssAuth GetAuthorizationCookie, GetCookie), configuration (GetConfigData; categories, classifications and
// detectoids through GetRevisionIdList with GetConfig), updates (GetRevisionIdList with the stored anchor and the
// product/classification/language filter, GetUpdateData in batches of the upstream's maximum), deployments for a
// replica (GetDeployments: groups, approvals, declines), then content per the content mode.
//
// Atomicity: each batch is one store transaction, holding only revisions whose prerequisites and bundle members are
// already stored or in the same batch (DependencyGate); the anchor of a list is written in the transaction of its
// last batch. A sync killed at any point resumes from the stored anchor, skipping what the committed batches hold.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "content/content_store.h"
#include "metadata/parse_document.h"
#include "store/store.h"
#include "store/sync_repo.h"
#include "sync/http_transport.h"
#include "sync/retry.h"

namespace wsusd::sync {

enum class ContentMode { none, upstream, microsoft };

struct SyncOptions {
    std::string upstream_url;
    bool replica = false;
    std::string account_name;  ///< empty: the host name
    std::string account_guid;  ///< empty: generated once and kept in the store
    std::vector<std::string> products;         ///< empty: every product the upstream has
    std::vector<std::string> classifications;  ///< empty: every classification the upstream has
    std::vector<std::string> languages;        ///< empty: all
    bool drivers = false;
    ContentMode content = ContentMode::upstream;
    bool content_approved_only = false;
    unsigned parallel_downloads = 1;       ///< files downloaded at once (content.parallel_downloads)
    std::uint64_t max_bandwidth = 0;       ///< bytes/s for all downloads together; 0 = unlimited
    unsigned max_updates_per_request = 0;  ///< 0: the upstream's maximum
    bool rollup = true;                    ///< report rollup after a successful sync (§3.2.4.5)
    unsigned rollup_max_per_request = 0;   ///< computers per rollup request; 0: the upstream's maximum
    bool rollup_only = false;              ///< this run only rolls up reports (no metadata, deployments or content)
    metadata::ParseLimits parse_limits;
};

enum class SyncPhase { idle, authorizing, configuration, updates, deployments, content, rollup };
const char* phase_name(SyncPhase p);

/// Files and bytes of the content step, as the administrator sees them while it runs.
struct ContentProgress {
    std::size_t files_done = 0, files_total = 0, files_failed = 0;
    std::uint64_t bytes_done = 0, bytes_total = 0;  ///< of the files to download (a resumed file counts whole)
    std::uint64_t bytes_per_second = 0;             ///< received over the last few seconds
    unsigned active = 0;                            ///< transfers in flight
};

/// Live progress of the run in progress, readable from other threads; the content counters are fed by the
/// download threads.
class ProgressBoard {
  public:
    struct Snapshot {
        SyncPhase phase = SyncPhase::idle;
        std::int64_t run_id = 0;
        std::size_t done = 0, total = 0;
        std::string started_by;
        std::chrono::system_clock::time_point started_at;
        std::optional<ContentProgress> content;  ///< set once the content step has begun
    };
    void begin(std::int64_t run_id, std::string started_by);
    void set(SyncPhase phase, std::size_t done, std::size_t total);
    void content_begin(std::size_t files, std::uint64_t bytes);
    void content_started_file();
    void content_bytes(std::uint64_t n);
    /// A file is finished; `unreceived` bytes of its size were not counted by content_bytes (already on disk as a
    /// partial, or never arriving because it failed) and are added so that done reaches total.
    void content_file_done(bool failed, std::uint64_t unreceived);
    void end();
    Snapshot snapshot() const;

  private:
    using Clock = std::chrono::steady_clock;
    void sample(Clock::time_point now);  // under mu_
    mutable std::mutex mu_;
    Snapshot s_;
    std::uint64_t received_ = 0;                                  ///< bytes off the wire (for the rate)
    std::deque<std::pair<Clock::time_point, std::uint64_t>> samples_;  ///< (time, received_) a few seconds back
};

struct SyncDeps {
    store::Store* store = nullptr;
    content::ContentStore* content = nullptr;  ///< may be null with ContentMode::none
    HttpTransport* http = nullptr;
    RetryPolicy retry;
    Sleeper sleep;                                ///< backoff waits; real_sleeper(cancel) outside tests
    const std::atomic<bool>* cancel = nullptr;   ///< checked between batches and files
};

struct SyncOutcome {
    std::int64_t run_id = 0;
    store::SyncResult result = store::SyncResult::failed;
    store::SyncCounts counts;
    std::string error;
    std::string details;  ///< the JSON summary stored with the run
};

/// Runs one synchronization and records it in sync_history. Never throws.
SyncOutcome run_sync(const SyncDeps& deps, const SyncOptions& options, const std::string& started_by,
                     ProgressBoard* progress = nullptr);

/// The Drivers classification: left out of the filter unless drivers are enabled.
inline constexpr const char* kDriversClassification = "ebfc1fc5-71a4-4f7b-9aca-3b9a503104a0";

}  // namespace wsusd::sync
