// The content step of a sync: which files the content mode needs, and their download into the content store.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "sync/content_download.h"
#include "sync/sync_steps.h"
#include "util/ascii.h"
#include "util/log.h"
#include "util/url.h"

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


// SHA-1s of files that only language-specific updates for other languages list (WSUS: "download updates only in
// these languages"). A file shared with a language-neutral update, or with one for a wanted language, stays.
Result<std::set<std::string>> other_language_files(store::Store& st, const std::vector<std::string>& languages) {
    std::set<std::string> wanted{"all"};  // Properties/Language "all": for every language
    for (const auto& l : languages) wanted.insert(util::to_lower(l));
    return st.with_reader([&](store::Connection& c) -> Result<std::set<std::string>> {
        store::RevisionRepo repo(c);
        auto rows = repo.languages();
        if (!rows) return std::unexpected(rows.error());
        std::map<store::RevisionId, bool> keep;  // language-specific revision → one of its languages is wanted
        for (const auto& [id, language] : *rows) keep[id] = keep[id] || wanted.count(language) > 0;
        std::set<store::RevisionId> excluded;
        for (const auto& [id, k] : keep)
            if (!k) excluded.insert(id);
        std::set<std::string> out;
        if (excluded.empty()) return out;
        std::vector<store::RevisionId> ids(excluded.begin(), excluded.end());
        auto files = repo.files(ids);
        if (!files) return std::unexpected(files.error());
        for (const auto& f : *files) {
            if (out.count(f.file.sha1)) continue;
            auto revs = repo.revisions_of_file(f.file.sha1);
            if (!revs) return std::unexpected(revs.error());
            if (std::all_of(revs->begin(), revs->end(), [&](store::RevisionId r) { return excluded.count(r) > 0; }))
                out.insert(f.file.sha1);
        }
        return out;
    });
}

}  // namespace

std::pair<std::size_t, std::string> sync_content(RunState& rs, const UpstreamConfig& upstream) {
    auto log = log::sync();
    auto& summary = rs.details["files"];
    summary = {{"needed", 0},          {"downloaded", 0}, {"present", 0}, {"not_on_upstream", 0},
               {"failed", 0},          {"bytes", 0},      {"bytes_total", 0},
               {"parallel", 0},        {"seconds", 0.0},  {"bytes_per_second", 0}, {"other_languages", 0}};
    if (rs.options.content == ContentMode::none || !rs.deps.content) return {0, {}};
    if (rs.options.content == ContentMode::upstream && upstream.catalog_only_sync)
        log->warn("the upstream server stores no update files (CatalogOnlySync); files are fetched from it anyway and "
                  "will be missing: set sync.content = \"microsoft\" to fetch them from Microsoft Update");
    auto files = rs.options.content_approved_only ? approved_files(*rs.deps.store) : all_files(*rs.deps.store);
    if (!files) return {1, files.error().message};
    std::set<std::string> skip;
    if (!rs.options.languages.empty()) {
        auto other = other_language_files(*rs.deps.store, rs.options.languages);
        if (!other) return {1, other.error().message};
        skip = std::move(*other);
    }
    std::vector<DownloadItem> todo;
    std::set<std::string> seen;
    std::uint64_t bytes_total = 0;
    for (const auto& f : *files) {
        if (!seen.insert(f.sha1).second) continue;
        if (skip.count(f.sha1)) {
            summary["other_languages"] = summary["other_languages"].get<int>() + 1;
            continue;
        }
        auto expected = expected_of(f);
        if (rs.deps.content->quick_state(expected) == content::FileState::present) {
            summary["present"] = summary["present"].get<int>() + 1;
            continue;
        }
        std::string url = rs.options.content == ContentMode::microsoft && !f.url.empty()
                              ? f.url
                              : upstream_content_url(rs.client.root_url(), expected);
        bytes_total += expected.size;
        todo.push_back({expected, url, f.name});
    }
    summary["needed"] = todo.size();
    summary["bytes_total"] = bytes_total;
    rs.report(SyncPhase::content, 0, todo.size());
    if (rs.progress) rs.progress->content_begin(todo.size(), bytes_total);
    if (todo.empty()) return {0, {}};

    // A small pool: each worker takes the next file; per-file verify, rename and resume stay in download_file.
    // One file's failure is recorded and the others go on; a cancel ends every transfer at its next callback.
    const unsigned workers = static_cast<unsigned>(
        std::clamp<std::size_t>(std::max(1u, rs.options.parallel_downloads), 1, todo.size()));
    summary["parallel"] = workers;
    RateLimiter limiter(rs.options.max_bandwidth);
    DownloadHooks hooks;
    hooks.limiter = rs.options.max_bandwidth ? &limiter : nullptr;
    hooks.cancel = rs.deps.cancel;
    if (rs.progress) hooks.on_bytes = [p = rs.progress](std::uint64_t n) { p->content_bytes(n); };
    std::mutex mu;  // guards next, the summary and the counters below
    std::size_t next = 0, failed = 0, done = 0;
    bool cancelled = false;
    std::uint64_t received = 0;
    std::string first_error;
    const auto began = std::chrono::steady_clock::now();
    auto work = [&] {
        for (;;) {
            std::size_t i;
            {
                std::lock_guard lock(mu);
                if (rs.cancelled()) cancelled = true;
                if (cancelled || next >= todo.size()) return;
                i = next++;
            }
            const auto& item = todo[i];
            if (rs.progress) rs.progress->content_started_file();
            auto r = download_file(*rs.deps.http, *rs.deps.content, item, rs.deps.retry, rs.deps.sleep, 8ull << 20,
                                   hooks);
            std::lock_guard lock(mu);
            received += r.bytes;
            summary["bytes"] = received;
            const bool bad = r.outcome == DownloadOutcome::failed;
            switch (r.outcome) {
                case DownloadOutcome::stored: summary["downloaded"] = summary["downloaded"].get<int>() + 1; break;
                case DownloadOutcome::already_present:
                    summary["present"] = summary["present"].get<int>() + 1;
                    break;
                case DownloadOutcome::not_on_upstream:
                    // A lazy upstream holds only what it needed itself; the file comes with a later sync.
                    log->info("{} ({}): not on the upstream yet ({})", item.name, item.file.sha1, r.error);
                    summary["not_on_upstream"] = summary["not_on_upstream"].get<int>() + 1;
                    break;
                case DownloadOutcome::cancelled: cancelled = true; break;
                case DownloadOutcome::failed:
                    log->error("download of {} ({}) failed: {}", item.name, util::redact_url(item.url), r.error);
                    summary["failed"] = summary["failed"].get<int>() + 1;
                    if (first_error.empty()) first_error = item.name + ": " + r.error;
                    ++failed;
                    break;
            }
            if (r.outcome == DownloadOutcome::cancelled) return;
            if (rs.progress)
                rs.progress->content_file_done(bad, item.file.size > r.bytes ? item.file.size - r.bytes : 0);
            rs.report(SyncPhase::content, ++done, todo.size());
        }
    };
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    summary["seconds"] = std::round(seconds * 1000) / 1000;
    summary["bytes_per_second"] = seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(received) / seconds) : 0;
    log->info("content: {} of {} files in {:.1f} s, {} bytes ({} at once{})", done, todo.size(), seconds, received,
              workers, rs.options.max_bandwidth ? ", limit " + std::to_string(rs.options.max_bandwidth) + " bytes/s" : "");
    if (cancelled) return {failed, "cancelled"};
    return {failed, first_error};
}

}  // namespace wsusd::sync::detail
