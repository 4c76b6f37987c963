#include "content/content_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "util/ascii.h"
#include "util/file_descriptor.h"
#include "util/log.h"

namespace wsusd::content {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kCopyChunk = 1 << 20;
constexpr std::chrono::nanoseconds kRacyWindow = std::chrono::seconds(2);

std::string errno_text(int e) { return std::strerror(e); }

using Fd = util::FileDescriptor;

using util::to_lower;
using util::to_upper;

Result<void> write_all(int fd, std::string_view bytes, std::uint64_t offset) {
    while (!bytes.empty()) {
        ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(Errc::io, "write failed: " + errno_text(errno) + " (disk full?)");
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
    return {};
}

// A rename or a new entry is durable only once its folder is fsynced.
Result<void> fsync_dir(const fs::path& dir) {
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d || ::fsync(d.get()) != 0)
        return fail(Errc::io, "cannot fsync folder " + dir.string() + ": " + errno_text(errno));
    return {};
}

// Creates ROOT/XX when needed (fsyncing ROOT so that the new folder survives a crash).
Result<void> ensure_dir(const fs::path& dir) {
    if (::mkdir(dir.c_str(), 0755) == 0) return fsync_dir(dir.parent_path());
    if (errno == EEXIST) return {};
    return fail(Errc::io, "cannot create folder " + dir.string() + ": " + errno_text(errno));
}

std::chrono::system_clock::time_point mtime_seconds(const struct stat& st) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
}

}  // namespace

const char* state_name(FileState s) {
    switch (s) {
        case FileState::present:
            return "present";
        case FileState::missing:
            return "missing";
        case FileState::partial:
            return "partial";
        case FileState::corrupt:
            return "corrupt";
    }
    return "?";
}

std::string extension_of(std::string_view file_name) {
    auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return {};
    auto ext = file_name.substr(dot + 1);
    if (ext.empty() || ext.size() > 16) return {};
    for (char c : ext)
        if (!std::isalnum(static_cast<unsigned char>(c))) return {};
    return to_lower(std::string(ext));
}

Result<ExpectedFile> normalize(ExpectedFile f) {
    if (f.sha1.size() != 40 || !util::all_hex(f.sha1))
        return fail(Errc::invalid_argument, "sha1 '" + f.sha1 + "' is not 40 hex digits");
    f.sha1 = to_lower(std::move(f.sha1));
    if (f.sha256) {
        if (f.sha256->size() != 64 || !util::all_hex(*f.sha256))
            return fail(Errc::invalid_argument, "sha256 of " + f.sha1 + " is not 64 hex digits");
        *f.sha256 = to_lower(std::move(*f.sha256));
    }
    if (!f.extension.empty() && extension_of("." + f.extension) != to_lower(f.extension))
        return fail(Errc::invalid_argument,
                    "extension '" + f.extension + "' of " + f.sha1 + " is not 1-16 letters/digits");
    f.extension = to_lower(std::move(f.extension));
    return f;
}

std::string digest_mismatch(const Digests& got, const ExpectedFile& want) {
    std::string why;
    auto add = [&](std::string s) { why += (why.empty() ? "" : "; ") + s; };
    if (got.size != want.size)
        add("size " + std::to_string(got.size) + " (catalog: " + std::to_string(want.size) + ")");
    if (got.sha1 != to_lower(want.sha1)) add("SHA-1 " + got.sha1 + " (catalog: " + to_lower(want.sha1) + ")");
    if (want.sha256 && got.sha256 != to_lower(*want.sha256))
        add("SHA-256 " + got.sha256 + " (catalog: " + to_lower(*want.sha256) + ")");
    return why;
}

// --- ContentStore ---------------------------------------------------------------------------------------------

Result<std::shared_ptr<ContentStore>> ContentStore::open(fs::path root) {
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) return fail(Errc::io, "cannot create the content folder " + root.string() + ": " + ec.message());
    if (!fs::is_directory(root, ec)) return fail(Errc::io, "content folder " + root.string() + " is not a folder");
    return std::shared_ptr<ContentStore>(new ContentStore(std::move(root)));
}

