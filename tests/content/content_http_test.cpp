#include "content/content_http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "content/http_ranges.h"
#include "test_files.h"
#include "util/time_format.h"

namespace fs = std::filesystem;
using namespace wsusd;
using namespace wsusd::content;
using namespace wsusd::content::testing;

namespace {

net::HttpRequest request(std::string method, std::string path,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    net::HttpRequest r;
    r.method = std::move(method);
    r.target = path;
    r.path = std::move(path);
    r.headers = std::move(headers);
    r.request_id = "t.1";
    return r;
}

std::string header(const net::HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (net::iequals(k, name)) return v;
    return {};
}

// What the network layer would send as the body.
std::string body_of(const net::HttpResponse& r, const std::string& file_bytes) {
    if (!r.file) return r.body;
    std::string out;
    for (const auto& p : r.file->parts) out += p.prefix + file_bytes.substr(p.offset, p.length);
    return out + r.file->suffix;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string url_of(const ExpectedFile& e) {
    std::string u = upper(e.sha1);
    return "/Content/" + u.substr(38) + "/" + u + (e.extension.empty() ? "" : "." + e.extension);
}

}  // namespace

TEST(ContentHttp, ContentPathsMatchExactly) {
    const std::string sha = "2F88DF42DA48AA980FB748D13BAA2DE49CD154AB";
    auto ok = parse_content_path("/Content/AB/" + sha + ".exe");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->sha1, "2f88df42da48aa980fb748d13baa2de49cd154ab");
    EXPECT_EQ(ok->extension, "exe");
    auto lower = parse_content_path("/content/ab/2f88df42da48aa980fb748d13baa2de49cd154ab.EXE");
    ASSERT_TRUE(lower);
    EXPECT_EQ(lower->extension, "exe");
    auto bare = parse_content_path("/CONTENT/AB/" + sha);
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->extension, "");
    const std::vector<std::string> bad_paths{
        "/Content/AC/" + sha + ".exe",            // folder is not the last two digits
        "/Content/AB/" + sha + ".exe/",           // extra segment
        "/Content/AB/" + sha + ".",               // empty extension
        "/Content/AB/" + sha + ".ex-e",           // not alphanumeric
        "/Content/AB/" + sha + "x.exe",           // 41 digits
        "/Content/AB/" + sha.substr(1) + ".exe",  // 39 digits
        "/Content/AB//" + sha + ".exe",
        "/Content/AB/../AB/" + sha + ".exe",
        "/Content/../wsusd.db",
        "/Content/AB/%2e%2e%2fwsusd.db",
        "/Content/AB/" + sha + ".exe%00.txt",
        "/Content/AB/" + sha + ".12345678901234567",
        "/Content/",
        "/Contents/AB/" + sha + ".exe",
        "/selfupdate/AB/" + sha + ".exe",
    };
    for (const auto& bad : bad_paths) EXPECT_FALSE(parse_content_path(bad)) << bad;
}

TEST(ContentHttp, MimeTypes) {
    EXPECT_EQ(mime_type("cab"), "application/vnd.ms-cab-compressed");
    EXPECT_EQ(mime_type("exe"), "application/octet-stream");  // as real WSUS sends it
    EXPECT_EQ(mime_type("msu"), "application/octet-stream");
    EXPECT_EQ(mime_type("esd"), "application/octet-stream");
    EXPECT_EQ(mime_type("psf"), "application/octet-stream");
    EXPECT_EQ(mime_type("MSIXBUNDLE"), "application/msixbundle");
    EXPECT_EQ(mime_type("appx"), "application/appx");
    EXPECT_EQ(mime_type("txt"), "text/plain");
    EXPECT_EQ(mime_type("whatever"), "application/octet-stream");
    EXPECT_EQ(mime_type(""), "application/octet-stream");
}

