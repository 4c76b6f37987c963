#include "store/migrate.h"

#include <string>

#include "store/try.h"

namespace wsusd::store {
namespace {

Result<void> check_list(std::span<const Migration> migrations) {
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version != static_cast<int>(i) + 1) {
            return fail(Errc::internal, "schema migrations must be numbered 1, 2, 3, … without gaps; entry " +
                                            std::to_string(i) + " has version " +
                                            std::to_string(migrations[i].version));
        }
    }
    return {};
}

}  // namespace

Result<int> schema_version_of(Connection& conn) {
    STORE_ASSIGN(auto version, conn.query_int(sql::pragma_user_version0));
    return static_cast<int>(version);
}

Result<int> apply_migrations(Connection& conn, std::span<const Migration> migrations) {
    STORE_TRY(check_list(migrations));
    const int latest = migrations.empty() ? 0 : migrations.back().version;

    // The version is read inside the write transaction: another process opening the same file concurrently
    // either finished migrating before us or waits for us.
    STORE_ASSIGN(auto tx, Transaction::begin(conn, TxMode::immediate));
    STORE_ASSIGN(const int current, schema_version_of(conn));
    if (current > latest) {
        return fail(Errc::conflict, "database schema version " + std::to_string(current) +
                                        " is newer than this wsusd supports (" + std::to_string(latest) +
                                        "); downgrade is not supported: run a newer wsusd or restore a backup");
    }
    STORE_ASSIGN(const auto app_id, conn.query_int(sql::pragma_application_id0));
    if (app_id != 0 && app_id != kApplicationId) {
        return fail(Errc::conflict, "not a wsusd database (application_id " + std::to_string(app_id) + ")");
    }
    if (current == 0) {
        STORE_ASSIGN(const auto objects, conn.query_int(sql::sqlite_master_count0));
        if (objects != 0) {
            return fail(Errc::conflict, "not a wsusd database: the file has tables but no wsusd schema version");
        }
    }
    if (current == latest) return current;

    for (const Migration& m : migrations) {
        if (m.version <= current) continue;
        if (auto r = conn.exec(m.up); !r) {
            return fail(Errc::store, "schema migration " + std::to_string(m.version) + " (" +
                                         std::string(m.description) + ") failed: " + r.error().message);
        }
    }
    // PRAGMAs take no parameters; the values are integers we produce ourselves.
    STORE_TRY(conn.exec("PRAGMA user_version = " + std::to_string(latest) +
                        "; PRAGMA application_id = " + std::to_string(kApplicationId) + ";"));
    STORE_TRY(tx.commit());
    return latest;
}

}  // namespace wsusd::store
