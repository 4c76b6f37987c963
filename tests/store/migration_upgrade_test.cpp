// Upgrades from every earlier schema version: a store left at version k (with the data an administrator had at
// that version) is opened by this build. Afterwards the schema must be exactly a fresh install's, and approvals,
// groups, computers, events, files and history must all still be there. New migrations are covered without
// touching this file; a migration that adds a table with data worth keeping adds a seed below.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "store/migrate.h"
#include "store/schema.h"
#include "store/store.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::test_options;
using testing::unique_temp_dir;

/// Rows an administrator has at schema version `since` and later; `check` counts them after the upgrade.
struct Seed {
    int since;
    const char* insert;
    const char* check;
    std::int64_t expected;
};

const std::vector<Seed>& seeds() {
    static const std::vector<Seed> all = {
        {1,
         "INSERT INTO revision (id, update_id, revision_number, update_type, title, kb, change_seq, imported_at) "
         "VALUES (1, '2d2a3b5c-0000-4000-8000-000000000001', 200, 0, 'Cumulative Update', '5034441', 1, 1000)",
         "SELECT COUNT(*) FROM revision WHERE kb = '5034441' AND revision_number = 200", 1},
        {1, "INSERT INTO revision_xml (revision_id, raw_size, data) VALUES (1, 3, x'010203')",
         "SELECT raw_size FROM revision_xml WHERE revision_id = 1", 3},
        {1,
         "INSERT INTO file (id, sha1, size, name) VALUES (7, 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 4096, "
         "'windows10.0-kb5034441-x64.cab'); INSERT INTO revision_file (revision_id, file_id) VALUES (1, 7)",
         "SELECT size FROM file JOIN revision_file ON file_id = file.id WHERE revision_id = 1", 4096},
        {1,
         "INSERT INTO target_group (id, name, parent_id, created_at) VALUES "
         "('5f1c0d4e-1111-4222-8333-444455556666', 'Ring 1', 'a0a08746-4dbe-4a37-9adf-9e7652c0b421', 1000)",
         "SELECT COUNT(*) FROM target_group WHERE name = 'Ring 1'", 1},
        {1,
         "INSERT INTO computer (id, client_id, dns_name, registered_at) VALUES "
         "(3, 'e1da06a3-5601-43c9-bac3-52d5db701494', 'pc1.example.test', 1000); "
         "INSERT INTO computer_group (computer_id, group_id) VALUES (3, '5f1c0d4e-1111-4222-8333-444455556666')",
         "SELECT COUNT(*) FROM computer JOIN computer_group ON computer_id = computer.id "
         "WHERE dns_name = 'pc1.example.test'", 1},
        {1,
         "INSERT INTO deployment (id, group_id, update_id, revision_id, action, deadline, created_at, changed_at, "
         "change_seq) VALUES (11, '5f1c0d4e-1111-4222-8333-444455556666', '2d2a3b5c-0000-4000-8000-000000000001', 1, "
         "0, 5000, 1000, 1000, 1); UPDATE counter SET value = 1 WHERE name = 'deployment_seq'",
         "SELECT deadline FROM deployment WHERE id = 11 AND action = 0", 5000},
        {1,
         "INSERT INTO client_event (computer_id, event_time, instance_id, event_id, namespace_id, update_id, "
         "win32_hresult, received_at) VALUES (3, 2000, '{11111111-2222-3333-4444-555555555555}', 161, 1, "
         "'2d2a3b5c-0000-4000-8000-000000000001', -2145124329, 2001)",
         "SELECT win32_hresult FROM client_event WHERE event_id = 161", -2145124329},
        {1, "INSERT INTO sync_history (started_at, finished_at, result, new_count) VALUES (100, 200, 1, 42)",
         "SELECT new_count FROM sync_history", 42},
        {1, "INSERT INTO setting (key, value, changed_at) VALUES ('server.name', 'wsus-a', 1)",
         "SELECT COUNT(*) FROM setting WHERE key = 'server.name' AND value = 'wsus-a'", 1},
        {1,
         "INSERT INTO downstream_server (id, name, created_at) VALUES ('b8d7a6c5-0000-4000-8000-00000000000d', "
         "'branch', 1)",
         "SELECT COUNT(*) FROM downstream_server WHERE name = 'branch'", 1},
        {2,
         "INSERT INTO update_status (computer_id, update_id, state, win32_hresult, event_time, changed_at) VALUES "
         "(3, '2d2a3b5c-0000-4000-8000-000000000001', 5, -2145124329, 2000, 2001)",
         "SELECT state FROM update_status WHERE computer_id = 3", 5},
        {4,
         "INSERT INTO admin_token (name, token_hash, created_at) VALUES ('ops', "
         "'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 1); INSERT INTO audit_log (at, actor, "
         "action, target) VALUES (1, 'ops', 'approve', '2d2a3b5c-0000-4000-8000-000000000001')",
         "SELECT COUNT(*) FROM admin_token JOIN audit_log ON actor = name", 1},
        {5,
         "INSERT INTO upstream_deployment (guid, group_id, update_id) VALUES "
         "('0d1c2b3a-0000-4000-8000-00000000000a', '5f1c0d4e-1111-4222-8333-444455556666', "
         "'2d2a3b5c-0000-4000-8000-000000000001')",
         "SELECT COUNT(*) FROM upstream_deployment", 1},
    };
    return all;
}

