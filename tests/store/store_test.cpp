#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/group_repo.h"
#include "store/migrate.h"
#include "store/schema.h"
#include "store/settings_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;
using testing::test_options;

class StoreOpenTest : public testing::StoreTest {};

Result<std::int64_t> count_rows(Store& store, std::string_view sql) {
    return store.with_reader([&](Connection& conn) { return conn.query_int(sql); });
}

TEST_F(StoreOpenTest, MigratesAnEmptyFileToTheLatestSchema) {
    EXPECT_EQ(store().schema_version(), kLatestSchemaVersion);
    EXPECT_EQ(Store::latest_schema_version(), 10);
    auto tables = count_rows(store(),
                             "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                             "('revision','target_group','computer','deployment','client_event',"
                             "'sync_history','setting','counter','file','driver','update_status')");
    ASSERT_OK(tables);
    EXPECT_EQ(*tables, 11);
    auto groups = count_rows(store(), "SELECT COUNT(*) FROM target_group WHERE builtin = 1");
    ASSERT_OK(groups);
    EXPECT_EQ(*groups, 2);
    auto mode = store().with_reader([](Connection& c) -> Result<std::string> {
        auto st = c.prepare("PRAGMA journal_mode");
        if (!st) return std::unexpected(st.error());
        (void)st->step();
        return st->text(0);
    });
    ASSERT_OK(mode);
    EXPECT_EQ(*mode, "wal");
    auto fk = store().with_reader([](Connection& c) { return c.query_int("PRAGMA foreign_keys"); });
    EXPECT_EQ(*fk, 1);
}

TEST_F(StoreOpenTest, ReopenKeepsData) {
    ASSERT_OK(store().with_writer([](Connection& c) { return SettingsRepo(c).set("k", "v1", at_ms(5)); }));
    store_.reset();
    auto reopened = Store::open(db_path(), test_options());
    ASSERT_OK(reopened);
    auto value = (*reopened)->with_reader([](Connection& c) { return SettingsRepo(c).get("k"); });
    ASSERT_OK(value);
    EXPECT_EQ(*value, std::optional<std::string>("v1"));
    EXPECT_EQ((*reopened)->schema_version(), kLatestSchemaVersion);
}

TEST_F(StoreOpenTest, RefusesANewerSchemaVersion) {
    store_.reset();
    {
        auto conn = Connection::open(db_path(), ConnectionOptions{});
        ASSERT_OK(conn);
        ASSERT_OK(conn->exec("PRAGMA user_version = " + std::to_string(kLatestSchemaVersion + 1)));
    }
    auto reopened = Store::open(db_path(), test_options());
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.error().code, Errc::conflict);
    EXPECT_NE(reopened.error().message.find("downgrade is not supported"), std::string::npos);
    EXPECT_NE(reopened.error().message.find(std::to_string(kLatestSchemaVersion + 1)), std::string::npos);
}

