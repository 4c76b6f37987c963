// ContentStore: update files on disk, keyed by SHA-1, as ROOT/<XX>/<SHA1>.<ext> (XX = the last two hex digits of
// the upper-case SHA-1, the layout of WSUS's WsusContent folder). A file reaches its final name only through a
// rename after its SHA-1 (and SHA-256, when the catalog has one) and size matched, so a file with a wrong digest is
// never served; files changed on disk afterwards are caught by open_verified(), which re-hashes every new version
// of a file (device, inode, size, mtime, ctime) before serving it.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "content/digest.h"
#include "util/file_descriptor.h"
#include "util/string_hash.h"
#include "wsusd/result.h"

namespace wsusd::content {

/// What the catalog says about one file.
struct ExpectedFile {
    std::string sha1;                   ///< 40 hex digits, either case
    std::optional<std::string> sha256;  ///< 64 hex digits; checked too when known
    std::uint64_t size = 0;             ///< checked too
    std::string extension;              ///< lower case, no dot ("cab"); empty for a file without one
};

/// The extension of a catalog file name as it appears in content URLs: lower case, without the dot
/// ("Windows-KB1.CAB" → "cab"). Empty when there is none or when it is not 1–16 ASCII letters and digits (such a
/// name is stored and served without an extension, so a file name can never make a path).
std::string extension_of(std::string_view file_name);

enum class FileState {
    present,  ///< stored under its final name (and, for verify(), its digests match)
    missing,  ///< not stored
    partial,  ///< not stored, but a resumable download of it exists
    corrupt,  ///< stored, but its size or digests differ from the catalog's
};
const char* state_name(FileState s);

/// A stored file whose digests were verified, ready to be served.
struct StoredFile {
    std::string path;
    std::uint64_t size = 0;
    std::chrono::system_clock::time_point modified;  ///< mtime, whole seconds (Last-Modified)
    /// The descriptor whose bytes were verified: send from it, since the path may name another version by then.
    std::shared_ptr<const util::FileDescriptor> fd;
};

class ContentStore;

/// A resumable download of one file into ROOT/<XX>/<SHA1>.<ext>.partial. checkpoint() makes the bytes so far
/// durable and records their count in `.partial.len`; after a restart, ContentStore::begin_partial() cuts the
/// file back to that recorded length (bytes written after the last checkpoint may be torn), re-hashes the prefix
/// and continues at offset(). finish() verifies the whole file and renames it into place. Not thread-safe; one
/// download per file at a time (an flock on the .partial file enforces it across processes).
class PartialDownload {
  public:
    PartialDownload(PartialDownload&& other) noexcept;
    PartialDownload& operator=(PartialDownload&&) = delete;
    ~PartialDownload();  ///< closes the file; the .partial and its recorded length stay for a later resume

    /// Bytes already held: resume the transfer here (e.g. `Range: bytes=offset-`).
    std::uint64_t offset() const { return offset_; }
    /// Appends at offset(). Errc::invalid_argument beyond the catalog size, Errc::io on a write error.
    Result<void> append(std::string_view bytes);
    /// fdatasync, then records offset() as the verified length (atomically, directory fsynced).
    Result<void> checkpoint();
    /// Needs offset() == size: verifies the digests and renames into place. Errc::corrupt when they differ (the
    /// partial download is discarded: it must start over), Errc::invalid_argument when incomplete.
    Result<void> finish();
    /// Deletes the partial file and its recorded length.
    Result<void> discard();

  private:
    friend class ContentStore;
    PartialDownload() = default;

    ExpectedFile expected_;
    std::filesystem::path partial_, length_file_, final_;
    int fd_ = -1;
    Hasher hasher_;
    std::uint64_t offset_ = 0;
};

class ContentStore {
  public:
    /// Creates `root` if needed. Errc::io when it cannot.
    static Result<std::shared_ptr<ContentStore>> open(std::filesystem::path root);

