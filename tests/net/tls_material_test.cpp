#include "net/tls_material.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace fs = std::filesystem;
using wsusd::net::ServerTls;

namespace {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / ("wsusd-tls-test-" + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

void make_pair(const fs::path& dir, const std::string& host) {
    auto made = wsusd::net::ensure_self_signed(dir / "server.crt", dir / "server.key", host, {host});
    ASSERT_TRUE(made && *made);
}

void copy_over(const fs::path& from, const fs::path& to) {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST(ServerTls, ReloadSwapsTheContextForNewConnections) {
    TempDir a, b, live;
    make_pair(a.path(), "first.example");
    make_pair(b.path(), "second.example");
    copy_over(a.path() / "server.crt", live.path() / "server.crt");
    copy_over(a.path() / "server.key", live.path() / "server.key");
    auto tls = ServerTls::load(live.path() / "server.crt", live.path() / "server.key");
    ASSERT_TRUE(tls) << tls.error().message;
    auto before = (*tls)->current();
    copy_over(b.path() / "server.crt", live.path() / "server.crt");
    copy_over(b.path() / "server.key", live.path() / "server.key");
    auto fp = (*tls)->reload();
    ASSERT_TRUE(fp) << fp.error().message;
    EXPECT_EQ(*fp, wsusd::net::certificate_fingerprint(b.path() / "server.crt"));
    EXPECT_NE(*fp, wsusd::net::certificate_fingerprint(a.path() / "server.crt"));
    EXPECT_NE((*tls)->current(), before);
    EXPECT_EQ(before.use_count(), 1) << "the old context lives on only while someone (a connection) holds it";
}

TEST(ServerTls, BrokenFilesKeepTheCurrentContext) {
    TempDir a, b;
    make_pair(a.path(), "first.example");
    make_pair(b.path(), "second.example");
    auto tls = ServerTls::load(a.path() / "server.crt", a.path() / "server.key");
    ASSERT_TRUE(tls);
    auto current = (*tls)->current();

    // A key that belongs to another certificate (the two files replaced one at a time).
    copy_over(b.path() / "server.key", a.path() / "server.key");
    auto r = (*tls)->reload();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("does not match"), std::string::npos) << r.error().message;
    EXPECT_EQ((*tls)->current(), current);

    // Not a certificate at all.
    std::ofstream(a.path() / "server.crt") << "not a certificate\n";
    r = (*tls)->reload();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("server.crt"), std::string::npos) << r.error().message;
    EXPECT_EQ((*tls)->current(), current);

    // A valid pair whose key others can read is not taken either.
    copy_over(b.path() / "server.crt", a.path() / "server.crt");
    fs::permissions(a.path() / "server.key", fs::perms::others_read, fs::perm_options::add);
    r = (*tls)->reload();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos) << r.error().message;
    EXPECT_EQ((*tls)->current(), current);

    fs::permissions(a.path() / "server.key", fs::perms::others_read, fs::perm_options::remove);
    r = (*tls)->reload();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, wsusd::net::certificate_fingerprint(b.path() / "server.crt"));
}

TEST(ServerTls, MissingFilesFailAtLoad) {
    TempDir d;
    auto tls = ServerTls::load(d.path() / "none.crt", d.path() / "none.key");
    ASSERT_FALSE(tls);
    EXPECT_NE(tls.error().message.find("none.crt"), std::string::npos);
}
