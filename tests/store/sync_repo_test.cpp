#include "store/sync_repo.h"

#include <gtest/gtest.h>

#include "store/revision_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

class SyncRepoTest : public testing::StoreTest {
  protected:
    template <class F>
    auto write(F&& fn) {
        return store().with_writer([&](Connection& c) { return fn(SyncRepo(c)); });
    }
    template <class F>
    auto read(F&& fn) {
        return store().with_reader([&](Connection& c) { return fn(SyncRepo(c)); });
    }
};

TEST_F(SyncRepoTest, AnchorsPerKind) {
    EXPECT_EQ(*read([](SyncRepo repo) { return repo.anchor(AnchorKind::metadata); }), std::nullopt);
    ASSERT_OK(
        write([](SyncRepo repo) { return repo.set_anchor(AnchorKind::metadata, "2024-01-01T00:00:00", at_ms(1)); }));
    ASSERT_OK(write([](SyncRepo repo) { return repo.set_anchor(AnchorKind::config, "cfg-7", at_ms(2)); }));
    ASSERT_OK(
        write([](SyncRepo repo) { return repo.set_anchor(AnchorKind::metadata, "2024-02-01T00:00:00", at_ms(3)); }));
    auto metadata = read([](SyncRepo repo) { return repo.anchor(AnchorKind::metadata); });
    ASSERT_OK(metadata);
    ASSERT_TRUE(metadata->has_value());
    EXPECT_EQ((*metadata)->anchor, "2024-02-01T00:00:00");
    EXPECT_EQ((*metadata)->updated_at, at_ms(3));
    EXPECT_EQ((*read([](SyncRepo repo) { return repo.anchor(AnchorKind::config); }))->anchor, "cfg-7");
    EXPECT_EQ(*read([](SyncRepo repo) { return repo.anchor(AnchorKind::deployments); }), std::nullopt);
    ASSERT_OK(write([](SyncRepo repo) { return repo.clear_anchor(AnchorKind::config); }));
    EXPECT_EQ(*read([](SyncRepo repo) { return repo.anchor(AnchorKind::config); }), std::nullopt);
}

TEST_F(SyncRepoTest, AnchorCommitsOnlyWithItsData) {
    // A sync that fails after writing revisions must leave neither the revisions nor the new anchor.
    auto failed = store().with_writer([](Connection& c) -> Result<void> {
        NewRevision r;
        r.update_id = "a1000000-0000-4000-8000-000000000001";
        r.revision_number = 1;
        if (auto i = RevisionRepo(c).insert(r, at_ms(1)); !i) return std::unexpected(i.error());
        if (auto a = SyncRepo(c).set_anchor(AnchorKind::metadata, "new", at_ms(1)); !a) return a;
        return fail(Errc::io, "upstream connection reset");
    });
    ASSERT_FALSE(failed);
    EXPECT_EQ(*read([](SyncRepo repo) { return repo.anchor(AnchorKind::metadata); }), std::nullopt);
    EXPECT_EQ(*store().with_reader([](Connection& c) { return RevisionRepo(c).count(); }), 0);
}

TEST_F(SyncRepoTest, HistoryRecordsRuns) {
    auto first = write([](SyncRepo repo) { return repo.start_run(at_ms(100)); });
    ASSERT_OK(first);
    auto running = read([&](SyncRepo repo) { return repo.run(*first); });
    ASSERT_OK(running);
    EXPECT_EQ(running->result, SyncResult::running);
    EXPECT_EQ(running->finished_at, std::nullopt);
    ASSERT_OK(write([&](SyncRepo repo) {
        return repo.finish_run(*first, SyncResult::succeeded, SyncCounts{10, 2, 1, 3}, "", at_ms(150));
    }));
    auto second = write([](SyncRepo repo) { return repo.start_run(at_ms(200)); });
    ASSERT_OK(second);
    ASSERT_OK(write([&](SyncRepo repo) {
        return repo.finish_run(*second, SyncResult::failed, SyncCounts{}, "timeout", at_ms(260));
    }));
    EXPECT_EQ(
        write([](SyncRepo repo) { return repo.finish_run(999, SyncResult::failed, {}, "", at_ms(1)); }).error().code,
        Errc::not_found);

    auto recent = read([](SyncRepo repo) { return repo.recent_runs(10); });
    ASSERT_OK(recent);
    ASSERT_EQ(recent->size(), 2u);
    EXPECT_EQ((*recent)[0].id, *second);
    EXPECT_EQ((*recent)[0].result, SyncResult::failed);
    EXPECT_EQ((*recent)[0].error, "timeout");
    EXPECT_EQ((*recent)[1].counts.new_updates, 10);
    EXPECT_EQ((*recent)[1].counts.revised, 2);
    EXPECT_EQ((*recent)[1].counts.expired, 1);
    EXPECT_EQ((*recent)[1].counts.declined, 3);
    EXPECT_EQ((*recent)[1].finished_at, at_ms(150));

    auto success = read([](SyncRepo repo) { return repo.last_success(); });
    ASSERT_OK(success);
    ASSERT_TRUE(success->has_value());
    EXPECT_EQ((*success)->id, *first);
}