/// Every table and index with its columns, in a form that does not depend on how a column came to be (a column
/// added by ALTER TABLE reads like one created with its table).
std::vector<std::string> schema_shape(Connection& conn) {
    std::vector<std::string> out;
    std::vector<std::string> tables;
    auto objects = conn.prepare(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
    EXPECT_TRUE(objects);
    while (objects && objects->step().value_or(false)) {
        out.push_back(objects->text(0) + " " + objects->text(1) + " on " + objects->text(2));
        if (objects->text(0) == "table") tables.push_back(objects->text(1));
    }
    for (const auto& table : tables) {
        auto columns = conn.prepare("SELECT name, type, \"notnull\", COALESCE(dflt_value, 'NULL'), pk FROM "
                                    "pragma_table_info(?1) ORDER BY cid");
        EXPECT_TRUE(columns);
        columns->bind(1, table);
        while (columns->step().value_or(false)) {
            out.push_back(table + "." + columns->text(0) + " " + columns->text(1) + " notnull=" + columns->text(2) +
                          " default=" + columns->text(3) + " pk=" + columns->text(4));
        }
    }
    return out;
}

std::vector<std::string> fresh_schema() {
    const auto dir = unique_temp_dir();
    auto store = Store::open(dir / "fresh.db", test_options());
    EXPECT_TRUE(store) << store.error().message;
    auto shape = (*store)->with_reader([](Connection& c) -> Result<std::vector<std::string>> { return schema_shape(c); });
    EXPECT_TRUE(shape);
    return *shape;
}

class UpgradeFrom : public ::testing::TestWithParam<int> {};

TEST_P(UpgradeFrom, KeepsEveryRowAndEndsWithTheFreshSchema) {
    const int from = GetParam();
    const auto dir = unique_temp_dir();
    std::size_t seeded = 0;
    {
        auto conn = Connection::open(dir / "wsusd.db", ConnectionOptions{});
        ASSERT_TRUE(conn) << conn.error().message;
        ASSERT_TRUE(conn->exec("PRAGMA foreign_keys = ON"));
        auto applied = apply_migrations(*conn, std::span(kMigrations).first(static_cast<std::size_t>(from)));
        ASSERT_TRUE(applied) << applied.error().message;
        ASSERT_EQ(*applied, from);
        for (const Seed& s : seeds()) {
            if (s.since > from) continue;
            auto r = conn->exec(s.insert);
            ASSERT_TRUE(r) << "seed for version " << s.since << ": " << r.error().message;
            ++seeded;
        }
    }
    ASSERT_GT(seeded, 0u);

    auto store = Store::open(dir / "wsusd.db", test_options());
    ASSERT_TRUE(store) << "upgrade from schema " << from << ": " << store.error().message;
    EXPECT_EQ((*store)->schema_version(), kLatestSchemaVersion);

    for (const Seed& s : seeds()) {
        if (s.since > from) continue;
        auto value = (*store)->with_reader([&](Connection& c) { return c.query_int(s.check); });
        ASSERT_TRUE(value) << s.check << ": " << value.error().message;
        EXPECT_EQ(*value, s.expected) << "after upgrading from schema " << from << ": " << s.check;
    }
    // An approval made before deployment GUIDs existed still gets one, so downstream replicas learn it.
    auto guids = (*store)->with_reader([](Connection& c) {
        return c.query_int("SELECT COUNT(*) FROM deployment_guid WHERE deployment_id = 11 AND dead_seq IS NULL");
    });
    ASSERT_TRUE(guids);
    EXPECT_EQ(*guids, 1);

    auto shape = (*store)->with_reader([](Connection& c) -> Result<std::vector<std::string>> { return schema_shape(c); });
    ASSERT_TRUE(shape);
    EXPECT_EQ(*shape, fresh_schema()) << "the upgraded schema differs from a fresh install's";

    // The upgraded store still takes writes through the normal paths.
    auto write = (*store)->with_writer([](Connection& c) {
        return c.exec("UPDATE deployment SET action = 1, change_seq = 2 WHERE id = 11");
    });
    EXPECT_TRUE(write) << write.error().message;
}

std::vector<int> earlier_versions() {
    std::vector<int> v;
    for (int k = 1; k < kLatestSchemaVersion; ++k) v.push_back(k);
    return v;
}

INSTANTIATE_TEST_SUITE_P(EveryEarlierSchema, UpgradeFrom, ::testing::ValuesIn(earlier_versions()),
                         [](const ::testing::TestParamInfo<int>& info) { return "v" + std::to_string(info.param); });

}  // namespace
}  // namespace wsusd::store