Result<fs::path> ContentStore::path_of(const ExpectedFile& file) const {
    auto f = normalize(file);
    if (!f) return std::unexpected(f.error());
    std::string sha = to_upper(f->sha1);
    return root_ / sha.substr(38) / (f->extension.empty() ? sha : sha + "." + f->extension);
}

Result<void> ContentStore::import_file(const fs::path& source, const ExpectedFile& file) {
    Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return fail(errno == ENOENT ? Errc::not_found : Errc::io, source.string() + ": " + errno_text(errno));
    std::vector<char> buf(kCopyChunk);
    return store_from(file, source.string(), [&](std::uint64_t off) -> Result<std::string_view> {
        while (true) {
            ssize_t n = ::pread(in.get(), buf.data(), buf.size(), static_cast<off_t>(off));
            if (n >= 0) return std::string_view(buf.data(), static_cast<std::size_t>(n));
            if (errno != EINTR) return fail(Errc::io, source.string() + ": read failed: " + errno_text(errno));
        }
    });
}

Result<void> ContentStore::write(const ExpectedFile& file, std::string_view bytes) {
    return store_from(file, "data for " + file.sha1, [&](std::uint64_t off) -> Result<std::string_view> {
        return bytes.substr(std::min<std::uint64_t>(off, bytes.size()), kCopyChunk);
    });
}

Result<void> ContentStore::store_from(const ExpectedFile& file, const std::string& source_name, const Reader& read) {
    auto target = path_of(file);
    if (!target) return std::unexpected(target.error());
    auto f = *normalize(file);
    if (auto r = ensure_dir(target->parent_path()); !r) return r;
    // The temporary file sits beside its final name (same file system: the rename is atomic); the leading dot
    // keeps it out of every listing.
    std::string tmpl = (target->parent_path() / ("." + target->filename().string() + ".XXXXXX")).string();
    Fd out(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (!out)
        return fail(Errc::io,
                    "cannot create a temporary file in " + target->parent_path().string() + ": " + errno_text(errno));
    fs::path tmp = tmpl;
    auto failed = [&](Error e) {
        ::unlink(tmp.c_str());
        return std::unexpected(std::move(e));
    };
    Hasher h;
    std::uint64_t off = 0;
    while (true) {
        auto chunk = read(off);
        if (!chunk) return failed(chunk.error());
        if (chunk->empty()) break;
        if (off + chunk->size() > f.size)  // longer than the catalog says: it cannot match, stop copying
            return failed({Errc::corrupt, "refused " + source_name + ": longer than the catalog size " +
                                              std::to_string(f.size) + " of " + f.sha1});
        h.update(*chunk);
        if (auto r = write_all(out.get(), *chunk, off); !r) return failed(r.error());
        off += chunk->size();
    }
    auto digests = h.finish();
    if (!digests) return failed(digests.error());
    if (auto why = digest_mismatch(*digests, f); !why.empty())
        return failed({Errc::corrupt, "refused " + source_name + ": " + why});
    if (::fsync(out.get()) != 0) return failed({Errc::io, "fsync " + tmp.string() + ": " + errno_text(errno)});
    return publish(out.get(), tmp, *target);
}

ContentStore::Stamp ContentStore::stamp_of(const struct stat& st) {
    return Stamp{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                 static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
                 st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
}

Result<void> ContentStore::publish(int fd, const fs::path& tmp, const fs::path& final_path) {
    ::fchmod(fd, 0644);  // mkstemp makes 0600; content is public anyway
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        return fail(Errc::io, "cannot rename into " + final_path.string() + ": " + errno_text(e));
    }
    if (auto r = fsync_dir(final_path.parent_path()); !r) return r;
    // Its bytes were hashed as they were written: this version (the stamp of the inode written, taken after the
    // rename changed its ctime) needs no second hash before it is served.
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
        std::promise<Verdict> known;
        known.set_value(Verdict{FileState::present, {}});
        std::lock_guard lock(mu_);
        verified_[final_path.string()] = CacheEntry{stamp_of(st), known.get_future().share()};
    }
    return {};
}

