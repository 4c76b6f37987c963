// Applies schema migrations to a writer connection, keyed by PRAGMA user_version.
#pragma once

#include <span>

#include "store/schema.h"
#include "store/sqlite.h"
#include "wsusd/result.h"

namespace wsusd::store {

/// Brings the database to the last version in `migrations`, applying every pending step in one IMMEDIATE
/// transaction (all or nothing). Refuses a database newer than the list (Errc::conflict: downgrade is not
/// supported) and a non-empty SQLite file that is not a wsusd database. Returns the resulting version.
Result<int> apply_migrations(Connection& conn, std::span<const Migration> migrations);

/// The current user_version.
Result<int> schema_version_of(Connection& conn);

}  // namespace wsusd::store