class ContentHttpFile : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = *ContentStore::open(dir_.path() / "content");
        bytes_ = some_bytes(10000, 11);
        expected_ = expected_for(bytes_, "cab");
        ASSERT_TRUE(store_->write(expected_, bytes_));
        auto f = store_->open_verified(expected_);
        ASSERT_TRUE(f);
        file_ = *f;
        url_ = url_of(expected_);
        etag_ = "\"" + expected_.sha1 + "\"";
        last_modified_ = util::http_date(file_.modified);
    }
    net::HttpResponse get(std::vector<std::pair<std::string, std::string>> headers = {}, std::string method = "GET") {
        return file_response(request(std::move(method), url_, std::move(headers)), file_, expected_);
    }

    TempDir dir_;
    std::shared_ptr<ContentStore> store_;
    std::string bytes_;
    ExpectedFile expected_;
    StoredFile file_;
    std::string url_, etag_, last_modified_;
};

TEST_F(ContentHttpFile, WholeFileWithValidators) {
    auto r = get();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.content_type, "application/vnd.ms-cab-compressed");
    EXPECT_EQ(header(r, "Accept-Ranges"), "bytes");
    EXPECT_EQ(header(r, "ETag"), etag_);
    EXPECT_EQ(header(r, "Last-Modified"), last_modified_);
    ASSERT_TRUE(r.file);
    EXPECT_EQ(r.file->path, file_.path);
    EXPECT_EQ(r.file->size(), bytes_.size());
    EXPECT_EQ(body_of(r, bytes_), bytes_);
    EXPECT_FALSE(r.compressible);
}

TEST_F(ContentHttpFile, SingleRange) {
    auto r = get({{"Range", "bytes=9500-"}});
    EXPECT_EQ(r.status, 206u);
    EXPECT_EQ(header(r, "Content-Range"), "bytes 9500-9999/10000");
    EXPECT_EQ(r.content_type, "application/vnd.ms-cab-compressed");
    EXPECT_EQ(body_of(r, bytes_), bytes_.substr(9500));
}

TEST_F(ContentHttpFile, MultipleRangesAreMultipart) {
    auto r = get({{"Range", "bytes=0-0,-500"}});
    EXPECT_EQ(r.status, 206u);
    ASSERT_TRUE(r.content_type.starts_with("multipart/byteranges; boundary=")) << r.content_type;
    std::string b = r.content_type.substr(r.content_type.find('=') + 1);
    EXPECT_EQ(header(r, "Content-Range"), "");
    std::string want =
        "--" + b + "\r\nContent-Type: application/vnd.ms-cab-compressed\r\nContent-Range: bytes 0-0/10000\r\n\r\n" +
        bytes_.substr(0, 1) + "\r\n--" + b +
        "\r\nContent-Type: application/vnd.ms-cab-compressed\r\nContent-Range: bytes 9500-9999/10000\r\n\r\n" +
        bytes_.substr(9500) + "\r\n--" + b + "--\r\n";
    EXPECT_EQ(body_of(r, bytes_), want);
    EXPECT_EQ(r.file->size(), want.size());
}

TEST_F(ContentHttpFile, UnsatisfiableRange) {
    auto r = get({{"Range", "bytes=10000-"}});
    EXPECT_EQ(r.status, 416u);
    EXPECT_EQ(header(r, "Content-Range"), "bytes */10000");
    EXPECT_FALSE(r.file);
}

TEST_F(ContentHttpFile, InvalidRangeIsIgnored) {
    auto r = get({{"Range", "bytes=5-2"}});
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.file->size(), 10000u);
}

TEST_F(ContentHttpFile, HeadIgnoresRange) {
    auto r = get({{"Range", "bytes=0-0"}}, "HEAD");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.file->size(), 10000u);  // Content-Length of the GET answer; the network layer sends no body
}

