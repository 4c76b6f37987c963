#include "content/content_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "test_files.h"

namespace fs = std::filesystem;
using namespace wsusd;
using namespace wsusd::content;
using namespace wsusd::content::testing;

namespace {

std::shared_ptr<ContentStore> open_store(const TempDir& dir) {
    auto s = ContentStore::open(dir.path() / "content");
    EXPECT_TRUE(s) << s.error().message;
    return *s;
}

// Everything in the store folder except the given final file (temporary files must not be left behind).
std::vector<std::string> entries(const fs::path& root) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
    return out;
}

// Overwrites one byte in place, keeping the size (what bit rot or tampering looks like).
void flip_byte(const fs::path& p, std::uint64_t at) {
    int fd = ::open(p.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c = 0;
    ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(at)), 1);
    c = static_cast<char>(c ^ 0x5a);
    ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(at)), 1);
    ::close(fd);
}

}  // namespace

TEST(ContentStore, ExtensionOfFileNames) {
    const std::pair<const char*, const char*> cases[] = {
        {"windows10.0-kb5000001-x64.cab", "cab"},
        {"SETUP.EXE", "exe"},
        {"a.b.MsixBundle", "msixbundle"},
        {"noext", ""},
        {"trailingdot.", ""},
        {"x.ex e", ""},
        {"x.a/b", ""},
        {"x.12345678901234567", ""},
        {"x.1234567890123456", "1234567890123456"},
    };
    for (const auto& [name, ext] : cases) EXPECT_EQ(extension_of(name), ext) << name;
}

TEST(ContentStore, NormalizeRejectsMalformedDigests) {
    EXPECT_FALSE(normalize({"abc", std::nullopt, 1, "cab"}));
    EXPECT_FALSE(normalize({std::string(40, 'g'), std::nullopt, 1, "cab"}));
    EXPECT_FALSE(normalize({std::string(40, 'a'), std::string(63, 'a'), 1, "cab"}));
    EXPECT_FALSE(normalize({std::string(40, 'a'), std::nullopt, 1, "../x"}));
    auto ok = normalize({std::string(40, 'A'), std::string(64, 'B'), 1, "CAB"});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->sha1, std::string(40, 'a'));
    EXPECT_EQ(*ok->sha256, std::string(64, 'b'));
    EXPECT_EQ(ok->extension, "cab");
}

TEST(ContentStore, VerifiedWriteLandsUnderTheWsusContentName) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(300000);
    auto e = expected_for(bytes, "exe");
    ASSERT_TRUE(store->write(e, bytes));
    auto path = store->path_of(e);
    ASSERT_TRUE(path);
    std::string upper = e.sha1;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(*path, dir.path() / "content" / upper.substr(38) / (upper + ".exe"));
    EXPECT_EQ(read_all(*path), bytes);
    EXPECT_EQ(store->quick_state(e), FileState::present);
    auto v = store->verify(e);
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, FileState::present);
    auto served = store->open_verified(e);
    ASSERT_TRUE(served) << served.error().message;
    EXPECT_EQ(served->size, bytes.size());
    EXPECT_EQ(entries(dir.path() / "content").size(), 1u);
}

TEST(ContentStore, ImportCopiesAFileAndChecksIt) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(3 * 1024 * 1024 + 17, 2);  // several copy chunks
    fs::path src = dir.path() / "source.bin";
    std::ofstream(src, std::ios::binary) << bytes;
    auto e = expected_for(bytes);
    ASSERT_TRUE(store->import_file(src, e));
    EXPECT_EQ(read_all(*store->path_of(e)), bytes);
}

TEST(ContentStore, WrongDigestIsRefusedAndNothingIsLeftBehind) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(5000);
    auto good = expected_for(bytes);

    auto wrong_sha1 = good;
    wrong_sha1.sha1 = expected_for(some_bytes(5000, 9)).sha1;
    auto wrong_sha256 = good;
    wrong_sha256.sha256 = expected_for(some_bytes(5000, 9)).sha256;
    auto wrong_size = good;
    wrong_size.size = 4999;
    for (const auto& e : {wrong_sha1, wrong_sha256, wrong_size}) {
        auto r = store->write(e, bytes);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
        EXPECT_EQ(store->quick_state(e), FileState::missing);
        auto served = store->open_verified(e);
        ASSERT_FALSE(served);
        EXPECT_EQ(served.error().code, Errc::not_found);
    }
    EXPECT_TRUE(entries(dir.path() / "content").empty()) << entries(dir.path() / "content").front();
    // Without a SHA-256 in the catalog, SHA-1 and size decide.
    auto sha1_only = good;
    sha1_only.sha256.reset();
    EXPECT_TRUE(store->write(sha1_only, bytes));
}

TEST(ContentStore, FileCorruptedOnDiskIsNeverServed) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(100000, 3);
    auto e = expected_for(bytes);
    ASSERT_TRUE(store->write(e, bytes));
    ASSERT_TRUE(store->open_verified(e));
    auto path = *store->path_of(e);
    flip_byte(path, 4242);
    EXPECT_EQ(store->quick_state(e), FileState::present);  // same size: only hashing tells
    auto served = store->open_verified(e);
    ASSERT_FALSE(served);
    EXPECT_EQ(served.error().code, Errc::corrupt);
    EXPECT_EQ(*store->verify(e), FileState::corrupt);
    // Put right again (a new import replaces it): served again.
    ASSERT_TRUE(store->write(e, bytes));
    EXPECT_TRUE(store->open_verified(e));
    // A truncated file is caught by its size.
    ASSERT_EQ(::truncate(path.c_str(), 10), 0);
    EXPECT_EQ(store->quick_state(e), FileState::corrupt);
    EXPECT_EQ(store->open_verified(e).error().code, Errc::corrupt);
}

