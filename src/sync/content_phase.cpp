// The content step of a sync: which files the content mode needs, and their download into the content store.
#include <set>

#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "sync/content_download.h"
#include "sync/sync_steps.h"
#include "util/log.h"

namespace wsusd::sync::detail {

namespace {

content::ExpectedFile expected_of(const store::FileRecord& f) {
    return content::ExpectedFile{f.sha1, f.sha256, static_cast<std::uint64_t>(std::max<std::int64_t>(f.size, 0)),
                                 content::extension_of(f.name)};
}

// Files of updates approved for install in any group (WSUS "download files only when updates are approved").
Result<std::vector<store::FileRecord>> approved_files(store::Store& st) {
    return st.with_reader([&](store::Connection& c) -> Result<std::vector<store::FileRecord>> {
        auto groups = store::GroupRepo(c).list();
        if (!groups) return std::unexpected(groups.error());
        std::vector<std::string> ids;
        for (const auto& g : *groups) ids.push_back(g.id);
        auto deps = store::DeploymentRepo(c).list_for_groups(ids);
        if (!deps) return std::unexpected(deps.error());
        std::set<store::RevisionId> revs;
        for (const auto& d : *deps)
            if (d.action == store::DeploymentAction::install) revs.insert(d.revision_id);
        std::vector<store::RevisionId> list(revs.begin(), revs.end());
        auto files = store::RevisionRepo(c).files(list);
        if (!files) return std::unexpected(files.error());
        std::vector<store::FileRecord> out;
        for (auto& f : *files) out.push_back(std::move(f.file));
        return out;
    });
}

Result<std::vector<store::FileRecord>> all_files(store::Store& st) {
    std::vector<store::FileRecord> out;
    std::string after;
    for (;;) {
        auto page = st.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).files_page(after, 1000); });
        if (!page) return std::unexpected(page.error());
        if (page->empty()) return out;
        after = page->back().sha1;
        for (auto& f : *page) out.push_back(std::move(f));
    }
}

}  // namespace

std::pair<std::size_t, std::string> sync_content(RunState& rs, const UpstreamConfig& upstream) {
    auto log = log::sync();
    auto& summary = rs.details["files"];
    summary = {{"needed", 0}, {"downloaded", 0}, {"present", 0}, {"not_on_upstream", 0}, {"failed", 0}, {"bytes", 0}};
    if (rs.options.content == ContentMode::none || !rs.deps.content) return {0, {}};
    if (rs.options.content == ContentMode::upstream && upstream.catalog_only_sync)
        log->warn("the upstream server stores no update files (CatalogOnlySync); files are fetched from it anyway and "
                  "will be missing: set sync.content = \"microsoft\" to fetch them from Microsoft Update");
    auto files = rs.options.content_approved_only ? approved_files(*rs.deps.store) : all_files(*rs.deps.store);
    if (!files) return {1, files.error().message};
    std::vector<DownloadItem> todo;
    std::set<std::string> seen;
    for (const auto& f : *files) {
        if (!seen.insert(f.sha1).second) continue;
        auto expected = expected_of(f);
        if (rs.deps.content->quick_state(expected) == content::FileState::present) {
            summary["present"] = summary["present"].get<int>() + 1;
            continue;
        }
        std::string url = rs.options.content == ContentMode::microsoft && !f.url.empty()
                              ? f.url
                              : upstream_content_url(rs.client.root_url(), expected);
        todo.push_back({expected, url, f.name});
    }
    summary["needed"] = todo.size();
    std::size_t failed = 0, done = 0;
    std::string first_error;
    rs.report(SyncPhase::content, 0, todo.size());
    for (const auto& item : todo) {
        if (rs.cancelled()) return {failed, "cancelled"};
        auto r = download_file(*rs.deps.http, *rs.deps.content, item, rs.deps.retry, rs.deps.sleep);
        summary["bytes"] = summary["bytes"].get<std::uint64_t>() + r.bytes;
        switch (r.outcome) {
            case DownloadOutcome::stored: summary["downloaded"] = summary["downloaded"].get<int>() + 1; break;
            case DownloadOutcome::already_present: summary["present"] = summary["present"].get<int>() + 1; break;
            case DownloadOutcome::not_on_upstream:
                // A lazy upstream holds only what it needed itself; the file comes with a later sync.
                log->info("{} ({}): not on the upstream yet ({})", item.name, item.file.sha1, r.error);
                summary["not_on_upstream"] = summary["not_on_upstream"].get<int>() + 1;
                break;
            case DownloadOutcome::cancelled: return {failed, "cancelled"};
            case DownloadOutcome::failed:
                log->error("download of {} ({}) failed: {}", item.name, item.url, r.error);
                summary["failed"] = summary["failed"].get<int>() + 1;
                if (first_error.empty()) first_error = item.name + ": " + r.error;
                ++failed;
                break;
        }
        rs.report(SyncPhase::content, ++done, todo.size());
    }
    return {failed, first_error};
}

}  // namespace wsusd::sync::detail
