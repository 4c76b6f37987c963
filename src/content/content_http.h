// HTTP serving of the update content directory (/Content/<XX>/<SHA1>.<ext>, MS-WUSP §2.2.2.5) and the self-update
// directory (/selfupdate/...): GET and HEAD with single and multiple ranges and conditional requests. Handlers run on
// the worker pool; the file bytes are streamed by the network layer (net::HttpResponse::file), never loaded.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "content/content_store.h"
#include "net/http_message.h"
#include "net/router.h"
#include "util/string_hash.h"
#include "wsusd/result.h"

namespace wsusd::store {
class Store;
}

namespace wsusd::content {

/// What the catalog says about the file with this SHA-1 (40 lower-case hex digits). Errc::not_found when the
/// catalog has no such file.
using FileLookup = std::function<Result<ExpectedFile>(std::string_view sha1)>;

/// The store's file table as a FileLookup (one indexed read per request).
FileLookup store_lookup(std::shared_ptr<store::Store> db);

/// A content URL path taken apart.
struct ContentPath {
    std::string sha1;       ///< lower case
    std::string extension;  ///< lower case, without the dot; empty when the URL has none
};

/// Matches exactly `/Content/<XX>/<SHA1>[.<ext>]` (case-insensitive; XX = the last two digits of the SHA-1;
/// ext 1–16 letters or digits). Anything else (other folders, "..", "%2e", extra segments) → nullopt.
std::optional<ContentPath> parse_content_path(std::string_view path);

/// MIME type of a content file by extension (lower case, no dot), as IIS on a WSUS server maps them;
/// application/octet-stream for anything unknown.
std::string mime_type(std::string_view extension);

/// The strong entity tag of a content file: its SHA-1 in quotes.
std::string etag_of(std::string_view sha1);

/// The answer for one verified file: preconditions (304/412), ranges (206, multipart/byteranges, 416) or the
/// whole file (200), with Accept-Ranges, ETag and Last-Modified. Ranges apply to GET only (RFC 9110 §14.2).
net::HttpResponse file_response(const net::HttpRequest& req, const StoredFile& file, const ExpectedFile& expected);

/// Catalog answers remembered so that the network thread can serve a content request without the store. An entry
/// lives `ttl` (a file taken out of the catalog stops being served by then, even when its bytes stay on disk); when
/// `capacity` entries are held the table starts over. Only found files are remembered: a file that arrives with
/// the next sync is served at once. Thread-safe.
class LookupCache {
  public:
    /// A remembered file: as normalize() returns it, with its path in the content store.
    struct Entry {
        ExpectedFile file;
        std::string path;
        std::chrono::steady_clock::time_point expires;
    };
    LookupCache(std::size_t capacity, std::chrono::seconds ttl) : capacity_(capacity), ttl_(ttl) {}
    /// The remembered entry for this SHA-1 (lower case), if it has not expired.
    std::shared_ptr<const Entry> peek(std::string_view sha1) const;
    /// Remembers `file` (normalized) and its `path` in the store.
    void remember(const ExpectedFile& file, std::string path);

  private:
    std::size_t capacity_;
    std::chrono::seconds ttl_;
    mutable std::shared_mutex mu_;
    util::StringMap<std::shared_ptr<const Entry>> entries_;
};

/// GET/HEAD /Content/... on the worker pool: 404 for a malformed path, a file the catalog does not know, a missing
/// file or a corrupt one (logged); 405 for other methods; 500 when the store or the disk fails. Found files are
/// remembered in `cache` when one is given.
net::Handler make_content_handler(std::shared_ptr<ContentStore> store, FileLookup lookup,
                                  std::shared_ptr<LookupCache> cache = nullptr);

/// The same answers on the network thread for a GET/HEAD of a file that `cache` knows and whose bytes were already
/// verified; nullopt (everything else, errors included) leaves the request to make_content_handler. It reads no
/// file contents and queries no store, so a download storm costs no thread hand-offs.
net::QuickHandler make_content_quick_handler(std::shared_ptr<ContentStore> store, std::shared_ptr<LookupCache> cache);

/// GET/HEAD /selfupdate/...: 404, as a WSUS whose self-update folder holds no files (Windows 10 and later never
/// self-update through WSUS: MS-WUSP <2>, <6>); 405 for other methods.
net::Handler make_selfupdate_handler();

}  // namespace wsusd::content
