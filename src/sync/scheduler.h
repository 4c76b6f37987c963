// SyncScheduler: the daemon's sync timer thread. Runs a sync at the configured times of day (UTC) and/or every N
// minutes, each start delayed by a random jitter (a hierarchy does not stampede its root), and on demand; one run
// at a time, cancellable, with live progress. Between syncs it can run the report rollup alone on its own interval,
// so a root's reports stay fresh when its downstream servers synchronize once a day.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sync/sync_engine.h"

namespace wsusd::sync {

struct Schedule {
    std::vector<int> minutes_of_day;  ///< UTC, 0..1439
    unsigned interval_minutes = 0;
    unsigned jitter_minutes = 0;
    /// Report rollup on its own between syncs (every sync also rolls up); zero = only with each sync.
    std::chrono::seconds rollup_every{0};
};

/// Parses "HH:MM" times (validated by src/config) into minutes of the day.
Schedule make_schedule(const std::vector<std::string>& times, unsigned interval_minutes, unsigned jitter_minutes);

/// The next scheduled start strictly after `after` (without jitter); nullopt when nothing is scheduled.
/// `last_start` anchors the interval (the interval counts from the previous start).
std::optional<std::chrono::system_clock::time_point> next_start(const Schedule& s,
                                                               std::chrono::system_clock::time_point after,
                                                               std::optional<std::chrono::system_clock::time_point> last_start);

class SyncScheduler {
  public:
    /// What a run does: a whole sync (which ends with a rollup), or only the report rollup.
    enum class Kind { sync, rollup };
    /// `run` performs one run (the engine with its dependencies) and is called on the scheduler's thread.
    using RunFn = std::function<SyncOutcome(const std::string& started_by, Kind kind, ProgressBoard& progress,
                                            const std::atomic<bool>& cancel)>;
    SyncScheduler(Schedule schedule, RunFn run);
    ~SyncScheduler();  ///< stop()s

    void start();
    /// Cancels a running sync and joins the thread.
    void stop();

    enum class Trigger { started, already_running };
    /// Asks for a run now (returns at once; it runs on the scheduler thread).
    Trigger trigger(const std::string& started_by, Kind kind = Kind::sync);
    /// Asks the running sync to stop at its next checkpoint; false when none runs.
    bool cancel();

    struct Status {
        bool running = false;
        ProgressBoard::Snapshot progress;
        std::optional<std::chrono::system_clock::time_point> next_start;
        std::optional<std::chrono::system_clock::time_point> next_rollup;
        std::optional<SyncOutcome> last;
    };
    Status status() const;

  private:
    void loop();

    Schedule schedule_;
    RunFn run_;
    ProgressBoard progress_;
    std::atomic<bool> cancel_{false};
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool running_ = false;
    std::optional<std::pair<std::string, Kind>> requested_;  ///< who asked for a run now, and which
    std::optional<std::chrono::system_clock::time_point> next_;
    std::optional<std::chrono::system_clock::time_point> next_rollup_;
    std::optional<std::chrono::system_clock::time_point> last_start_;
    std::optional<SyncOutcome> last_;
    std::thread thread_;
};

}  // namespace wsusd::sync