FileState ContentStore::quick_state(const ExpectedFile& file) const {
    auto path = path_of(file);
    if (!path) return FileState::missing;
    struct stat st {};
    if (::stat(path->c_str(), &st) == 0) {
        return S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == file.size ? FileState::present
                                                                                          : FileState::corrupt;
    }
    fs::path partial = *path;
    partial += ".partial";
    return ::stat(partial.c_str(), &st) == 0 ? FileState::partial : FileState::missing;
}

ContentStore::Verdict ContentStore::hash_verdict(int fd, const ExpectedFile& file, const fs::path& path) {
    auto d = hash_fd(fd);
    if (!d) return Verdict{FileState::missing, path.string() + ": " + d.error().message};
    if (auto why = digest_mismatch(*d, file); !why.empty()) {
        log::content()->error(
            "{} is corrupt: {}; it is not served (import or download it again; `wsusd content "
            "status --verify` lists every corrupt file)",
            path.string(), why);
        return Verdict{FileState::corrupt, {}};
    }
    return Verdict{FileState::present, {}};
}

Result<FileState> ContentStore::verify(const ExpectedFile& file) {
    auto path = path_of(file);
    if (!path) return std::unexpected(path.error());
    auto f = *normalize(file);
    Fd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return quick_state(f);
        return fail(Errc::io, path->string() + ": " + errno_text(errno));
    }
    auto v = hash_verdict(fd.get(), f, *path);
    if (!v.error.empty()) return fail(Errc::io, v.error);
    return v.state;
}

Result<StoredFile> ContentStore::open_verified(const ExpectedFile& file) {
    auto path = path_of(file);
    if (!path) return std::unexpected(path.error());
    return *open_checked(*normalize(file), path->string(), true);
}

std::optional<Result<StoredFile>> ContentStore::open_if_verified(const ExpectedFile& file) {
    auto path = path_of(file);
    if (!path) return std::unexpected(path.error());
    return open_checked(*normalize(file), path->string(), false);
}

std::optional<Result<StoredFile>> ContentStore::open_if_verified(const ExpectedFile& normalized,
                                                                 const std::string& path) {
    return open_checked(normalized, path, false);
}

