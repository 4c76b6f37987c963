#include "sync/content_download.h"

#include <cctype>
#include <optional>

#include "util/ascii.h"
#include "util/log.h"
#include "util/url.h"

namespace wsusd::sync {

namespace {


// One attempt: resume from the partial file's offset. A 200 answer to a Range request carries the whole file (the
// server or a proxy ignored Range): the partial is dropped and the body taken from byte 0.
Result<std::uint64_t> attempt(HttpTransport& http, content::ContentStore& store, const DownloadItem& item,
                              std::uint64_t checkpoint_bytes, bool& not_found, const DownloadHooks& hooks) {
    std::optional<content::PartialDownload> partial;
    auto begin = [&]() -> Result<void> {
        partial.reset();  // releases the lock of a discarded partial first
        auto p = store.begin_partial(item.file);
        if (!p) return std::unexpected(p.error());
        partial.emplace(std::move(*p));
        return {};
    };
    if (auto b = begin(); !b) return std::unexpected(b.error());
    const std::uint64_t start = partial->offset();
    std::uint64_t got = 0, since_checkpoint = 0;
    bool restarted = false;
    BodySink sink = [&](long status, std::string_view chunk) -> Result<void> {
        if (status == 200 && start > 0 && !restarted) {
            restarted = true;
            log::sync()->info("{}: the server ignored the Range request; taking the whole file", util::redact_url(item.url));
            if (auto d = partial->discard(); !d) return d;
            if (auto b = begin(); !b) return b;
        }
        if (auto r = partial->append(chunk); !r) return r;
        got += chunk.size();
        since_checkpoint += chunk.size();
        if (hooks.on_bytes) hooks.on_bytes(chunk.size());
        // Waiting here holds libcurl in its callback: it stops reading and TCP slows the sender.
        if (hooks.limiter && !hooks.limiter->acquire(chunk.size(), hooks.cancel)) return fail(Errc::conflict, "cancelled");
        if (since_checkpoint >= checkpoint_bytes) {
            since_checkpoint = 0;
            return partial->checkpoint();
        }
        return {};
    };
    auto reply = http.get(item.url, start, sink);
    if (!reply) {
        if (got) (void)partial->checkpoint();  // keep what arrived for the next attempt
        return std::unexpected(reply.error());
    }
    if (reply->status == 404) {
        not_found = true;
        return got;
    }
    if (reply->status != 200 && reply->status != 206)
        return fail(Errc::io, "HTTP " + std::to_string(reply->status) + " for " + util::redact_url(item.url));
    // A digest mismatch discards the partial: the next attempt starts clean.
    if (auto f = partial->finish(); !f) return std::unexpected(f.error());
    return got;
}

}  // namespace

std::string upstream_content_url(const std::string& root_url, const content::ExpectedFile& file) {
    std::string root = root_url;
    while (!root.empty() && root.back() == '/') root.pop_back();
    const std::string sha = util::to_upper(file.sha1);
    return root + "/Content/" + sha.substr(sha.size() - 2) + "/" + sha + (file.extension.empty() ? "" : "." + file.extension);
}

DownloadResult download_file(HttpTransport& http, content::ContentStore& store, const DownloadItem& item,
                             const RetryPolicy& retry, const Sleeper& sleep, std::uint64_t checkpoint_bytes,
                             const DownloadHooks& hooks) {
    if (store.quick_state(item.file) == content::FileState::present) return {DownloadOutcome::already_present, 0, {}};
    bool not_found = false;
    std::uint64_t total = 0;
    auto r = with_retry(
        retry, sleep,
        [&]() -> Result<std::uint64_t> {
            auto got = attempt(http, store, item, checkpoint_bytes, not_found, hooks);
            if (got) total += *got;
            // A corrupt transfer (digest mismatch) is worth one more clean try, like a network error.
            if (!got && (got.error().code == Errc::corrupt || got.error().code == Errc::invalid_argument))
                return fail(Errc::io, got.error().message);
            return got;
        },
        [&](unsigned n, const Error& e, std::chrono::milliseconds d) {
            log::sync()->warn("download {} ({}): {}; retry {} of {} in {} ms", item.name, util::redact_url(item.url), e.message, n,
                              retry.retries, d.count());
        });
    if (!r) {
        if (r.error().code == Errc::conflict && r.error().message == "cancelled")
            return {DownloadOutcome::cancelled, total, r.error().message};
        if (r.error().code == Errc::conflict && store.quick_state(item.file) == content::FileState::present)
            return {DownloadOutcome::already_present, total, {}};
        return {DownloadOutcome::failed, total, r.error().message};
    }
    if (not_found) return {DownloadOutcome::not_on_upstream, total, "HTTP 404 for " + util::redact_url(item.url)};
    return {DownloadOutcome::stored, total, {}};
}

}  // namespace wsusd::sync