TEST(ContentStore, OpenIfVerifiedServesOnlyVersionsAlreadyJudged) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(100000, 5);
    auto e = expected_for(bytes, "cab");
    ASSERT_TRUE(store->write(e, bytes));
    // Written through the store: hashed on the way in, so served at once without a second hash.
    auto first = store->open_if_verified(e);
    ASSERT_TRUE(first);
    ASSERT_TRUE(*first) << first->error().message;
    ASSERT_TRUE((*first)->fd);
    EXPECT_EQ((*first)->size, bytes.size());
    // Changed on disk: a new version that only hashing can judge, so no answer without hashing.
    auto path = *store->path_of(e);
    flip_byte(path, 777);
    EXPECT_FALSE(store->open_if_verified(e));
    EXPECT_EQ(store->open_verified(e).error().code, Errc::corrupt);
    auto after = store->open_if_verified(e);
    EXPECT_TRUE(!after || (!*after && after->error().code == Errc::corrupt)) << "a corrupt file is never opened";
    // Not stored at all: known without hashing.
    auto other = expected_for(some_bytes(10, 6), "cab");
    auto missing = store->open_if_verified(other);
    ASSERT_TRUE(missing);
    ASSERT_FALSE(*missing);
    EXPECT_EQ(missing->error().code, Errc::not_found);
}

TEST(ContentStore, OpenVerifiedHandsOutTheDescriptorItHashed) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(50000, 7);
    auto e = expected_for(bytes, "exe");
    ASSERT_TRUE(store->write(e, bytes));
    auto opened = store->open_verified(e);
    ASSERT_TRUE(opened);
    // Replaced after the check (the path now names other bytes): the descriptor still reads the checked ones.
    auto path = *store->path_of(e);
    fs::remove(path);
    { std::ofstream(path, std::ios::binary) << std::string(bytes.size(), 'x'); }
    std::string read_back(bytes.size(), '\0');
    ASSERT_EQ(::pread(opened->fd->get(), read_back.data(), read_back.size(), 0),
              static_cast<ssize_t>(read_back.size()));
    EXPECT_TRUE(read_back == bytes);
}

TEST(ContentStore, PartialDownloadResumesAtTheCheckpointedLength) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(1000000, 4);
    auto e = expected_for(bytes, "msu");
    {
        auto p = store->begin_partial(e);
        ASSERT_TRUE(p) << p.error().message;
        EXPECT_EQ(p->offset(), 0u);
        ASSERT_TRUE(p->append(std::string_view(bytes).substr(0, 400000)));
        ASSERT_TRUE(p->checkpoint());
        // Written but not checkpointed when the process "dies": may be torn, so it is dropped on resume.
        ASSERT_TRUE(p->append(std::string_view(bytes).substr(400000, 100000)));
    }
    EXPECT_EQ(store->quick_state(e), FileState::partial);
    auto partial = *store->path_of(e);
    partial += ".partial";
    {  // garbage past the recorded length, as a torn write would leave
        std::ofstream(partial, std::ios::binary | std::ios::app) << "garbage";
    }
    auto p = store->begin_partial(e);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->offset(), 400000u);
    ASSERT_TRUE(p->append(std::string_view(bytes).substr(400000)));
    EXPECT_FALSE(p->append("x")) << "beyond the catalog size";
    ASSERT_TRUE(p->finish());
    EXPECT_EQ(read_all(*store->path_of(e)), bytes);
    EXPECT_EQ(store->quick_state(e), FileState::present);
    EXPECT_FALSE(fs::exists(partial));
    EXPECT_EQ(entries(dir.path() / "content").size(), 1u);
    EXPECT_EQ(store->begin_partial(e).error().code, Errc::conflict) << "already stored";
}

TEST(ContentStore, PartialDownloadWithWrongBytesIsDiscarded) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(20000, 5);
    auto e = expected_for(bytes);
    auto p = store->begin_partial(e);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->finish().error().code, Errc::invalid_argument) << "incomplete";
    std::string other = some_bytes(20000, 6);
    ASSERT_TRUE(p->append(other));
    auto r = p->finish();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::corrupt);
    EXPECT_EQ(store->quick_state(e), FileState::missing);
    EXPECT_TRUE(entries(dir.path() / "content").empty());
}

TEST(ContentStore, OneDownloadPerFileAtATime) {
    TempDir dir;
    auto store = open_store(dir);
    auto e = expected_for(some_bytes(100, 7));
    auto first = store->begin_partial(e);
    ASSERT_TRUE(first);
    auto second = store->begin_partial(e);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::conflict);
    ASSERT_TRUE(first->discard());
    EXPECT_EQ(store->quick_state(e), FileState::missing);
}

TEST(ContentStore, ConcurrentFirstRequestsShareOneVerdict) {
    TempDir dir;
    auto store = open_store(dir);
    std::string bytes = some_bytes(2 * 1024 * 1024, 8);
    auto e = expected_for(bytes);
    ASSERT_TRUE(store->write(e, bytes));
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            if (store->open_verified(e)) ++ok;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 8);
}