std::optional<Result<StoredFile>> ContentStore::open_checked(const ExpectedFile& f, const std::string& path,
                                                             bool may_hash) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        int e = errno;
        if (e == ENOENT) return fail(Errc::not_found, path + " is not in the content store");
        return fail(Errc::io, path + ": " + errno_text(e));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(Errc::io, path + ": " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) return fail(Errc::corrupt, path + " is not a regular file");
    // The stamp is taken from the open descriptor, so the verdict belongs to exactly the bytes hashed; any later
    // change to the file (even with its mtime restored) moves ctime and makes the next request hash again.
    const Stamp s = stamp_of(st);
    std::shared_future<Verdict> verdict;
    std::optional<std::promise<Verdict>> mine;
    if (!may_hash) {
        // Only a finished verdict on this very version will do (another thread may still be hashing it).
        std::lock_guard lock(mu_);
        auto it = verified_.find(std::string_view(path));
        if (it == verified_.end() || it->second.stamp != s ||
            it->second.verdict.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
            return std::nullopt;
        verdict = it->second.verdict;
    } else {
        std::lock_guard lock(mu_);
        auto& entry = verified_[path];
        if (entry.verdict.valid() && entry.stamp == s) {
            verdict = entry.verdict;
        } else {
            mine.emplace();
            entry = CacheEntry{s, mine->get_future().share()};
            verdict = entry.verdict;
        }
    }
    if (mine) {
        // File times tick coarsely (a kernel tick, often 4 ms): a change made within the same tick as the version
        // we hash would keep the stamp. As git does with "racily clean" entries, a verdict on a file changed less
        // than kRacyWindow before hashing started is used once and not remembered.
        const auto started_ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const bool racy = std::max(s.mtime_ns, s.ctime_ns) + kRacyWindow.count() >= started_ns;
        Verdict v;
        if (s.size != f.size) {
            log::content()->error(
                "{} is corrupt: size {} (catalog: {}); it is not served (import or download it "
                "again)",
                path, s.size, f.size);
            v.state = FileState::corrupt;
        } else {
            try {
                v = hash_verdict(fd.get(), f, path);
            } catch (const std::exception& e) {
                v.error = path + ": " + e.what();
            }
        }
        mine->set_value(v);
        if (!v.error.empty() || racy) {  // a read error is not a verdict on the bytes: try again next time
            std::lock_guard lock(mu_);
            if (auto it = verified_.find(std::string_view(path)); it != verified_.end() && it->second.stamp == s)
                verified_.erase(it);
        }
    }
    const Verdict& v = verdict.get();
    if (!v.error.empty()) return fail(Errc::io, v.error);
    if (v.state == FileState::corrupt)
        return fail(Errc::corrupt, path + " does not match the catalog digests of " + f.sha1);
    return StoredFile{path, s.size, mtime_seconds(st), std::make_shared<const util::FileDescriptor>(fd.release())};
}