    const std::filesystem::path& root() const { return root_; }
    /// ROOT/<XX>/<SHA1 upper case>[.<ext>]. Errc::invalid_argument for a malformed ExpectedFile.
    Result<std::filesystem::path> path_of(const ExpectedFile& file) const;

    /// Copies `source` into the store: written to a temporary file in the target folder while hashing, fsynced,
    /// checked, renamed into place, folder fsynced. Errc::corrupt (nothing stored) when size or digests differ.
    Result<void> import_file(const std::filesystem::path& source, const ExpectedFile& file);
    /// As import_file, from memory.
    Result<void> write(const ExpectedFile& file, std::string_view bytes);

    /// By stat only: present (size matches), corrupt (size differs), partial or missing.
    FileState quick_state(const ExpectedFile& file) const;
    /// Re-hashes the stored file: present, corrupt (logged) or missing/partial. Errc::io on a read error.
    Result<FileState> verify(const ExpectedFile& file);

    /// The stored file, if its digests match. Each version of the file on disk is hashed once (concurrent callers
    /// wait for the same hash; versions changed in the last two seconds are hashed on every call, since file times
    /// are too coarse to tell them apart); a corrupt version is logged once. Errc::not_found when missing,
    /// Errc::corrupt when its bytes differ from the catalog, Errc::io when it cannot be read.
    Result<StoredFile> open_verified(const ExpectedFile& file);
    /// As open_verified when this version of the file already has a verdict; nullopt when it would have to be
    /// hashed first (or is being hashed). Never reads file contents, so the network thread may call it.
    std::optional<Result<StoredFile>> open_if_verified(const ExpectedFile& file);
    /// The same for a file as normalize() returns it and its path_of() text, which a caller serving the same file
    /// again and again keeps (both are then not recomputed per request). They must belong together.
    std::optional<Result<StoredFile>> open_if_verified(const ExpectedFile& normalized, const std::string& path);

    /// Starts or resumes the download of `file`. Errc::conflict if another download of it is in progress,
    /// Errc::conflict as well if the file is already stored.
    Result<PartialDownload> begin_partial(const ExpectedFile& file);

  private:
    explicit ContentStore(std::filesystem::path root) : root_(std::move(root)) {}

    struct Stamp {
        std::uint64_t dev = 0, ino = 0, size = 0;
        std::int64_t mtime_ns = 0, ctime_ns = 0;
        bool operator==(const Stamp&) const = default;
    };
    struct Verdict {
        FileState state = FileState::missing;
        std::string error;  ///< non-empty: the file could not be read (not cached)
    };
    struct CacheEntry {
        Stamp stamp;
        std::shared_future<Verdict> verdict;
    };

    /// Renames a checked temporary file (open as `fd`) into place and remembers it as verified.
    Result<void> publish(int fd, const std::filesystem::path& tmp, const std::filesystem::path& final_path);
    static Stamp stamp_of(const struct stat& st);
    /// Returns the next bytes at an offset (empty at the end); the view stays valid until the next call.
    using Reader = std::function<Result<std::string_view>(std::uint64_t offset)>;
    Result<void> store_from(const ExpectedFile& file, const std::string& source_name, const Reader& read);
    Verdict hash_verdict(int fd, const ExpectedFile& file, const std::filesystem::path& path);
    /// open_verified (may_hash) or open_if_verified, for a normalized file at `path`; nullopt only when !may_hash.
    std::optional<Result<StoredFile>> open_checked(const ExpectedFile& file, const std::string& path, bool may_hash);

    std::filesystem::path root_;
    std::mutex mu_;
    util::StringMap<CacheEntry> verified_;  ///< by final path
};

/// Lower-cases and checks the digests and the extension. Errc::invalid_argument naming the bad field.
Result<ExpectedFile> normalize(ExpectedFile file);

/// Compares computed digests with the catalog's; empty when they match, else what differs.
std::string digest_mismatch(const Digests& got, const ExpectedFile& want);

}  // namespace wsusd::content
