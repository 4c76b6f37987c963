#include "store/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <system_error>

#include "store/migrate.h"
#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

int Store::latest_schema_version() noexcept { return kLatestSchemaVersion; }

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& db_file, StoreOptions options) {
    if (options.readers == 0) return fail(Errc::invalid_argument, "store: at least one reader connection is needed");
    std::unique_ptr<Store> store(new Store());
    store->path_ = db_file;

    ConnectionOptions writer_options;
    writer_options.create = options.create_if_missing;
    writer_options.busy_timeout = options.busy_timeout;
    writer_options.synchronous = options.synchronous;
    writer_options.cache_kib = options.cache_kib_per_connection;
    STORE_ASSIGN(auto writer, Connection::open(db_file, writer_options));
    store->writer_ = std::make_unique<Connection>(std::move(writer));

    // Refuse a newer schema before touching the file at all (switching to WAL rewrites the header).
    STORE_ASSIGN(const int found, schema_version_of(*store->writer_));
    if (found > kLatestSchemaVersion) {
        return fail(Errc::conflict, "database " + db_file.string() + " has schema version " + std::to_string(found) +
                                        ", newer than this wsusd supports (" + std::to_string(kLatestSchemaVersion) +
                                        "); downgrade is not supported: run a newer wsusd or restore a backup");
    }
    {
        // Scoped: an unfinished statement would keep the migration transaction from committing.
        STORE_ASSIGN(auto stmt, store->writer_->prepare(sql::pragma_journal_mode_wal0));
        STORE_ASSIGN(const bool row, stmt.step());
        if (!row || stmt.text_view(0) != "wal") {
            return fail(Errc::store, "enable WAL on " + db_file.string() + ": journal mode stayed '" +
                                         std::string(row ? stmt.text_view(0) : "") + "'");
        }
    }
    STORE_ASSIGN(store->schema_version_, apply_migrations(*store->writer_, kMigrations));

    ConnectionOptions reader_options = writer_options;
    reader_options.create = false;
    reader_options.query_only = true;
    for (std::size_t i = 0; i < options.readers; ++i) {
        STORE_ASSIGN(auto reader, Connection::open(db_file, reader_options));
        store->readers_.push_back(std::make_unique<Connection>(std::move(reader)));
        store->idle_readers_.push_back(store->readers_.back().get());
    }
    return store;
}

Store::~Store() {
    // Readers first: the last connection to close checkpoints and removes the WAL file.
    idle_readers_.clear();
    readers_.clear();
    writer_.reset();
}

Store::ReaderLease Store::acquire_reader() {
    std::unique_lock lock(pool_mutex_);
    pool_cv_.wait(lock, [this] { return !idle_readers_.empty(); });
    Connection* conn = idle_readers_.back();
    idle_readers_.pop_back();
    return ReaderLease(*this, conn);
}

void Store::release_reader(Connection* conn) noexcept {
    {
        std::lock_guard lock(pool_mutex_);
        idle_readers_.push_back(conn);
    }
    pool_cv_.notify_one();
}

Result<void> Store::check_not_writing() const {
    if (writer_thread_.load() == std::this_thread::get_id()) {
        return fail(Errc::internal, "store: with_writer called from inside with_writer on the same thread");
    }
    return {};
}

Result<void> Store::integrity_check() {
    return with_reader([](Connection& conn) -> Result<void> {
        STORE_ASSIGN(auto check, conn.prepare(sql::pragma_integrity_check0));
        std::string findings;
        int count = 0;
        while (true) {
            STORE_ASSIGN(const bool row, check.step());
            if (!row) break;
            const auto line = check.text_view(0);
            if (line == "ok") continue;
            if (++count <= 10) findings += (findings.empty() ? "" : "; ") + std::string(line);
        }
        STORE_ASSIGN(auto fk, conn.prepare(sql::pragma_foreign_key_check0));
        while (true) {
            STORE_ASSIGN(const bool row, fk.step());
            if (!row) break;
            if (++count <= 10) {
                findings +=
                    (findings.empty() ? "" : "; ") + ("foreign key violation in table " + fk.text(0) + " rowid " +
                                                      std::to_string(fk.int64(1)) + " -> " + fk.text(2));
            }
        }
        if (count > 0) {
            return fail(Errc::corrupt, "integrity check found " + std::to_string(count) + " problem(s): " + findings);
        }
        return {};
    });
}

Result<void> Store::quick_check(int max_findings) {
    const int cap = std::max(1, max_findings);
    return with_reader([cap](Connection& conn) -> Result<void> {
        STORE_ASSIGN(auto check, conn.prepare(sql::pragma_quick_check(cap)));
        std::string findings;
        int count = 0;
        while (true) {
            auto row = check.step();
            if (!row) return fail(Errc::corrupt, "quick check: " + row.error().message);
            if (!*row) break;
            const auto line = check.text_view(0);
            if (line == "ok") continue;
            findings += (findings.empty() ? "" : "; ") + std::string(line);
            ++count;
        }
        if (count > 0)
            return fail(Errc::corrupt, "quick check found " + std::to_string(count) + " problem(s): " + findings);
        return {};
    });
}

Result<void> Store::backup_to(const std::filesystem::path& target) {
    std::filesystem::path temp = target;
    temp += ".partial";
    std::error_code ec;
    std::filesystem::remove(temp, ec);

    {
        ConnectionOptions dest_options;
        dest_options.synchronous = Synchronous::full;  // the copy is only useful if it is on disk
        STORE_ASSIGN(auto dest, Connection::open(temp, dest_options));
        ReaderLease lease = acquire_reader();
        sqlite3_backup* backup = sqlite3_backup_init(dest.handle(), "main", lease.connection().handle(), "main");
        if (!backup) return std::unexpected(sqlite_error(dest.handle(), "backup to " + target.string()));
        // One step copies everything under a single read snapshot of the source; WAL lets the writer go on.
        const int rc = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) {
            auto error = sqlite_error(dest.handle(), "backup to " + target.string());
            std::filesystem::remove(temp, ec);
            return std::unexpected(std::move(error));
        }
    }  // closing dest checkpoints its WAL, so the single file is complete

    std::filesystem::rename(temp, target, ec);
    if (ec) return fail(Errc::io, "backup: rename " + temp.string() + " -> " + target.string() + ": " + ec.message());
    return {};
}

Result<void> Store::checkpoint() {
    STORE_TRY(check_not_writing());
    std::lock_guard lock(writer_mutex_);
    STORE_TRY(writer_->exec(sql::pragma_wal_checkpoint_truncate0));
    return {};
}

}  // namespace wsusd::store
