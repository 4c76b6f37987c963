#include "store/sqlite.h"

#include <sqlite3.h>

#include <limits>
#include <utility>

namespace wsusd::store {
namespace {

// Statement text in error messages is cut short: enough to recognise the query, not a wall of SQL.
std::string abbreviate(const char* sql) {
    std::string text = sql ? sql : "";
    for (char& c : text) {
        if (c == '\n' || c == '\t') c = ' ';
    }
    constexpr std::size_t kMax = 80;
    if (text.size() > kMax) text = text.substr(0, kMax) + "...";
    return text;
}

void append_json_string(std::string& out, std::string_view value) {
    out += '"';
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

}  // namespace

Error sqlite_error(sqlite3* db, std::string_view operation) {
    std::string message(operation);
    message += ": ";
    message += db ? sqlite3_errmsg(db) : "out of memory";
    // A damaged file is its own kind of failure: wsusd refuses to serve it and points at `wsusd store recover`.
    const int primary = db ? (sqlite3_extended_errcode(db) & 0xff) : SQLITE_NOMEM;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Error{Errc::corrupt, std::move(message)};
    return Error{Errc::store, std::move(message)};
}

// ---- Statement ----

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

void Statement::note_bind(int rc, int index) {
    if (rc != SQLITE_OK && !bind_error_) {
        bind_error_ = sqlite_error(sqlite3_db_handle(stmt_.get()), "bind ?" + std::to_string(index) + " of [" +
                                                                       abbreviate(sqlite3_sql(stmt_.get())) + "]");
    }
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
    note_bind(sqlite3_bind_int64(stmt_.get(), index, value), index);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    note_bind(sqlite3_bind_double(stmt_.get(), index, value), index);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // SQLITE_TRANSIENT copies: callers routinely bind temporaries.
    note_bind(sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
    return *this;
}

Statement& Statement::bind(int index, const char* text) {
    return text ? bind(index, std::string_view(text)) : bind(index, std::nullopt);
}

Statement& Statement::bind(int index, std::nullopt_t) {
    note_bind(sqlite3_bind_null(stmt_.get(), index), index);
    return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
    // A zero-length blob must stay a blob, not NULL: pass a non-null pointer.
    static const std::uint8_t kEmpty = 0;
    const void* data = bytes.empty() ? &kEmpty : bytes.data();
    note_bind(sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(), SQLITE_TRANSIENT), index);
    return *this;
}

Result<bool> Statement::step() {
    if (bind_error_) return std::unexpected(*bind_error_);
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return std::unexpected(
        sqlite_error(sqlite3_db_handle(stmt_.get()), "step [" + abbreviate(sqlite3_sql(stmt_.get())) + "]"));
}

Result<void> Statement::run() {
    while (true) {
        auto row = step();
        if (!row) return std::unexpected(std::move(row).error());
        if (!*row) return {};
    }
}

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
int Statement::int32(int col) const { return sqlite3_column_int(stmt_.get(), col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_.get(), col); }

std::string_view Statement::text_view(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
    if (!p) return {};
    return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col))};
}

std::string Statement::text(int col) const { return std::string(text_view(col)); }

Bytes Statement::blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), col));
    const int n = sqlite3_column_bytes(stmt_.get(), col);
    if (!p || n <= 0) return {};
    return Bytes(p, p + n);
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }

std::optional<std::int64_t> Statement::opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

std::optional<std::string> Statement::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::optional<TimePoint> Statement::opt_time(int col) const {
    if (is_null(col)) return std::nullopt;
    return time(col);
}

void Statement::reset() noexcept {
    if (!stmt_) return;
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    bind_error_.reset();
}

// ---- StatementLease ----

StatementLease::StatementLease(Statement* cached) noexcept : stmt_(cached) { stmt_->leased_ = true; }

StatementLease::StatementLease(std::unique_ptr<Statement> owned) noexcept
    : stmt_(owned.get()), owned_(std::move(owned)) {}

StatementLease::StatementLease(StatementLease&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), owned_(std::move(other.owned_)) {}

StatementLease::~StatementLease() {
    if (!stmt_) return;
    stmt_->reset();
    if (!owned_) stmt_->leased_ = false;
}

// ---- Connection ----

