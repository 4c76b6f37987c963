// Store: the one SQLite database of wsusd. Owns one writer connection and a pool of WAL reader connections;
// all access goes through with_reader / with_writer, which run a function inside a transaction.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/sqlite.h"
#include "wsusd/result.h"

namespace wsusd::store {

struct StoreOptions {
    /// WAL reader connections. Each request thread holds at most one at a time; size it like the worker pool.
    std::size_t readers = 4;
    /// How long a connection waits for a lock (another process, a checkpoint) before reporting busy.
    std::chrono::milliseconds busy_timeout{5000};
    /// NORMAL is safe against crashes in WAL mode; FULL also keeps the last commits across a power cut.
    Synchronous synchronous = Synchronous::normal;
    /// Page cache of each connection; the catalog's hot pages are read by every client scan.
    int cache_kib_per_connection = 16384;
    /// Create the file when it does not exist (the parent directory must exist).
    bool create_if_missing = true;
};

namespace detail {
template <class T>
struct is_result : std::false_type {};
template <class T>
struct is_result<Result<T>> : std::true_type {};
}  // namespace detail

class Store {
  public:
    /// Opens (creating if allowed), switches to WAL, applies pending migrations, opens the reader pool.
    static Result<std::unique_ptr<Store>> open(const std::filesystem::path& db_file, StoreOptions options = {});

    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    /// Destroy only after every with_reader/with_writer call has returned (main joins its threads first).
    ~Store();

    /// user_version of the open database (== latest_schema_version() after a successful open).
    int schema_version() const noexcept { return schema_version_; }
    static int latest_schema_version() noexcept;
    const std::filesystem::path& path() const noexcept { return path_; }

    /// Runs fn(Connection&) -> Result<T> on a pooled reader inside one read transaction, so everything fn
    /// reads comes from the same snapshot. Blocks while all readers are busy. Do not write through it.
    template <class F>
    auto with_reader(F&& fn) -> std::invoke_result_t<F&, Connection&>;

    /// Runs fn(Connection&) -> Result<T> on the writer inside one IMMEDIATE transaction: committed if fn
    /// returns a value, rolled back if it returns an error (or throws). Not re-entrant on one thread.
    template <class F>
    auto with_writer(F&& fn) -> std::invoke_result_t<F&, Connection&>;

    /// PRAGMA integrity_check and foreign_key_check; Errc::corrupt with the first findings on failure.
    Result<void> integrity_check();

    /// The start-up check: PRAGMA quick_check (page structure and records, no index cross-check, O(pages)) that
    /// stops after `max_findings` problems; Errc::corrupt with the findings. A page so damaged that SQLite cannot
    /// read it also gives Errc::corrupt.
    Result<void> quick_check(int max_findings = 10);

    /// Consistent online copy (SQLite backup API) to `target`, written beside it and renamed into place, so
    /// a reader of `target` never sees a partial file. Writers keep running meanwhile.
    Result<void> backup_to(const std::filesystem::path& target);

    /// Moves the WAL into the main file and truncates it (maintenance; SQLite also checkpoints on its own).
    Result<void> checkpoint();

  private:
    Store() = default;

    /// Hands a reader connection back to the pool on destruction.
    class ReaderLease {
      public:
        ReaderLease(Store& store, Connection* conn) noexcept : store_(store), conn_(conn) {}
        ReaderLease(const ReaderLease&) = delete;
        ReaderLease& operator=(const ReaderLease&) = delete;
        ~ReaderLease() { store_.release_reader(conn_); }
        Connection& connection() const noexcept { return *conn_; }

      private:
        Store& store_;
        Connection* conn_;
    };

    ReaderLease acquire_reader();
    void release_reader(Connection* conn) noexcept;
    Result<void> check_not_writing() const;

    std::filesystem::path path_;
    int schema_version_ = 0;

    // SQLite admits one writer at a time per database; a second writer connection would only wait on the
    // file lock (or fail with SQLITE_BUSY). One connection behind a mutex queues writers in-process instead,
    // cheaply and fairly, and keeps every write on one prepared-statement cache.
    std::mutex writer_mutex_;
    std::unique_ptr<Connection> writer_;
    std::atomic<std::thread::id> writer_thread_{};  // detects with_writer nested on one thread (would deadlock)

    // WAL lets readers run concurrently with the writer, each on its own snapshot.
    std::mutex pool_mutex_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<Connection>> readers_;
    std::vector<Connection*> idle_readers_;
};

template <class F>
auto Store::with_reader(F&& fn) -> std::invoke_result_t<F&, Connection&> {
    using R = std::invoke_result_t<F&, Connection&>;
    static_assert(detail::is_result<R>::value, "with_reader: fn must return Result<T>");
    ReaderLease lease = acquire_reader();
    auto tx = Transaction::begin(lease.connection(), TxMode::deferred);
    if (!tx) return R(std::unexpect, std::move(tx).error());
    R result = fn(lease.connection());
    // Ending the read transaction releases the snapshot so the WAL can be checkpointed past it.
    if (result) {
        if (auto c = tx->commit(); !c) return R(std::unexpect, std::move(c).error());
    }
    return result;
}

template <class F>
auto Store::with_writer(F&& fn) -> std::invoke_result_t<F&, Connection&> {
    using R = std::invoke_result_t<F&, Connection&>;
    static_assert(detail::is_result<R>::value, "with_writer: fn must return Result<T>");
    if (auto nested = check_not_writing(); !nested) return R(std::unexpect, std::move(nested).error());
    std::lock_guard lock(writer_mutex_);
    writer_thread_.store(std::this_thread::get_id());
    struct ClearOwner {
        std::atomic<std::thread::id>& owner;
        ~ClearOwner() { owner.store(std::thread::id{}); }
    } clear_owner{writer_thread_};

    auto tx = Transaction::begin(*writer_, TxMode::immediate);
    if (!tx) return R(std::unexpect, std::move(tx).error());
    R result = fn(*writer_);
    if (result) {
        if (auto c = tx->commit(); !c) return R(std::unexpect, std::move(c).error());
    }
    return result;  // on error tx's destructor rolls back
}

}  // namespace wsusd::store
