// Offline maintenance commands (the wsusutil of this server): they work on a data directory
// directly. Each returns a process exit code and prints what it did.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/config.h"

namespace wsusd::app {

int catalog_import(const std::filesystem::path& data_dir, const std::filesystem::path& source, bool quiet);
int catalog_export(const std::filesystem::path& data_dir, const std::filesystem::path& target);
/// `content_out` (optional): also write every generated file as content_out/<XX>/<SHA1>.<ext> (the WsusContent
/// layout), so that `wsusd content import` has files whose digests match the catalog.
int catalog_generate(std::uint64_t revisions, std::uint64_t seed, const std::filesystem::path& out,
                     const std::filesystem::path& templates, const std::filesystem::path& content_out = {});
/// Stores the files under `source` whose SHA-1 the catalog knows into the content store of `config`.
int content_import(const config::Config& config, const std::filesystem::path& source, bool quiet);
/// Present/missing/partial/corrupt counts of the catalog's files (exit 3 when some are corrupt).
int content_status(const config::Config& config, bool verify, bool list_missing);
int store_check(const std::filesystem::path& data_dir);
int store_backup(const std::filesystem::path& data_dir, const std::filesystem::path& target);
struct RecoverOptions {
    std::filesystem::path from_backup;  ///< --from-backup FILE
    bool latest_backup = false;         ///< --latest-backup: newest usable file in store.backup_dir
    bool reset = false;                 ///< --reset: empty store, keys, tokens and server settings kept
};
/// `wsusd store recover` (wsusd stopped): exit 0 recovered, 1 failed (I/O, wsusd running), 2 usage, 5 no usable
/// backup (the store was not changed).
int store_recover(const config::Config& cfg, const RecoverOptions& how);
/// Adds a cookie key (the daemon picks it up on its next start).
int keys_rotate(const std::filesystem::path& data_dir);

/// Creates an admin API token and prints it once (or writes it, mode 0600, to `write_to`).
int token_create(const std::filesystem::path& data_dir, const std::string& name, const std::filesystem::path& write_to);
int token_list(const std::filesystem::path& data_dir);
int token_revoke(const std::filesystem::path& data_dir, const std::string& name);

}  // namespace wsusd::app