TEST_F(SyncRepoTest, DownstreamServerRegistry) {
    DownstreamServer server{
        "F0000000-0000-4000-8000-000000000001", "branch-1", "0.1.0", DownstreamMode::replica, {}, {}};
    ASSERT_OK(write([&](SyncRepo repo) { return repo.touch_downstream(server, at_ms(10)); }));
    server.version = "0.2.0";
    ASSERT_OK(write([&](SyncRepo repo) { return repo.touch_downstream(server, at_ms(20)); }));
    auto servers = read([](SyncRepo repo) { return repo.downstream_servers(); });
    ASSERT_OK(servers);
    ASSERT_EQ(servers->size(), 1u);
    EXPECT_EQ((*servers)[0].id, "f0000000-0000-4000-8000-000000000001");
    EXPECT_EQ((*servers)[0].version, "0.2.0");
    EXPECT_EQ((*servers)[0].mode, DownstreamMode::replica);
    EXPECT_EQ((*servers)[0].created_at, at_ms(10));
    EXPECT_EQ((*servers)[0].last_contact_at, at_ms(20));
    ASSERT_OK(write([&](SyncRepo repo) { return repo.remove_downstream(server.id); }));
    EXPECT_EQ(write([&](SyncRepo repo) { return repo.remove_downstream(server.id); }).error().code, Errc::not_found);
}

TEST_F(SyncRepoTest, RunsKeepWhoStartedThemAndDetails) {
    auto id = write([](SyncRepo repo) { return repo.start_run(at_ms(10), "schedule", "http://up:8530"); });
    ASSERT_OK(id);
    ASSERT_OK(write([&](SyncRepo repo) { return repo.set_run_details(*id, R"({"files":{"failed":0}})"); }));
    auto run = read([&](SyncRepo repo) { return repo.run(*id); });
    ASSERT_OK(run);
    EXPECT_EQ(run->started_by, "schedule");
    EXPECT_EQ(run->upstream, "http://up:8530");
    EXPECT_EQ(run->details, R"({"files":{"failed":0}})");
    // A run left "running" by a killed process is closed as failed with the reason.
    EXPECT_EQ(*write([](SyncRepo repo) { return repo.interrupt_running_runs("interrupted", at_ms(20)); }), 1);
    run = read([&](SyncRepo repo) { return repo.run(*id); });
    EXPECT_EQ(run->result, SyncResult::failed);
    EXPECT_EQ(run->error, "interrupted");
    EXPECT_EQ(*write([](SyncRepo repo) { return repo.interrupt_running_runs("interrupted", at_ms(30)); }), 0);
}

TEST_F(SyncRepoTest, UpstreamDeploymentGuidsNameTheCurrentApproval) {
    const std::string group = "3f0b1f65-94a4-4e34-8a2a-3b1c1d2e4f51", update = "266f6222-c89d-43f2-9f8a-69340271e677";
    ASSERT_OK(write([&](SyncRepo repo) { return repo.map_upstream_deployment("11111111-2222-4333-8444-555555555555", group, update); }));
    // The upstream changed the approval: a new GUID replaces the old one for the same (group, update).
    ASSERT_OK(write([&](SyncRepo repo) { return repo.map_upstream_deployment("AAAAAAAA-2222-4333-8444-555555555555", group, update); }));
    EXPECT_EQ(*read([](SyncRepo repo) { return repo.upstream_deployment("11111111-2222-4333-8444-555555555555"); }),
              std::nullopt);
    auto key = read([](SyncRepo repo) { return repo.upstream_deployment("aaaaaaaa-2222-4333-8444-555555555555"); });
    ASSERT_OK(key);
    ASSERT_TRUE(key->has_value());
    EXPECT_EQ((*key)->group_id, group);
    EXPECT_EQ((*key)->update_id, update);
    ASSERT_OK(write([](SyncRepo repo) { return repo.forget_upstream_deployment("aaaaaaaa-2222-4333-8444-555555555555"); }));
    EXPECT_EQ(*read([](SyncRepo repo) { return repo.upstream_deployment("aaaaaaaa-2222-4333-8444-555555555555"); }),
              std::nullopt);
}

}  // namespace
}  // namespace wsusd::store
