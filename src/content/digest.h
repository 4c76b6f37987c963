// Streaming SHA-1 + SHA-256 of update content (OpenSSL EVP), one pass over the bytes for both digests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::content {

struct Digests {
    std::string sha1;    ///< 40 lower-case hex digits
    std::string sha256;  ///< 64 lower-case hex digits
    std::uint64_t size = 0;
};

/// Feeds bytes into both digests. Not copyable; one per file being hashed.
class Hasher {
  public:
    Hasher();
    ~Hasher();
    Hasher(Hasher&&) noexcept;
    Hasher& operator=(Hasher&&) noexcept;

    /// An OpenSSL failure is remembered and reported by finish() (Errc::internal).
    void update(std::string_view bytes);
    std::uint64_t size() const { return size_; }
    /// The digests of everything fed so far; the hasher is spent afterwards.
    Result<Digests> finish();

  private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
    std::uint64_t size_ = 0;
    bool ok_ = true;
};

/// Feeds bytes [0, limit) of an open file descriptor into `h` (pread; the file offset is not moved) and returns how
/// many there were (fewer than `limit` when the file is shorter). Errc::io on a read error.
Result<std::uint64_t> feed_fd(Hasher& h, int fd, std::uint64_t limit = UINT64_MAX);
/// Hashes bytes [0, limit) of an open file descriptor with pread (limit = UINT64_MAX: to the end).
/// Errc::io on a read error; a file shorter than `limit` is hashed to its end.
Result<Digests> hash_fd(int fd, std::uint64_t limit = UINT64_MAX);
/// Hashes the whole file at `path`. Errc::not_found when it does not exist, Errc::io otherwise.
Result<Digests> hash_file(const std::filesystem::path& path);

/// True for exactly 40 hex digits (either case).
bool is_sha1_hex(std::string_view s);

}  // namespace wsusd::content
