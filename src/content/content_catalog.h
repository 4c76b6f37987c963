// The content store against the catalog: import a folder of files whose SHA-1 the catalog knows (air-gapped
// servers, tests), and a status report of every catalog file (present, missing, partial, corrupt).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "content/content_http.h"
#include "content/content_store.h"
#include "wsusd/result.h"

namespace wsusd::store {
class Store;
}

namespace wsusd::content {

struct ImportReport {
    std::size_t scanned = 0;          ///< regular files looked at
    std::size_t imported = 0;         ///< stored now
    std::size_t already_present = 0;  ///< stored before and intact (re-hashed): skipped
    std::size_t not_in_catalog = 0;   ///< SHA-1 unknown to the catalog: skipped
    std::uint64_t bytes_imported = 0;
    /// Files whose SHA-1 the catalog knows but whose size or SHA-256 differ, or that could not be stored.
    std::vector<std::pair<std::filesystem::path, std::string>> rejected;
};

/// Hashes every regular file under `dir` (recursively, any name) and stores those the catalog knows; a stored copy
/// that is corrupt is replaced.
/// `progress(done)` is called after each file. Errc::not_found when `dir` does not exist.
Result<ImportReport> import_directory(ContentStore& content, const FileLookup& lookup, const std::filesystem::path& dir,
                                      const std::function<void(std::size_t)>& progress = {});

struct FileStatus {
    ExpectedFile file;
    std::string name;  ///< catalog file name
    FileState state = FileState::missing;
};

struct StatusReport {
    std::size_t files = 0, present = 0, missing = 0, partial = 0, corrupt = 0;
    std::uint64_t bytes_present = 0, bytes_missing = 0;  ///< partial files count as missing
    std::vector<FileStatus> listed;  ///< corrupt files always; missing and partial ones too when asked
};

struct StatusOptions {
    bool verify = false;        ///< re-hash every present file (otherwise size only)
    bool list_missing = false;  ///< also list missing and partial files
};

/// Looks at every file of the catalog (store file table).
Result<StatusReport> content_status(ContentStore& content, store::Store& db, const StatusOptions& options);

}  // namespace wsusd::content
