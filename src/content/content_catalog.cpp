#include "content/content_catalog.h"

#include "store/revision_repo.h"
#include "store/store.h"

namespace wsusd::content {

namespace fs = std::filesystem;

namespace {

constexpr int kStatusPage = 2000;

// A stored copy of the right size is re-hashed before an import skips it: importing again is how an admin
// repairs a corrupt file, and a corrupt copy usually keeps its size.
bool is_intact(ContentStore& content, const ExpectedFile& file) {
    auto v = content.verify(file);
    return v && *v == FileState::present;
}

}  // namespace

Result<ImportReport> import_directory(ContentStore& content, const FileLookup& lookup, const fs::path& dir,
                                      const std::function<void(std::size_t)>& progress) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return fail(Errc::not_found, dir.string() + " is not a folder");
    ImportReport report;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) return fail(Errc::io, dir.string() + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
        if (ec) return fail(Errc::io, dir.string() + ": " + ec.message());
        if (!it->is_regular_file(ec)) continue;
        const fs::path& path = it->path();
        // Temporary and partial files of a content store (when importing from another server's folder).
        auto name = path.filename().string();
        if (name.starts_with('.') || name.ends_with(".partial") || name.ends_with(".partial.len")) continue;
        ++report.scanned;
        auto digests = hash_file(path);
        if (!digests) {
            report.rejected.emplace_back(path, digests.error().message);
        } else if (auto expected = lookup(digests->sha1); !expected) {
            if (expected.error().code == Errc::not_found)
                ++report.not_in_catalog;
            else
                return std::unexpected(expected.error());
        } else if (auto why = digest_mismatch(*digests, *expected); !why.empty()) {
            // Same SHA-1 but another size or SHA-256: a collision attempt or a bad catalog entry; never stored.
            report.rejected.emplace_back(path, why);
        } else if (content.quick_state(*expected) == FileState::present && is_intact(content, *expected)) {
            ++report.already_present;
        } else if (auto r = content.import_file(path, *expected); !r) {
            report.rejected.emplace_back(path, r.error().message);  // e.g. changed while being imported
        } else {
            ++report.imported;
            report.bytes_imported += expected->size;
        }
        if (progress) progress(report.scanned);
    }
    return report;
}

Result<StatusReport> content_status(ContentStore& content, store::Store& db, const StatusOptions& options) {
    StatusReport report;
    std::string after;
    while (true) {
        auto page =
            db.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).files_page(after, kStatusPage); });
        if (!page) return std::unexpected(page.error());
        if (page->empty()) break;
        after = page->back().sha1;
        for (const auto& rec : *page) {
            FileStatus st;
            st.file =
                ExpectedFile{rec.sha1, rec.sha256, static_cast<std::uint64_t>(std::max<std::int64_t>(rec.size, 0)),
                             extension_of(rec.name)};
            st.name = rec.name;
            st.state = content.quick_state(st.file);
            if (options.verify && st.state == FileState::present) {
                auto v = content.verify(st.file);
                if (!v) return std::unexpected(v.error());
                st.state = *v;
            }
            ++report.files;
            switch (st.state) {
                case FileState::present:
                    ++report.present;
                    report.bytes_present += st.file.size;
                    break;
                case FileState::missing:
                    ++report.missing;
                    break;
                case FileState::partial:
                    ++report.partial;
                    break;
                case FileState::corrupt:
                    ++report.corrupt;
                    break;
            }
            if (st.state == FileState::missing || st.state == FileState::partial) report.bytes_missing += st.file.size;
            if (st.state == FileState::corrupt || (options.list_missing && st.state != FileState::present))
                report.listed.push_back(std::move(st));
        }
    }
    return report;
}

}  // namespace wsusd::content