Result<PartialDownload> ContentStore::begin_partial(const ExpectedFile& file) {
    auto target = path_of(file);
    if (!target) return std::unexpected(target.error());
    auto f = *normalize(file);
    if (quick_state(f) == FileState::present) return fail(Errc::conflict, target->string() + " is already stored");
    if (auto r = ensure_dir(target->parent_path()); !r) return std::unexpected(r.error());
    PartialDownload p;
    p.expected_ = f;
    p.final_ = *target;
    p.partial_ = *target;
    p.partial_ += ".partial";
    p.length_file_ = *target;
    p.length_file_ += ".partial.len";
    Fd fd(::open(p.partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return fail(Errc::io, "cannot open " + p.partial_.string() + ": " + errno_text(errno));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        return fail(Errc::conflict, p.partial_.string() + " is being downloaded by someone else");
    struct stat locked {
    }, named{};
    if (::fstat(fd.get(), &locked) != 0 || ::stat(p.partial_.c_str(), &named) != 0 || locked.st_ino != named.st_ino ||
        locked.st_dev != named.st_dev)  // finished (renamed away) by another process between our open and lock
        return fail(Errc::conflict, p.partial_.string() + " was just completed by someone else");
    // The recorded length is what the last checkpoint made durable; anything after it may be torn.
    std::uint64_t recorded = 0;
    if (Fd lf(::open(p.length_file_.c_str(), O_RDONLY | O_CLOEXEC)); lf) {
        char buf[32] = {};
        ssize_t n = ::read(lf.get(), buf, sizeof buf - 1);
        if (n > 0) {
            auto [end, ec] = std::from_chars(buf, buf + n, recorded);
            if (ec != std::errc() || (end != buf + n && *end != '\n')) recorded = 0;
        }
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(Errc::io, p.partial_.string() + ": " + errno_text(errno));
    std::uint64_t keep = std::min<std::uint64_t>(recorded, static_cast<std::uint64_t>(st.st_size));
    if (keep > f.size) keep = 0;
    if (::ftruncate(fd.get(), static_cast<off_t>(keep)) != 0)
        return fail(Errc::io, "cannot truncate " + p.partial_.string() + ": " + errno_text(errno));
    auto fed = feed_fd(p.hasher_, fd.get(), keep);
    if (!fed) return std::unexpected(fed.error());
    if (*fed != keep) return fail(Errc::io, p.partial_.string() + " shrank while being resumed");
    p.offset_ = keep;
    p.fd_ = fd.release();
    if (keep > 0) log::content()->info("resuming {} at byte {} of {}", p.partial_.string(), keep, f.size);
    return p;
}

// --- PartialDownload ------------------------------------------------------------------------------------------

PartialDownload::PartialDownload(PartialDownload&& o) noexcept
    : expected_(std::move(o.expected_)),
      partial_(std::move(o.partial_)),
      length_file_(std::move(o.length_file_)),
      final_(std::move(o.final_)),
      fd_(std::exchange(o.fd_, -1)),
      hasher_(std::move(o.hasher_)),
      offset_(o.offset_) {}

PartialDownload::~PartialDownload() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> PartialDownload::append(std::string_view bytes) {
    if (fd_ < 0) return fail(Errc::internal, "partial download of " + expected_.sha1 + " is closed");
    if (offset_ + bytes.size() > expected_.size)
        return fail(Errc::invalid_argument,
                    "download of " + expected_.sha1 + " exceeds its catalog size " + std::to_string(expected_.size));
    if (auto r = write_all(fd_, bytes, offset_); !r) return r;
    hasher_.update(bytes);
    offset_ += bytes.size();
    return {};
}

Result<void> PartialDownload::checkpoint() {
    if (fd_ < 0) return fail(Errc::internal, "partial download of " + expected_.sha1 + " is closed");
    if (::fdatasync(fd_) != 0) return fail(Errc::io, "fdatasync " + partial_.string() + ": " + errno_text(errno));
    fs::path tmp = length_file_;
    tmp += ".tmp";
    Fd lf(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!lf) return fail(Errc::io, "cannot write " + tmp.string() + ": " + errno_text(errno));
    std::string text = std::to_string(offset_) + "\n";
    if (auto r = write_all(lf.get(), text, 0); !r) return r;
    if (::fsync(lf.get()) != 0) return fail(Errc::io, "fsync " + tmp.string() + ": " + errno_text(errno));
    if (::rename(tmp.c_str(), length_file_.c_str()) != 0)
        return fail(Errc::io, "cannot rename into " + length_file_.string() + ": " + errno_text(errno));
    return fsync_dir(length_file_.parent_path());
}

Result<void> PartialDownload::finish() {
    if (fd_ < 0) return fail(Errc::internal, "partial download of " + expected_.sha1 + " is closed");
    if (offset_ != expected_.size)
        return fail(Errc::invalid_argument, "download of " + expected_.sha1 +
                                                " is incomplete: " + std::to_string(offset_) + " of " +
                                                std::to_string(expected_.size) + " bytes");
    auto digests = hasher_.finish();
    if (!digests) return std::unexpected(digests.error());
    if (auto why = digest_mismatch(*digests, expected_); !why.empty()) {
        (void)discard();
        log::content()->error("download of {} discarded: {}", final_.string(), why);
        return fail(Errc::corrupt, "download of " + expected_.sha1 + " does not match the catalog: " + why);
    }
    if (::fsync(fd_) != 0) return fail(Errc::io, "fsync " + partial_.string() + ": " + errno_text(errno));
    // Renamed while still open and locked: nobody can resume (and truncate) the file in between.
    if (::rename(partial_.c_str(), final_.c_str()) != 0)
        return fail(Errc::io, "cannot rename into " + final_.string() + ": " + errno_text(errno));
    ::close(std::exchange(fd_, -1));
    ::unlink(length_file_.c_str());
    return fsync_dir(final_.parent_path());
}

Result<void> PartialDownload::discard() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    ::unlink(length_file_.c_str());
    if (::unlink(partial_.c_str()) != 0 && errno != ENOENT)
        return fail(Errc::io, "cannot delete " + partial_.string() + ": " + errno_text(errno));
    offset_ = 0;
    return {};
}

}  // namespace wsusd::content