TEST(StoreOpen, RefusesAForeignSqliteFile) {
    const auto dir = testing::unique_temp_dir();
    {
        auto conn = Connection::open(dir / "other.db", ConnectionOptions{});
        ASSERT_OK(conn);
        ASSERT_OK(conn->exec("CREATE TABLE foreign_stuff (x)"));
    }
    auto opened = Store::open(dir / "other.db", test_options());
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::conflict);
    EXPECT_NE(opened.error().message.find("not a wsusd database"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(StoreOpen, MissingFileWithoutCreateFails) {
    auto options = test_options();
    options.create_if_missing = false;
    const auto dir = testing::unique_temp_dir();
    auto opened = Store::open(dir / "absent.db", options);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::store);
    EXPECT_FALSE(std::filesystem::exists(dir / "absent.db"));
    std::filesystem::remove_all(dir);
}

TEST(Migrations, ApplyInOrderAndAllOrNothing) {
    const auto dir = testing::unique_temp_dir();
    auto conn = Connection::open(dir / "m.db", ConnectionOptions{});
    ASSERT_OK(conn);
    const Migration two[] = {{1, "a", "CREATE TABLE a (x)"}, {2, "b", "CREATE TABLE b (y); INSERT INTO b VALUES (1)"}};
    auto v = apply_migrations(*conn, two);
    ASSERT_OK(v);
    EXPECT_EQ(*v, 2);
    EXPECT_EQ(*conn->query_int("SELECT COUNT(*) FROM b"), 1);

    // Step 3 succeeds, step 4 fails: neither is kept and the version stays 2.
    const Migration four[] = {two[0], two[1], {3, "c", "CREATE TABLE c (z)"}, {4, "d", "CREATE TABLE a (dup)"}};
    auto failed = apply_migrations(*conn, four);
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("schema migration 4 (d)"), std::string::npos);
    EXPECT_EQ(*schema_version_of(*conn), 2);
    EXPECT_EQ(*conn->query_int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'"), 0);

    const Migration gap[] = {{1, "a", "SELECT 1"}, {3, "c", "SELECT 1"}};
    EXPECT_EQ(apply_migrations(*conn, gap).error().code, Errc::internal);
    std::filesystem::remove_all(dir);
}

TEST_F(StoreOpenTest, IntegrityCheckPassesOnAFreshStore) { EXPECT_OK(store().integrity_check()); }

TEST_F(StoreOpenTest, IntegrityCheckReportsForeignKeyViolations) {
    // Foreign keys switched off on a side connection to plant a dangling membership row.
    {
        auto conn = Connection::open(db_path(), ConnectionOptions{});
        ASSERT_OK(conn);
        ASSERT_OK(conn->exec("PRAGMA foreign_keys = OFF; INSERT INTO computer_group VALUES (999, 'nope')"));
    }
    auto check = store().integrity_check();
    ASSERT_FALSE(check);
    EXPECT_EQ(check.error().code, Errc::corrupt);
    EXPECT_NE(check.error().message.find("computer_group"), std::string::npos);
}

TEST_F(StoreOpenTest, BackupOpensWithTheSameRows) {
    ASSERT_OK(store().with_writer([](Connection& c) -> Result<void> {
        for (int i = 0; i < 50; ++i) {
            auto r = SettingsRepo(c).set("key" + std::to_string(i), std::string(1000, 'x'), at_ms(i));
            if (!r) return r;
        }
        auto group = GroupRepo(c).create("Servers", "", at_ms(1));
        if (!group) return std::unexpected(group.error());
        return {};
    }));
    const auto target = dir() / "backup.db";
    ASSERT_OK(store().backup_to(target));
    EXPECT_FALSE(std::filesystem::exists(dir() / "backup.db.partial"));

    auto copy = Store::open(target, test_options());
    ASSERT_OK(copy);
    auto settings = (*copy)->with_reader([](Connection& c) { return SettingsRepo(c).all(); });
    ASSERT_OK(settings);
    EXPECT_EQ(settings->size(), 50u);
    EXPECT_EQ((*settings)[7].key, "key15");  // sorted by key
    auto group = (*copy)->with_reader([](Connection& c) { return GroupRepo(c).find_by_name("servers"); });
    ASSERT_OK(group);
    EXPECT_EQ(group->name, "Servers");
    EXPECT_OK((*copy)->integrity_check());
}

TEST_F(StoreOpenTest, WriterRollsBackWhenTheFunctionFails) {
    auto r = store().with_writer([](Connection& c) -> Result<void> {
        auto set = SettingsRepo(c).set("half", "written", at_ms(1));
        if (!set) return set;
        return fail(Errc::conflict, "changed my mind");
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "changed my mind");
    auto value = store().with_reader([](Connection& c) { return SettingsRepo(c).get("half"); });
    ASSERT_OK(value);
    EXPECT_EQ(*value, std::nullopt);
}

TEST_F(StoreOpenTest, NestedWriterIsRefusedInsteadOfDeadlocking) {
    auto r = store().with_writer([this](Connection&) -> Result<void> {
        return store().with_writer([](Connection&) -> Result<void> { return {}; });
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::internal);
}

TEST_F(StoreOpenTest, ReadersCannotWrite) {
    auto r = store().with_reader([](Connection& c) { return SettingsRepo(c).set("x", "y", at_ms(1)); });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::store);
}

TEST_F(StoreOpenTest, CheckpointSucceeds) { EXPECT_OK(store().checkpoint()); }

// Readers keep reading while the writer commits batches; every snapshot must hold whole batches only.
TEST_F(StoreOpenTest, ReadersNeverSeeHalfABatch) {
    constexpr int kBatch = 50;
    constexpr int kBatches = 40;
    std::atomic<bool> done{false};
    std::atomic<int> reads{0};
    std::atomic<int> torn{0};
    std::atomic<int> errors{0};

    auto reader = [&] {
        while (!done.load()) {
            auto r = store().with_reader([](Connection& c) -> Result<std::pair<std::int64_t, std::int64_t>> {
                // Two statements in one read transaction: both must see the same snapshot.
                auto settings = c.query_int("SELECT COUNT(*) FROM setting WHERE key LIKE 'batch-%'");
                if (!settings) return std::unexpected(settings.error());
                auto counter = c.query_int("SELECT value FROM counter WHERE name = 'config_version'");
                if (!counter) return std::unexpected(counter.error());
                return std::pair{*settings, *counter};
            });
            if (!r) {
                ++errors;
                continue;
            }
            if (r->first % kBatch != 0 || r->first / kBatch != r->second) ++torn;
            ++reads;
        }
    };
    std::vector<std::thread> readers;
    for (int i = 0; i < 2; ++i) readers.emplace_back(reader);

    for (int b = 0; b < kBatches; ++b) {
        auto r = store().with_writer([&](Connection& c) -> Result<void> {
            SettingsRepo settings(c);
            for (int i = 0; i < kBatch; ++i) {
                auto s = settings.set("batch-" + std::to_string(b) + "-" + std::to_string(i), "v", at_ms(b));
                if (!s) return s;
                if (i == kBatch / 2) std::this_thread::yield();  // give readers a chance mid-batch
            }
            auto v = settings.bump_config_version();
            if (!v) return std::unexpected(v.error());
            return {};
        });
        ASSERT_OK(r);
    }
    // Let the readers observe the final state too.
    while (reads.load() < 20 && errors.load() == 0) std::this_thread::yield();
    done = true;
    for (auto& t : readers) t.join();

    EXPECT_EQ(torn.load(), 0);
    EXPECT_EQ(errors.load(), 0);
    EXPECT_GT(reads.load(), 0);
    auto total = count_rows(store(), "SELECT COUNT(*) FROM setting");
    EXPECT_EQ(*total, kBatch * kBatches);
}

}  // namespace
}  // namespace wsusd::store
