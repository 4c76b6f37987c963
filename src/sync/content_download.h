// Content synchronization (MS-WSUSSS §3.2.4.4): update files fetched over HTTP into the hash-verified content
// store. Every byte goes through ContentStore's PartialDownload (verified before it is renamed into place), so a
// file with a wrong digest is never served; an interrupted download resumes from its last checkpoint with a Range
// request, and falls back to a whole-file GET when a proxy or the upstream ignores Range.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "content/content_store.h"
#include "sync/http_transport.h"
#include "sync/rate_limiter.h"
#include "sync/retry.h"

namespace wsusd::sync {

struct DownloadItem {
    content::ExpectedFile file;
    std::string url;
    std::string name;  ///< catalog file name, for logs
};

enum class DownloadOutcome { stored, already_present, not_on_upstream, failed, cancelled };

struct DownloadResult {
    DownloadOutcome outcome = DownloadOutcome::failed;
    std::uint64_t bytes = 0;  ///< transferred in this call
    std::string error;
};

/// What a download reports and obeys while bytes arrive (on the transfer's thread).
struct DownloadHooks {
    RateLimiter* limiter = nullptr;                    ///< shared bandwidth limit; null = unlimited
    std::function<void(std::uint64_t)> on_bytes;      ///< bytes just received (live progress)
    const std::atomic<bool>* cancel = nullptr;        ///< ends a wait on the limiter
};

/// Downloads one file (retrying network failures with backoff; each retry resumes where the last one stopped).
DownloadResult download_file(HttpTransport& http, content::ContentStore& store, const DownloadItem& item,
                             const RetryPolicy& retry, const Sleeper& sleep,
                             std::uint64_t checkpoint_bytes = 8ull << 20, const DownloadHooks& hooks = {});

/// URL of a file on a USS: ROOT/Content/<last two hex digits>/<SHA-1>.<ext> (MS-WSUSSS §2.1, as WSUS lays it out).
std::string upstream_content_url(const std::string& root_url, const content::ExpectedFile& file);

}  // namespace wsusd::sync
