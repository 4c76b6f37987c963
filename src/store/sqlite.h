// RAII wrappers over the SQLite C API: Connection (with a per-connection prepared-statement cache),
// Statement (bind/step/column), StatementLease (the reset guard) and Transaction (rolls back unless committed).
// Every failure becomes wsusd::Error{Errc::store, "<operation>: <sqlite message>"}.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/types.h"
#include "wsusd/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace wsusd::store {

using Bytes = std::vector<std::uint8_t>;

/// Builds the store error for a failed call on `db`: "<operation>: <sqlite message>".
Error sqlite_error(sqlite3* db, std::string_view operation);

/// A prepared statement. Bind errors are remembered and reported by the next step(), so bind calls chain.
class Statement {
  public:
    Statement() = default;
    explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}

    // Parameters are 1-based, as in SQLite.
    template <std::integral T>
    Statement& bind(int index, T value) {
        return bind_int64(index, static_cast<std::int64_t>(value));
    }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text);  // without it a literal would pick the bool overload
    Statement& bind(int index, std::nullopt_t);
    Statement& bind(int index, TimePoint time) { return bind_int64(index, time.time_since_epoch().count()); }
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, std::nullopt);
    }
    Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);

    /// Binds the arguments to parameters 1..N in order.
    template <class... Args>
    Statement& bind_all(const Args&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    /// Advances: true when a row is available, false when the statement is done.
    Result<bool> step();
    /// Steps to completion, ignoring rows (INSERT/UPDATE/DELETE).
    Result<void> run();

    // Column readers are 0-based; NULL reads as 0 / empty.
    std::int64_t int64(int col) const;
    int int32(int col) const;
    double real(int col) const;
    bool flag(int col) const { return int64(col) != 0; }
    std::string text(int col) const;
    std::string_view text_view(int col) const;  ///< valid until the next step/reset
    Bytes blob(int col) const;
    bool is_null(int col) const;
    std::optional<std::int64_t> opt_int64(int col) const;
    std::optional<std::string> opt_text(int col) const;
    TimePoint time(int col) const { return TimePoint(std::chrono::milliseconds(int64(col))); }
    std::optional<TimePoint> opt_time(int col) const;

    /// Makes the statement reusable: sqlite3_reset + clear bindings + forget a pending bind error.
    void reset() noexcept;

    sqlite3_stmt* handle() const noexcept { return stmt_.get(); }

  private:
    friend class Connection;
    friend class StatementLease;

    Statement& bind_int64(int index, std::int64_t value);
    void note_bind(int rc, int index);

    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const noexcept;
    };
    std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
    std::optional<Error> bind_error_;
    bool leased_ = false;  // a cached statement currently handed out
};

/// Reset guard for one execution of a statement: resets (and, if cached, returns) it on destruction,
/// so a cached statement never keeps a read snapshot open or leaks bindings into the next use.
class StatementLease {
  public:
    explicit StatementLease(Statement* cached) noexcept;
    explicit StatementLease(std::unique_ptr<Statement> owned) noexcept;
    StatementLease(StatementLease&& other) noexcept;
    StatementLease& operator=(StatementLease&&) = delete;
    StatementLease(const StatementLease&) = delete;
    ~StatementLease();

    Statement* operator->() const noexcept { return stmt_; }
    Statement& operator*() const noexcept { return *stmt_; }

  private:
    Statement* stmt_ = nullptr;
    std::unique_ptr<Statement> owned_;
};

enum class Synchronous {
    off,     ///< no fsync: tests and throwaway databases only
    normal,  ///< WAL default: consistent after power loss, the last commits may be lost
    full,    ///< fsync on every commit
};

struct ConnectionOptions {
    bool create = true;                            ///< create the file if missing (writer only)
    bool query_only = false;                       ///< refuse writes on this connection (WAL readers)
    std::chrono::milliseconds busy_timeout{5000};  ///< how long to wait for a lock before SQLITE_BUSY
    Synchronous synchronous = Synchronous::normal;
    int cache_kib = 8192;  ///< page cache per connection
};

/// One sqlite3 handle in multi-thread mode: use it from one thread at a time (the Store guarantees this).
class Connection {
  public:
    static Result<Connection> open(const std::filesystem::path& file, const ConnectionOptions& options);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    /// Runs one or more parameterless statements (DDL, pragmas).
    Result<void> exec(std::string_view sql);
    /// Prepares an uncached statement.
    Result<Statement> prepare(std::string_view sql);
    /// Hands out the cached prepared statement for `sql`, preparing it on first use. If that statement is
    /// already leased (a nested use of the same query), a private one is prepared instead.
    Result<StatementLease> statement(std::string_view sql);
    /// Runs a query returning one integer (pragmas, counts).
    Result<std::int64_t> query_int(std::string_view sql);

    std::int64_t last_insert_rowid() const noexcept;
    int changes() const noexcept;
    bool in_transaction() const noexcept;
    std::size_t cached_statements() const noexcept { return cache_.size(); }
    sqlite3* handle() const noexcept { return db_; }

  private:
    explicit Connection(sqlite3* db) noexcept : db_(db) {}
    void close() noexcept;

    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<Statement>, StringHash, std::equal_to<>> cache_;
};

enum class TxMode {
    deferred,   ///< readers: the snapshot starts at the first read
    immediate,  ///< writers: take the write lock up front so the transaction cannot fail to upgrade later
};

/// BEGIN … COMMIT, or a SAVEPOINT when the connection is already inside a transaction, so repository
/// methods can be atomic on their own and still compose into a caller's larger transaction.
/// Rolls back on destruction unless commit() succeeded.
class Transaction {
  public:
    static Result<Transaction> begin(Connection& conn, TxMode mode = TxMode::immediate);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();
    void rollback() noexcept;
    bool nested() const noexcept { return savepoint_; }

  private:
    Transaction(Connection* conn, bool savepoint) noexcept : conn_(conn), savepoint_(savepoint) {}
    Connection* conn_ = nullptr;  // null once finished
    bool savepoint_ = false;
};

/// Lists bound as one JSON text parameter and expanded with `IN (SELECT value FROM json_each(?))`, so one
/// cached statement serves any list length.
std::string json_array(std::span<const std::string> values);
std::string json_array(std::span<const std::int64_t> values);

}  // namespace wsusd::store
