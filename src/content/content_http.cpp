#include "content/content_http.h"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cstring>
#include <utility>

#include "content/http_ranges.h"
#include "store/revision_repo.h"
#include "store/store.h"
#include "util/ascii.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::content {

namespace {

constexpr const char* kOctetStream = "application/octet-stream";

std::string lower(std::string_view s) { return util::to_lower(s); }

bool get_or_head(const net::HttpRequest& req) { return req.method == "GET" || req.method == "HEAD"; }

net::HttpResponse not_allowed(const net::HttpRequest& req) {
    auto r = net::plain_response(405, "Only GET and HEAD are allowed on " + req.path);
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
}

net::HttpResponse not_found(std::string note) {
    auto r = net::plain_response(404, "Not found");
    r.note = std::move(note);
    return r;
}

// Multipart boundaries must not occur in the parts; 96 random bits make that practically impossible.
std::string boundary() {
    std::array<unsigned char, 12> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
        static std::atomic<std::uint64_t> counter{0x5eed};
        auto n = counter.fetch_add(0x9E3779B97F4A7C15ULL);
        std::memcpy(raw.data(), &n, sizeof n);
    }
    return "wsusd-" + util::to_hex({reinterpret_cast<const char*>(raw.data()), raw.size()});
}

}  // namespace

FileLookup store_lookup(std::shared_ptr<store::Store> db) {
    return [db = std::move(db)](std::string_view sha1) -> Result<ExpectedFile> {
        auto rec = db->with_reader([&](store::Connection& c) { return store::RevisionRepo(c).file_by_sha1(sha1); });
        if (!rec) return std::unexpected(rec.error());
        if (rec->size < 0) return fail(Errc::corrupt, "catalog file " + rec->sha1 + " has a negative size");
        return ExpectedFile{rec->sha1, rec->sha256, static_cast<std::uint64_t>(rec->size), extension_of(rec->name)};
    };
}

std::optional<ContentPath> parse_content_path(std::string_view path) {
    constexpr std::string_view kPrefix = "/content/";
    if (path.size() < kPrefix.size() || !util::iequals(path.substr(0, kPrefix.size()), kPrefix)) return std::nullopt;
    path.remove_prefix(kPrefix.size());
    // <XX>/<40 hex>[.<ext>]
    if (path.size() < 3 + 40 || path[2] != '/') return std::nullopt;
    std::string_view dir = path.substr(0, 2), name = path.substr(3);
    std::string_view sha = name.substr(0, 40), rest = name.substr(40);
    if (!is_sha1_hex(sha) || !util::iequals(dir, sha.substr(38))) return std::nullopt;
    ContentPath out{lower(sha), {}};
    if (!rest.empty()) {
        if (rest.front() != '.') return std::nullopt;
        out.extension = extension_of(rest);
        if (out.extension.empty() || out.extension.size() != rest.size() - 1) return std::nullopt;
    }
    return out;
}

std::string mime_type(std::string_view extension) {
    // IIS's static-file map plus the types a WSUS server adds for Windows 10/11 content (.esd, .psf, .msix...).
    // Real WSUS sends application/octet-stream for .exe (seen on the wire with Delivery Optimization).
    static const std::array<std::pair<std::string_view, std::string_view>, 18> kTypes{{
        {"cab", "application/vnd.ms-cab-compressed"},
        {"exe", kOctetStream},
        {"msu", kOctetStream},
        {"msi", kOctetStream},
        {"msp", kOctetStream},
        {"psf", kOctetStream},
        {"wim", kOctetStream},
        {"esd", kOctetStream},
        {"dll", "application/x-msdownload"},
        {"cat", "application/vnd.ms-pki.seccat"},
        {"appx", "application/appx"},
        {"appxbundle", "application/appxbundle"},
        {"msix", "application/msix"},
        {"msixbundle", "application/msixbundle"},
        {"zip", "application/x-zip-compressed"},
        {"txt", "text/plain"},
        {"xml", "text/xml"},
        {"rtf", "application/rtf"},
    }};
    std::string ext = lower(extension);
    for (const auto& [e, type] : kTypes)
        if (e == ext) return std::string(type);
    return kOctetStream;
}

std::string etag_of(std::string_view sha1) {
    std::string tag;
    tag.reserve(sha1.size() + 2);
    tag += '"';
    for (char c : sha1) tag += util::ascii_lower(c);
    tag += '"';
    return tag;
}