TEST_F(ContentHttpFile, ConditionalRequests) {
    auto r = get({{"If-None-Match", etag_}});
    EXPECT_EQ(r.status, 304u);
    EXPECT_FALSE(r.file);
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(r.content_type.empty());
    EXPECT_EQ(header(r, "ETag"), etag_);
    EXPECT_EQ(get({{"If-Modified-Since", last_modified_}}).status, 304u);
    EXPECT_EQ(get({{"If-None-Match", "\"other\""}, {"If-Modified-Since", last_modified_}}).status, 200u);
    EXPECT_EQ(get({{"If-Match", "\"other\""}}).status, 412u);
    EXPECT_EQ(get({{"If-None-Match", etag_}}, "HEAD").status, 304u);
    // If-Range: the range only while the file is the one the client has.
    EXPECT_EQ(get({{"Range", "bytes=0-9"}, {"If-Range", etag_}}).status, 206u);
    EXPECT_EQ(get({{"Range", "bytes=0-9"}, {"If-Range", last_modified_}}).status, 206u);
    auto changed = get({{"Range", "bytes=0-9"}, {"If-Range", "\"other\""}});
    EXPECT_EQ(changed.status, 200u);
    EXPECT_EQ(changed.file->size(), 10000u);
}

TEST_F(ContentHttpFile, HandlerAnswers) {
    std::map<std::string, ExpectedFile> catalog{{expected_.sha1, expected_}};
    std::string missing_bytes = some_bytes(50, 12);
    auto missing = expected_for(missing_bytes, "exe");
    catalog[missing.sha1] = missing;
    bool fail_store = false;
    auto handler = make_content_handler(store_, [&](std::string_view sha1) -> Result<ExpectedFile> {
        if (fail_store) return fail(Errc::store, "database is locked");
        auto it = catalog.find(std::string(sha1));
        if (it == catalog.end()) return fail(Errc::not_found, "no such file");
        return it->second;
    });
    EXPECT_EQ(handler(request("GET", url_)).status, 200u);
    EXPECT_EQ(handler(request("HEAD", url_)).status, 200u);
    auto lower_case = url_;
    for (auto& c : lower_case) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(handler(request("GET", lower_case)).status, 200u);
    auto post = handler(request("POST", url_));
    EXPECT_EQ(post.status, 405u);
    EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
    EXPECT_EQ(handler(request("GET", url_.substr(0, url_.size() - 4) + ".exe")).status, 404u) << "wrong extension";
    EXPECT_EQ(handler(request("GET", url_.substr(0, url_.size() - 4))).status, 404u) << "no extension";
    EXPECT_EQ(handler(request("GET", url_of(missing))).status, 404u) << "in the catalog, not stored";
    EXPECT_EQ(handler(request("GET", url_of(expected_for("unknown")))).status, 404u) << "not in the catalog";
    EXPECT_EQ(handler(request("GET", "/Content/../wsusd.db")).status, 404u);
    // Corrupted on disk: never served.
    {
        std::fstream f(file_.path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(5000);
        f.put(static_cast<char>(bytes_[5000] ^ 1));
    }
    auto corrupt = handler(request("GET", url_));
    EXPECT_EQ(corrupt.status, 404u);
    EXPECT_FALSE(corrupt.file);
    fail_store = true;
    EXPECT_EQ(handler(request("GET", url_)).status, 500u);
}

TEST_F(ContentHttpFile, QuickHandlerServesOnlyRememberedVerifiedFiles) {
    std::map<std::string, ExpectedFile> catalog{{expected_.sha1, expected_}};
    int lookups = 0;
    auto cache = std::make_shared<LookupCache>(100, std::chrono::seconds(60));
    auto handler = make_content_handler(
        store_,
        [&](std::string_view sha1) -> Result<ExpectedFile> {
            ++lookups;
            auto it = catalog.find(std::string(sha1));
            if (it == catalog.end()) return fail(Errc::not_found, "no such file");
            return it->second;
        },
        cache);
    auto quick = make_content_quick_handler(store_, cache);
    // Nothing remembered yet: the request goes to the worker pool's handler, which asks the catalog.
    EXPECT_FALSE(quick(request("GET", url_)));
    EXPECT_EQ(handler(request("GET", url_)).status, 200u);
    EXPECT_EQ(lookups, 1);
    // Now answered by the quick handler, with the same answer the handler gives.
    auto fast = quick(request("GET", url_, {{"Range", "bytes=10-19"}}));
    ASSERT_TRUE(fast);
    EXPECT_EQ(fast->status, 206u);
    EXPECT_EQ(header(*fast, "Content-Range"), "bytes 10-19/10000");
    EXPECT_EQ(body_of(*fast, bytes_), bytes_.substr(10, 10));
    ASSERT_TRUE(fast->file && fast->file->fd);
    auto head = quick(request("HEAD", url_));
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200u);
    EXPECT_EQ(lookups, 1);
    // Everything else is the handler's: other methods, other extensions, malformed paths.
    EXPECT_FALSE(quick(request("POST", url_)));
    EXPECT_FALSE(quick(request("GET", url_.substr(0, url_.size() - 4) + ".exe")));
    EXPECT_FALSE(quick(request("GET", "/Content/../wsusd.db")));
    // A file changed on disk is judged again by the handler (which finds it corrupt), never by the quick one.
    {
        std::fstream f(file_.path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(123);
        f.put(static_cast<char>(bytes_[123] ^ 1));
    }
    EXPECT_FALSE(quick(request("GET", url_)));
    EXPECT_EQ(handler(request("GET", url_)).status, 404u);
    EXPECT_FALSE(quick(request("GET", url_)));
}

TEST(LookupCache, EntriesExpireAndAFullTableStartsOver) {
    auto file = [](char c) { return ExpectedFile{std::string(40, c), "", 1, "cab"}; };
    LookupCache cache(2, std::chrono::seconds(60));
    cache.remember(file('a'), "/p/a");
    cache.remember(file('b'), "/p/b");
    EXPECT_TRUE(cache.peek(std::string(40, 'a')));
    EXPECT_TRUE(cache.peek(std::string(40, 'b')));
    cache.remember(file('b'), "/p/b");  // already there: no eviction
    EXPECT_TRUE(cache.peek(std::string(40, 'a')));
    cache.remember(file('c'), "/p/c");  // full: starts over
    EXPECT_FALSE(cache.peek(std::string(40, 'a')));
    ASSERT_TRUE(cache.peek(std::string(40, 'c')));
    EXPECT_EQ(cache.peek(std::string(40, 'c'))->path, "/p/c");
    EXPECT_EQ(cache.peek(std::string(40, 'c'))->file.extension, "cab");
    LookupCache expired(10, std::chrono::seconds(0));
    expired.remember(file('a'), "/p/a");
    EXPECT_FALSE(expired.peek(std::string(40, 'a')));
    LookupCache off(0, std::chrono::seconds(60));
    off.remember(file('a'), "/p/a");
    EXPECT_FALSE(off.peek(std::string(40, 'a')));
}

TEST(LookupCache, ConcurrentReadersAndWriters) {
    LookupCache cache(64, std::chrono::seconds(60));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                std::string sha(40, static_cast<char>('a' + (i + t) % 26));
                if (t % 2) {
                    cache.remember(ExpectedFile{sha, "", static_cast<std::uint64_t>(sha[0]), "cab"}, "/p/" + sha);
                } else if (auto e = cache.peek(sha);
                           e && (e->file.size != static_cast<std::uint64_t>(sha[0]) || e->path != "/p/" + sha)) {
                    ++wrong;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
}

TEST(ContentHttp, SelfUpdateHasNoFiles) {
    auto h = make_selfupdate_handler();
    EXPECT_EQ(h(request("GET", "/selfupdate/wuident.cab")).status, 404u);
    EXPECT_EQ(h(request("HEAD", "/SelfUpdate/AU/x86/XP/en/wusetup.cab")).status, 404u);
    EXPECT_EQ(h(request("POST", "/selfupdate/wuident.cab")).status, 405u);
}
