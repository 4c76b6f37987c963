// Part files of a bundle: a first line naming the format, the bundle and the part's index, then records. A record
// is one line of JSON (its header, with "type" and "size") followed by exactly "size" bytes of data. Types:
// "file" (a chunk of a content file), "revision" (a full update document), "state" (groups and approvals, JSON).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "content/digest.h"
#include "wsusd/result.h"

namespace wsusd::transfer {

inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

/// Writes one part, hashing it as it goes.
class PartWriter {
  public:
    static Result<PartWriter> create(const std::filesystem::path& file, std::string_view bundle_id, int index);
    PartWriter(PartWriter&& o) noexcept;
    PartWriter& operator=(PartWriter&&) = delete;
    ~PartWriter();

    /// header["size"] is set to data.size().
    Result<void> record(nlohmann::json header, std::string_view data);
    /// A record whose `size` bytes come from `source` at `offset` (a content file chunk).
    Result<void> record_from(nlohmann::json header, const std::filesystem::path& source, std::uint64_t offset,
                             std::uint64_t size);
    std::uint64_t size() const { return hasher_.size(); }
    /// Flushes, fsyncs and closes; returns the SHA-256.
    Result<std::string> finish();

  private:
    PartWriter() = default;
    Result<void> put(std::string_view bytes);
    std::FILE* f_ = nullptr;
    std::filesystem::path path_;
    content::Hasher hasher_;
};

/// Reads one part record by record. Data of a record is read with data() (bounded) or copy_data() (streamed).
class PartReader {
  public:
    /// Checks the first line names this bundle and index.
    static Result<PartReader> open(const std::filesystem::path& file, std::string_view bundle_id, int index);
    PartReader(PartReader&& o) noexcept;
    PartReader& operator=(PartReader&&) = delete;
    ~PartReader();

    /// The next record's header; nullopt at the end of the part.
    Result<std::optional<nlohmann::json>> next();
    std::uint64_t data_size() const { return pending_; }
    /// The current record's data; Errc::limit_exceeded above `max_bytes`.
    Result<std::string> data(std::uint64_t max_bytes);
    /// Streams the current record's data to `sink` in blocks.
    Result<void> copy_data(const std::function<Result<void>(std::string_view)>& sink);

  private:
    PartReader() = default;
    Result<void> skip_pending();
    std::FILE* f_ = nullptr;
    std::string name_;
    std::uint64_t pending_ = 0;
};

}  // namespace wsusd::transfer