net::HttpResponse file_response(const net::HttpRequest& req, const StoredFile& file, const ExpectedFile& expected) {
    Validators v{etag_of(expected.sha1), file.modified};
    std::string last_modified = util::http_date(file.modified);
    auto validators = [&](net::HttpResponse& r) {
        r.headers.reserve(4);  // these three and Content-Range: one allocation per response
        r.headers.emplace_back("Accept-Ranges", "bytes");
        r.headers.emplace_back("ETag", v.etag);
        r.headers.emplace_back("Last-Modified", last_modified);
    };
    ConditionalHeaders cond{req.header("If-Match"), req.header("If-None-Match"), req.header("If-Modified-Since"),
                            req.header("If-Unmodified-Since"), req.header("If-Range")};
    switch (evaluate_preconditions(cond, v)) {
        case Precondition::not_modified: {
            net::HttpResponse r;
            r.status = 304;
            r.content_type.clear();  // a 304 has no body and describes none
            validators(r);
            r.note = "content";
            return r;
        }
        case Precondition::failed: {
            auto r = net::plain_response(412, "Precondition failed");
            validators(r);
            r.note = "content";
            return r;
        }
        case Precondition::proceed:
            break;
    }

    const std::string type = mime_type(expected.extension);
    net::HttpResponse r;
    r.content_type = type;
    r.note = "content";
    validators(r);
    net::FileBody body;
    body.path = file.path;
    body.fd = file.fd;
    body.fd_size = file.size;
    RangeDecision ranges;
    if (auto range = req.header("Range"); req.method == "GET" && !range.empty() && if_range_matches(cond.if_range, v))
        ranges = parse_range(range, file.size);
    switch (ranges.kind) {
        case RangeKind::whole:
            body.parts.push_back({{}, 0, file.size});
            break;
        case RangeKind::unsatisfiable: {
            auto bad = net::plain_response(416, "Range not satisfiable");
            bad.headers.emplace_back("Accept-Ranges", "bytes");
            bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(file.size));
            bad.note = "content";
            return bad;
        }
        case RangeKind::partial:
            r.status = 206;
            if (ranges.ranges.size() == 1) {
                const auto& one = ranges.ranges.front();
                r.headers.emplace_back("Content-Range", content_range(one, file.size));
                body.parts.push_back({{}, one.first, one.length()});
            } else {
                std::string b = boundary();
                r.content_type = "multipart/byteranges; boundary=" + b;
                for (const auto& part : ranges.ranges) {
                    body.parts.push_back({(body.parts.empty() ? "--" : "\r\n--") + b + "\r\nContent-Type: " + type +
                                              "\r\nContent-Range: " + content_range(part, file.size) + "\r\n\r\n",
                                          part.first, part.length()});
                }
                body.suffix = "\r\n--" + b + "--\r\n";
                r.note += " parts=" + std::to_string(ranges.ranges.size());
            }
            break;
    }
    r.file = std::move(body);
    return r;
}

std::shared_ptr<const LookupCache::Entry> LookupCache::peek(std::string_view sha1) const {
    std::shared_lock lock(mu_);
    auto it = entries_.find(sha1);
    if (it == entries_.end() || it->second->expires <= std::chrono::steady_clock::now()) return nullptr;
    return it->second;
}

void LookupCache::remember(const ExpectedFile& file, std::string path) {
    if (capacity_ == 0) return;
    auto entry =
        std::make_shared<const Entry>(Entry{file, std::move(path), std::chrono::steady_clock::now() + ttl_});
    std::unique_lock lock(mu_);
    if (entries_.size() >= capacity_ && !entries_.contains(std::string_view(file.sha1))) entries_.clear();
    entries_.insert_or_assign(file.sha1, std::move(entry));
}

net::Handler make_content_handler(std::shared_ptr<ContentStore> store, FileLookup lookup,
                                  std::shared_ptr<LookupCache> cache) {
    return [store = std::move(store), lookup = std::move(lookup),
            cache = std::move(cache)](const net::HttpRequest& req) -> net::HttpResponse {
        if (!get_or_head(req)) return not_allowed(req);
        auto path = parse_content_path(req.path);
        if (!path) return not_found("content: not a content path");
        auto expected = lookup(path->sha1);
        if (!expected) {
            if (expected.error().code == Errc::not_found) return not_found("content: not in the catalog");
            log::content()->error("[{}] {}: catalog lookup failed: {}", req.request_id, req.path,
                                  expected.error().message);
            return net::plain_response(500, "Internal server error");
        }
        // The extension is part of the name on disk, as on a real WSUS: another one names no file.
        if (expected->extension != path->extension) return not_found("content: wrong extension");
        auto file = store->open_verified(*expected);
        if (!file) {
            switch (file.error().code) {
                case Errc::not_found:
                    return not_found("content: not downloaded");
                case Errc::corrupt:
                    return not_found("content: corrupt, not served");  // logged by the store
                default:
                    log::content()->error("[{}] {}: {}", req.request_id, req.path, file.error().message);
                    return net::plain_response(500, "Internal server error");
            }
        }
        if (cache) {
            if (auto normal = normalize(*expected)) cache->remember(*normal, file->path);
        }
        return file_response(req, *file, *expected);
    };
}

net::QuickHandler make_content_quick_handler(std::shared_ptr<ContentStore> store, std::shared_ptr<LookupCache> cache) {
    return [store = std::move(store),
            cache = std::move(cache)](const net::HttpRequest& req) -> std::optional<net::HttpResponse> {
        if (!get_or_head(req)) return std::nullopt;
        auto path = parse_content_path(req.path);
        if (!path) return std::nullopt;
        auto known = cache->peek(path->sha1);
        if (!known || known->file.extension != path->extension) return std::nullopt;
        auto file = store->open_if_verified(known->file, known->path);
        if (!file || !*file) return std::nullopt;
        return file_response(req, **file, known->file);
    };
}

net::Handler make_selfupdate_handler() {
    return [](const net::HttpRequest& req) -> net::HttpResponse {
        if (!get_or_head(req)) return not_allowed(req);
        return not_found("selfupdate: no self-update files");
    };
}

}  // namespace wsusd::content
