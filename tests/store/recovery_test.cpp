// A damaged store file (pages in the middle overwritten with garbage, as a bad sector or a torn copy leaves it):
// the start-up quick check finds it, restore takes a backup only after it passes integrity_check (falling back
// to older ones), and reset gives an empty store that keeps the admin tokens and server settings.
#include "store/recovery.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "store/admin_repo.h"
#include "store/settings_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

namespace fs = std::filesystem;
using testing::at_ms;
using testing::test_options;

// Enough rows that the file has pages well past the schema's.
void fill(Store& st, int computers) {
    ASSERT_OK(st.with_writer([&](Connection& c) -> Result<void> {
        ComputerRepo repo(c);
        for (int i = 0; i < computers; ++i) {
            auto info = testing::computer_info("00000000-0000-0000-0000-" + std::to_string(100000000000 + i));
            info.dns_name = "host-" + std::to_string(i) + std::string(150, 'x');
            if (auto r = repo.upsert(info, at_ms(i)); !r) return std::unexpected(r.error());
        }
        return {};
    }));
}

// Overwrites the middle third of the file (whole pages, never page 1) with random bytes.
void damage_middle(const fs::path& db) {
    const auto size = fs::file_size(db);
    ASSERT_GT(size, 40u * 4096) << "the store is too small to damage in the middle";
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    std::mt19937 rng(7);
    const std::uint64_t from = (size / 3) / 4096 * 4096, to = (2 * size / 3) / 4096 * 4096;
    f.seekp(static_cast<std::streamoff>(from));
    for (std::uint64_t i = from; i < to; ++i) f.put(static_cast<char>(rng()));
    ASSERT_TRUE(f.good());
}

class RecoveryTest : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = testing::unique_temp_dir(); }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path db() const { return dir_ / "wsusd.db"; }

    // A store with computers, a token and settings; closed (WAL checkpointed into the file) on return.
    void make_store(const fs::path& file, int computers) {
        auto st = Store::open(file, test_options());
        ASSERT_OK(st);
        fill(**st, computers);
        ASSERT_OK((*st)->with_writer([](Connection& c) -> Result<void> {
            if (auto r = AdminRepo(c).create_token("alice", std::string(64, 'a'), at_ms(5)); !r) return r;
            SettingsRepo s(c);
            if (auto r = s.set("server.sync.schedule", "03:00", at_ms(6)); !r) return r;
            if (auto r = s.set("sync.account_guid", "6f1c2f6e-3f0b-4d3a-9b1e-0d2f6a1c5e12", at_ms(7)); !r) return r;
            return s.set("sync.some_anchor", "not kept", at_ms(8));
        }));
    }
    std::int64_t computers_in(const fs::path& file) {
        auto st = Store::open(file, test_options());
        EXPECT_TRUE(st);
        if (!st) return -1;
        EXPECT_OK((*st)->integrity_check());
        auto n = (*st)->with_reader([](Connection& c) { return ComputerRepo(c).count(); });
        return n ? *n : -1;
    }
    // Open + quick check, as wsusd serve does: the error of whichever step found the damage.
    Result<void> start_check(const fs::path& file) {
        auto st = Store::open(file, test_options());
        if (!st) return std::unexpected(st.error());
        return (*st)->quick_check(10);
    }

    fs::path dir_;
};

TEST_F(RecoveryTest, QuickCheckPassesAHealthyStoreAndFindsGarbagePages) {
    make_store(db(), 3000);
    EXPECT_OK(start_check(db()));
    damage_middle(db());
    auto r = start_check(db());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
}

