// Offline maintenance commands (the wsusutil of this server): they work on a data directory
// directly. Each returns a process exit code and prints what it did.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace wsusd::app {

int catalog_import(const std::filesystem::path& data_dir, const std::filesystem::path& source, bool quiet);
int catalog_export(const std::filesystem::path& data_dir, const std::filesystem::path& target);
int catalog_generate(std::uint64_t revisions, std::uint64_t seed, const std::filesystem::path& out,
                     const std::filesystem::path& templates);
int store_check(const std::filesystem::path& data_dir);
int store_backup(const std::filesystem::path& data_dir, const std::filesystem::path& target);
/// Adds a cookie key (the daemon picks it up on its next start).
int keys_rotate(const std::filesystem::path& data_dir);

}  // namespace wsusd::app