Result<Connection> Connection::open(const std::filesystem::path& file, const ConnectionOptions& options) {
    // NOMUTEX: each connection is confined to one thread at a time by the Store's pool, so SQLite's own
    // per-connection mutex would only cost time.
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    Connection conn(raw);
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(raw, "open " + file.string()));
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));

    const char* sync = options.synchronous == Synchronous::off      ? "OFF"
                       : options.synchronous == Synchronous::normal ? "NORMAL"
                                                                    : "FULL";
    std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA synchronous = ";
    pragmas += sync;
    pragmas += "; PRAGMA cache_size = -" + std::to_string(options.cache_kib) + ";";
    if (options.query_only) pragmas += " PRAGMA query_only = ON;";
    if (auto r = conn.exec(pragmas); !r) return std::unexpected(std::move(r).error());
    return conn;
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        close();
        db_ = std::exchange(other.db_, nullptr);
        cache_ = std::move(other.cache_);
    }
    return *this;
}

Connection::~Connection() { close(); }

void Connection::close() noexcept {
    cache_.clear();  // statements must be finalized before the handle closes
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
}

Result<void> Connection::exec(std::string_view sql) {
    std::string text(sql);  // sqlite3_exec needs a terminated string
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    std::string detail = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    const int primary = rc & 0xff;
    const Errc code = primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ? Errc::corrupt : Errc::store;
    return fail(code, "exec [" + abbreviate(text.c_str()) + "]: " + detail);
}

Result<Statement> Connection::prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    Statement stmt(raw);
    if (rc != SQLITE_OK)
        return std::unexpected(sqlite_error(db_, "prepare [" + abbreviate(std::string(sql).c_str()) + "]"));
    if (!raw) return fail(Errc::internal, "prepare: empty statement");
    return stmt;
}

Result<StatementLease> Connection::statement(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        auto prepared = prepare(sql);
        if (!prepared) return std::unexpected(std::move(prepared).error());
        it = cache_.emplace(std::string(sql), std::make_unique<Statement>(std::move(*prepared))).first;
    }
    if (!it->second->leased_) return StatementLease(it->second.get());
    // Re-entrant use of the same query (e.g. while iterating its own results): resetting the cached copy would
    // break the outer loop, so the inner use gets its own short-lived statement.
    auto prepared = prepare(sql);
    if (!prepared) return std::unexpected(std::move(prepared).error());
    return StatementLease(std::make_unique<Statement>(std::move(*prepared)));
}

Result<std::int64_t> Connection::query_int(std::string_view sql) {
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(std::move(stmt).error());
    auto row = stmt->step();
    if (!row) return std::unexpected(std::move(row).error());
    if (!*row) return fail(Errc::store, "query [" + std::string(sql) + "]: no row");
    return stmt->int64(0);
}

std::int64_t Connection::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const noexcept { return sqlite3_changes(db_); }
bool Connection::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

// ---- Transaction ----

Result<Transaction> Transaction::begin(Connection& conn, TxMode mode) {
    // One fixed savepoint name is enough: RELEASE/ROLLBACK TO act on the innermost savepoint of that name,
    // and RAII guarantees strict nesting.
    const bool nested = conn.in_transaction();
    const char* sql = nested ? "SAVEPOINT wsusd_tx" : mode == TxMode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
    if (auto r = conn.exec(sql); !r) return std::unexpected(std::move(r).error());
    return Transaction(&conn, nested);
}

Transaction::Transaction(Transaction&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)), savepoint_(other.savepoint_) {}

Transaction::~Transaction() { rollback(); }

Result<void> Transaction::commit() {
    if (!conn_) return fail(Errc::internal, "commit: transaction already finished");
    auto r = conn_->exec(savepoint_ ? "RELEASE wsusd_tx" : "COMMIT");
    if (!r) return r;  // still active: the destructor rolls back
    conn_ = nullptr;
    return {};
}

void Transaction::rollback() noexcept {
    if (!conn_) return;
    Connection* conn = std::exchange(conn_, nullptr);
    // Errors are ignored: SQLite may already have rolled back on its own (e.g. SQLITE_FULL), and there is
    // nothing better to do from a destructor.
    if (savepoint_) {
        (void)conn->exec("ROLLBACK TO wsusd_tx; RELEASE wsusd_tx");
    } else if (conn->in_transaction()) {
        (void)conn->exec("ROLLBACK");
    }
}

// ---- JSON lists ----

std::string json_array(std::span<const std::string> values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, values[i]);
    }
    out += ']';
    return out;
}

std::string json_array(std::span<const std::int64_t> values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(values[i]);
    }
    out += ']';
    return out;
}

}  // namespace wsusd::store
