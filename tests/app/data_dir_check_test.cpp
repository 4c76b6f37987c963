#include "app/data_dir_check.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>

namespace fs = std::filesystem;
using wsusd::app::secure_data_dir;

namespace {

class DataDir : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        dir_ = fs::temp_directory_path() / ("wsusd-datadir-test-" + std::to_string(rd()));
        fs::create_directories(dir_ / "keys");
        fs::create_directories(dir_ / "tls");
        std::ofstream(dir_ / "wsusd.db") << "x";
        std::ofstream(dir_ / "keys" / "cookie.keys") << "x";
        fs::permissions(dir_ / "wsusd.db", fs::perms(0644), fs::perm_options::replace);
        fs::permissions(dir_ / "keys" / "cookie.keys", fs::perms(0600), fs::perm_options::replace);
        fs::permissions(dir_ / "keys", fs::perms(0700), fs::perm_options::replace);
        fs::permissions(dir_ / "tls", fs::perms(0755), fs::perm_options::replace);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string refused() {
        auto r = secure_data_dir(dir_, geteuid());
        return r ? std::string() : r.error().message;
    }
    fs::path dir_;
};

}  // namespace

TEST_F(DataDir, SoundDirectoryPassesAndIsTightenedTo0700) {
    fs::permissions(dir_, fs::perms(0755), fs::perm_options::replace);
    EXPECT_EQ(refused(), "");
    EXPECT_EQ(fs::status(dir_).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST_F(DataDir, MissingFilesAreFine) {
    fs::remove(dir_ / "wsusd.db");
    fs::remove_all(dir_ / "keys");
    EXPECT_EQ(refused(), "");
}

TEST_F(DataDir, GroupOrWorldWritableStoreIsRefusedWithTheFix) {
    for (auto mode : {0664, 0646}) {
        fs::permissions(dir_ / "wsusd.db", fs::perms(mode), fs::perm_options::replace);
        auto why = refused();
        EXPECT_NE(why.find((dir_ / "wsusd.db").string()), std::string::npos) << why;
        EXPECT_NE(why.find("chmod 600 " + (dir_ / "wsusd.db").string()), std::string::npos) << why;
    }
    fs::permissions(dir_ / "wsusd.db", fs::perms(0644), fs::perm_options::replace);
    std::ofstream(dir_ / "wsusd.db-wal") << "x";
    fs::permissions(dir_ / "wsusd.db-wal", fs::perms(0666), fs::perm_options::replace);
    EXPECT_NE(refused().find("wsusd.db-wal"), std::string::npos);
}

TEST_F(DataDir, WritableKeysFolderIsRefused) {
    fs::permissions(dir_ / "keys", fs::perms(0777), fs::perm_options::replace);
    auto why = refused();
    EXPECT_NE(why.find("chmod 700 " + (dir_ / "keys").string()), std::string::npos) << why;
}

TEST_F(DataDir, SecretReadableByOthersIsRefused) {
    fs::permissions(dir_ / "keys" / "cookie.keys", fs::perms(0604), fs::perm_options::replace);
    auto why = refused();
    EXPECT_NE(why.find("chmod 600"), std::string::npos) << why;
    EXPECT_NE(why.find("cookie.keys"), std::string::npos) << why;
    // Group read is allowed for secrets (ssl-cert style), group write is not.
    fs::permissions(dir_ / "keys" / "cookie.keys", fs::perms(0640), fs::perm_options::replace);
    EXPECT_EQ(refused(), "");
    fs::permissions(dir_ / "keys" / "cookie.keys", fs::perms(0620), fs::perm_options::replace);
    EXPECT_NE(refused(), "");
}

TEST_F(DataDir, OwnedByAnotherUserIsRefusedWithChown) {
    auto r = secure_data_dir(dir_, geteuid() + 4242);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("chown -R"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(dir_.string()), std::string::npos) << r.error().message;
}

TEST_F(DataDir, StoreOwnedByAnotherUserIsRefused) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to chown a file";
    ASSERT_EQ(::chown((dir_ / "wsusd.db").c_str(), 65534, static_cast<gid_t>(-1)), 0);
    auto why = refused();
    EXPECT_NE(why.find("chown"), std::string::npos) << why;
    EXPECT_NE(why.find((dir_ / "wsusd.db").string()), std::string::npos) << why;
}

TEST_F(DataDir, SymlinkedStoreIsRefused) {
    fs::rename(dir_ / "wsusd.db", dir_ / "elsewhere.db");
    fs::create_symlink(dir_ / "elsewhere.db", dir_ / "wsusd.db");
    EXPECT_NE(refused().find("symbolic link"), std::string::npos);
}

TEST_F(DataDir, NotADirectory) {
    auto r = secure_data_dir(dir_ / "wsusd.db", geteuid());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not a directory"), std::string::npos);
}
