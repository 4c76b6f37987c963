#include "transfer/part_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <memory>
#include <vector>

namespace wsusd::transfer {

namespace {

constexpr std::size_t kBlock = 1 << 20;

std::string first_line(std::string_view bundle_id, int index) {
    return "wsusd-airgap-part/1 " + std::string(bundle_id) + " " + std::to_string(index) + "\n";
}

// Reads up to and including '\n', at most `max` bytes. nullopt at a clean end of file.
Result<std::optional<std::string>> read_line(std::FILE* f, std::size_t max, const std::string& name) {
    std::string line;
    for (;;) {
        int c = std::fgetc(f);
        if (c == EOF) {
            if (std::ferror(f)) return fail(Errc::io, name + ": read error: " + std::strerror(errno));
            if (line.empty()) return std::optional<std::string>();
            return fail(Errc::corrupt, name + ": ends inside a record header (truncated)");
        }
        if (c == '\n') return std::optional<std::string>(std::move(line));
        line.push_back(static_cast<char>(c));
        if (line.size() > max) return fail(Errc::corrupt, name + ": record header longer than " + std::to_string(max) + " bytes");
    }
}

}  // namespace

Result<PartWriter> PartWriter::create(const std::filesystem::path& file, std::string_view bundle_id, int index) {
    PartWriter w;
    w.path_ = file;
    w.f_ = std::fopen(file.c_str(), "wbx");
    if (!w.f_) return fail(Errc::io, "cannot create " + file.string() + ": " + std::strerror(errno));
    if (auto r = w.put(first_line(bundle_id, index)); !r) return std::unexpected(r.error());
    return w;
}

PartWriter::PartWriter(PartWriter&& o) noexcept : f_(o.f_), path_(std::move(o.path_)), hasher_(std::move(o.hasher_)) {
    o.f_ = nullptr;
}

PartWriter::~PartWriter() {
    if (f_) std::fclose(f_);
}

Result<void> PartWriter::put(std::string_view bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
        return fail(Errc::io, "cannot write " + path_.string() + ": " + std::strerror(errno) + " (disk or medium full?)");
    hasher_.update(bytes);
    return {};
}

Result<void> PartWriter::record(nlohmann::json header, std::string_view data) {
    header["size"] = data.size();
    if (auto r = put(header.dump() + "\n"); !r) return r;
    return put(data);
}

Result<void> PartWriter::record_from(nlohmann::json header, const std::filesystem::path& source, std::uint64_t offset,
                                     std::uint64_t size) {
    std::FILE* in = std::fopen(source.c_str(), "rb");
    if (!in) return fail(Errc::io, "cannot read " + source.string() + ": " + std::strerror(errno));
    std::unique_ptr<std::FILE, decltype(&std::fclose)> guard(in, std::fclose);
    if (::fseeko(in, static_cast<off_t>(offset), SEEK_SET) != 0)
        return fail(Errc::io, "cannot seek in " + source.string() + ": " + std::strerror(errno));
    header["size"] = size;
    if (auto r = put(header.dump() + "\n"); !r) return r;
    std::vector<char> buf(kBlock);
    while (size > 0) {
        auto n = std::fread(buf.data(), 1, std::min<std::uint64_t>(size, buf.size()), in);
        if (n == 0) return fail(Errc::io, source.string() + ": shorter than the catalog says (changed while exporting?)");
        if (auto r = put(std::string_view(buf.data(), n)); !r) return r;
        size -= n;
    }
    return {};
}

Result<std::string> PartWriter::finish() {
    if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0)
        return fail(Errc::io, "cannot write " + path_.string() + ": " + std::strerror(errno));
    std::fclose(f_);
    f_ = nullptr;
    auto d = hasher_.finish();
    if (!d) return std::unexpected(d.error());
    return d->sha256;
}

Result<PartReader> PartReader::open(const std::filesystem::path& file, std::string_view bundle_id, int index) {
    PartReader r;
    r.name_ = file.filename().string();
    r.f_ = std::fopen(file.c_str(), "rb");
    if (!r.f_) return fail(Errc::io, r.name_ + ": cannot open: " + std::strerror(errno));
    auto line = read_line(r.f_, 256, r.name_);
    if (!line) return std::unexpected(line.error());
    if (!*line || **line + "\n" != first_line(bundle_id, index))
        return fail(Errc::corrupt, r.name_ + ": not part " + std::to_string(index) + " of bundle " + std::string(bundle_id));
    return r;
}

PartReader::PartReader(PartReader&& o) noexcept : f_(o.f_), name_(std::move(o.name_)), pending_(o.pending_) {
    o.f_ = nullptr;
}

PartReader::~PartReader() {
    if (f_) std::fclose(f_);
}

Result<void> PartReader::skip_pending() {
    if (pending_ == 0) return {};
    if (::fseeko(f_, static_cast<off_t>(pending_), SEEK_CUR) != 0) return fail(Errc::io, name_ + ": seek failed");
    pending_ = 0;
    return {};
}

Result<std::optional<nlohmann::json>> PartReader::next() {
    if (auto s = skip_pending(); !s) return std::unexpected(s.error());
    auto line = read_line(f_, kMaxHeaderBytes, name_);
    if (!line) return std::unexpected(line.error());
    if (!*line) return std::optional<nlohmann::json>();
    auto h = nlohmann::json::parse(**line, nullptr, false);
    if (h.is_discarded() || !h.is_object() || !h.contains("type") || !h["type"].is_string() || !h.contains("size") ||
        !h["size"].is_number_unsigned())
        return fail(Errc::corrupt, name_ + ": malformed record header");
    pending_ = h["size"].get<std::uint64_t>();
    return std::optional<nlohmann::json>(std::move(h));
}

Result<std::string> PartReader::data(std::uint64_t max_bytes) {
    if (pending_ > max_bytes)
        return fail(Errc::limit_exceeded, name_ + ": a record of " + std::to_string(pending_) +
                                              " bytes exceeds airgap.max_record_bytes (" + std::to_string(max_bytes) + ")");
    std::string out(pending_, '\0');
    if (std::fread(out.data(), 1, out.size(), f_) != out.size())
        return fail(Errc::corrupt, name_ + ": ends inside a record (truncated)");
    pending_ = 0;
    return out;
}

Result<void> PartReader::copy_data(const std::function<Result<void>(std::string_view)>& sink) {
    std::vector<char> buf(kBlock);
    while (pending_ > 0) {
        auto n = std::fread(buf.data(), 1, std::min<std::uint64_t>(pending_, buf.size()), f_);
        if (n == 0) return fail(Errc::corrupt, name_ + ": ends inside a record (truncated)");
        pending_ -= n;
        if (auto r = sink(std::string_view(buf.data(), n)); !r) return r;
    }
    return {};
}

}  // namespace wsusd::transfer
