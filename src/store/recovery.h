// Getting a working store back after the file was damaged (disk fault, a copy taken mid-write, a bad sector):
// `wsusd store recover`. Either an online backup (`wsusd store backup`, POST /api/v1/backup) replaces the store
// after it passed integrity_check, or a fresh empty store replaces it and the next synchronization refills the
// catalog from upstream. Either way the damaged file set is moved aside, never deleted, for inspection.
// Run with wsusd stopped: the daemon holds the file open.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::store {

struct RecoveryReport {
    std::filesystem::path moved_aside;  ///< where the damaged store went (empty: there was none)
    std::filesystem::path backup;       ///< the backup restored (restore only)
    std::vector<std::string> rejected;  ///< backups passed over, each "FILE: reason" (newest-first search)
    std::size_t settings_kept = 0;      ///< reset only: server settings and identity carried over
    std::size_t tokens_kept = 0;        ///< reset only: admin API tokens carried over
};

/// Candidate backups in `dir`: regular files named *.db, newest first (modification time). Empty when the
/// folder does not exist.
std::vector<std::filesystem::path> list_backups(const std::filesystem::path& dir);

/// Checks `backup` (a private copy is opened, migrated to this wsusd's schema and passes integrity_check) and
/// installs it as `db_file`. Errc::corrupt when the backup fails its check (the store is left untouched),
/// Errc::not_found when it does not exist.
Result<RecoveryReport> restore_backup(const std::filesystem::path& db_file, const std::filesystem::path& backup);

/// restore_backup with the newest backup in `dir` that passes its check; older ones are tried when newer ones
/// fail (RecoveryReport::rejected says why). Errc::not_found when none is usable.
Result<RecoveryReport> restore_latest_backup(const std::filesystem::path& db_file, const std::filesystem::path& dir);

/// Replaces `db_file` with an empty store of the current schema. Kept from the damaged store as far as it can
/// still be read: the admin API tokens, the server settings set through the API ("server.*") and the server's
/// identity towards its upstream ("sync.account_guid"). Everything else (catalog, computers, approvals, reports)
/// comes back through synchronization and client check-ins.
Result<RecoveryReport> reset_store(const std::filesystem::path& db_file);

}  // namespace wsusd::store