TEST_F(RecoveryTest, RestoreInstallsACheckedBackupAndMovesTheDamagedStoreAside) {
    make_store(dir_ / "backup.db", 500);
    make_store(db(), 3000);
    damage_middle(db());
    auto r = restore_backup(db(), dir_ / "backup.db");
    ASSERT_OK(r);
    EXPECT_EQ(r->backup, dir_ / "backup.db");
    EXPECT_TRUE(fs::exists(r->moved_aside)) << "the damaged file is kept for inspection";
    EXPECT_NE(r->moved_aside.string().find(".corrupt-"), std::string::npos);
    EXPECT_OK(start_check(db()));
    EXPECT_EQ(computers_in(db()), 500);
    EXPECT_TRUE(fs::exists(dir_ / "backup.db")) << "the backup itself is left as it was";
    EXPECT_FALSE(fs::exists(dir_ / "wsusd.db.restore"));
}

TEST_F(RecoveryTest, ADamagedBackupIsRefusedAndTheStoreIsLeftUntouched) {
    make_store(dir_ / "backup.db", 3000);
    damage_middle(dir_ / "backup.db");
    make_store(db(), 10);
    const auto before = fs::file_size(db());
    auto r = restore_backup(db(), dir_ / "backup.db");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
    EXPECT_NE(r.error().message.find("backup.db"), std::string::npos) << "names the file: " << r.error().message;
    EXPECT_EQ(fs::file_size(db()), before);
    EXPECT_EQ(computers_in(db()), 10);
    auto missing = restore_backup(db(), dir_ / "nope.db");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_F(RecoveryTest, LatestBackupSkipsANewerDamagedOne) {
    const fs::path backups = dir_ / "backups";
    fs::create_directories(backups);
    make_store(backups / "wsusd-older.db", 200);
    make_store(backups / "wsusd-newer.db", 3000);
    damage_middle(backups / "wsusd-newer.db");
    fs::last_write_time(backups / "wsusd-older.db", fs::file_time_type::clock::now() - std::chrono::hours(2));
    std::ofstream(backups / "notes.txt") << "not a backup";
    ASSERT_EQ(list_backups(backups).front(), backups / "wsusd-newer.db");
    make_store(db(), 3000);
    damage_middle(db());
    auto r = restore_latest_backup(db(), backups);
    ASSERT_OK(r);
    EXPECT_EQ(r->backup, backups / "wsusd-older.db");
    ASSERT_EQ(r->rejected.size(), 1u);
    EXPECT_NE(r->rejected[0].find("wsusd-newer.db"), std::string::npos) << r->rejected[0];
    EXPECT_EQ(computers_in(db()), 200);

    auto none = restore_latest_backup(db(), dir_ / "empty");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::not_found);
}

TEST_F(RecoveryTest, ResetKeepsTokensServerSettingsAndIdentityOnly) {
    make_store(db(), 50);
    auto r = reset_store(db());
    ASSERT_OK(r);
    EXPECT_EQ(r->tokens_kept, 1u);
    EXPECT_EQ(r->settings_kept, 2u);
    EXPECT_EQ(computers_in(db()), 0);
    auto st = Store::open(db(), test_options());
    ASSERT_OK(st);
    ASSERT_OK((*st)->with_reader([](Connection& c) -> Result<void> {
        auto name = AdminRepo(c).token_name(std::string(64, 'a'));
        EXPECT_TRUE(name && *name == "alice");
        SettingsRepo s(c);
        auto schedule = s.get("server.sync.schedule");
        EXPECT_TRUE(schedule && *schedule && **schedule == "03:00");
        auto anchor = s.get("sync.some_anchor");
        EXPECT_TRUE(anchor && !*anchor) << "synchronization state starts over";
        return {};
    }));
}

TEST_F(RecoveryTest, ResetOfAFileThatIsNotADatabaseStartsEmpty) {
    { std::ofstream(db(), std::ios::binary) << std::string(64 * 1024, '\x5a'); }
    auto opened = Store::open(db(), test_options());
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::corrupt) << opened.error().message;
    auto r = reset_store(db());
    ASSERT_OK(r);
    EXPECT_EQ(r->tokens_kept, 0u);
    EXPECT_FALSE(r->rejected.empty()) << "says what could not be carried over";
    EXPECT_EQ(computers_in(db()), 0);
}

}  // namespace
}  // namespace wsusd::store
