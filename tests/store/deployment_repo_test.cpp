#include "store/deployment_repo.h"

#include <gtest/gtest.h>

#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

const std::string kUpdate = "d0000000-0000-4000-8000-000000000001";
const std::string kOther = "d0000000-0000-4000-8000-000000000002";

class DeploymentRepoTest : public testing::StoreTest {
  protected:
    void SetUp() override {
        testing::StoreTest::SetUp();
        auto setup = store().with_writer([&](Connection& c) -> Result<void> {
            RevisionRepo revisions(c);
            for (const auto& [update, rev] : {std::pair{kUpdate, 1}, std::pair{kUpdate, 2}, std::pair{kOther, 1}}) {
                NewRevision r;
                r.update_id = update;
                r.revision_number = rev;
                auto inserted = revisions.insert(r, at_ms(1));
                if (!inserted) return std::unexpected(inserted.error());
                revision_ids_.push_back(inserted->id);
            }
            auto g = GroupRepo(c).create("Pilot", "", at_ms(1));
            if (!g) return std::unexpected(g.error());
            pilot_ = g->id;
            return {};
        });
        ASSERT_OK(setup);
    }
    template <class F>
    auto write(F&& fn) {
        return store().with_writer([&](Connection& c) { return fn(DeploymentRepo(c)); });
    }
    template <class F>
    auto read(F&& fn) {
        return store().with_reader([&](Connection& c) { return fn(DeploymentRepo(c)); });
    }

    std::vector<RevisionId> revision_ids_;  // kUpdate rev 1, kUpdate rev 2, kOther rev 1
    std::string pilot_;
};

TEST_F(DeploymentRepoTest, SetCreatesThenReplaces) {
    DeploymentChange change{pilot_, revision_ids_[0], DeploymentAction::install, at_ms(5000), "alice"};
    auto created = write([&](DeploymentRepo repo) { return repo.set(change, at_ms(10)); });
    ASSERT_OK(created);
    EXPECT_EQ(created->update_id, kUpdate);
    EXPECT_EQ(created->group_id, pilot_);
    EXPECT_EQ(created->action, DeploymentAction::install);
    EXPECT_EQ(created->deadline, at_ms(5000));
    EXPECT_EQ(created->admin_name, "alice");
    EXPECT_EQ(created->created_at, at_ms(10));
    EXPECT_EQ(created->change_seq, 1);

    // Approving the newer revision of the same update replaces the row, keeping created_at.
    change.revision_id = revision_ids_[1];
    change.deadline = std::nullopt;
    change.admin_name = "bob";
    auto replaced = write([&](DeploymentRepo repo) { return repo.set(change, at_ms(20)); });
    ASSERT_OK(replaced);
    EXPECT_EQ(replaced->id, created->id);
    EXPECT_EQ(replaced->revision_id, revision_ids_[1]);
    EXPECT_EQ(replaced->deadline, std::nullopt);
    EXPECT_EQ(replaced->created_at, at_ms(10));
    EXPECT_EQ(replaced->changed_at, at_ms(20));
    EXPECT_EQ(replaced->change_seq, 2);

    // Same content again: no new sequence.
    auto same = write([&](DeploymentRepo repo) { return repo.set(change, at_ms(30)); });
    ASSERT_OK(same);
    EXPECT_EQ(same->change_seq, 2);
    EXPECT_EQ(same->changed_at, at_ms(20));
}

TEST_F(DeploymentRepoTest, RejectsUnknownGroupOrRevision) {
    auto no_group = write([&](DeploymentRepo repo) {
        return repo.set({"99999999-0000-4000-8000-000000000000", revision_ids_[0], DeploymentAction::install, {}, ""},
                        at_ms(1));
    });
    EXPECT_EQ(no_group.error().code, Errc::not_found);
    auto no_revision = write([&](DeploymentRepo repo) {
        return repo.set({pilot_, 424242, DeploymentAction::install, {}, ""}, at_ms(1));
    });
    EXPECT_EQ(no_revision.error().code, Errc::not_found);
}

TEST_F(DeploymentRepoTest, RemoveLeavesANotApprovedTombstone) {
    ASSERT_OK(write([&](DeploymentRepo repo) {
        return repo.set({pilot_, revision_ids_[0], DeploymentAction::install, {}, "alice"}, at_ms(1));
    }));
    auto removed = write([&](DeploymentRepo repo) { return repo.remove(pilot_, kUpdate, "carol", at_ms(2)); });
    ASSERT_OK(removed);
    EXPECT_EQ(removed->action, DeploymentAction::not_approved);
    EXPECT_EQ(removed->admin_name, "carol");
    EXPECT_EQ(removed->change_seq, 2);
    auto missing = write([&](DeploymentRepo repo) { return repo.remove(pilot_, kOther, "carol", at_ms(3)); });
    EXPECT_EQ(missing.error().code, Errc::not_found);

    auto changes = read([](DeploymentRepo repo) { return repo.changed_since(1, 100); });
    ASSERT_OK(changes);
    ASSERT_EQ(changes->size(), 1u);
    EXPECT_EQ((*changes)[0].action, DeploymentAction::not_approved);
}

TEST_F(DeploymentRepoTest, ListForGroupsAndChangesSince) {
    const std::string all(kAllComputersGroupId);
    ASSERT_OK(store().with_writer([&](Connection& c) -> Result<void> {
        DeploymentRepo repo(c);
        for (const auto& change : {DeploymentChange{all, revision_ids_[2], DeploymentAction::install, {}, "a"},
                                   DeploymentChange{pilot_, revision_ids_[1], DeploymentAction::install, {}, "a"},
                                   DeploymentChange{pilot_, revision_ids_[2], DeploymentAction::block, {}, "a"}}) {
            auto r = repo.set(change, at_ms(1));
            if (!r) return std::unexpected(r.error());
        }
        return {};
    }));
    const std::vector<std::string> pilot_only{pilot_};
    auto pilot = read([&](DeploymentRepo repo) { return repo.list_for_groups(pilot_only); });
    ASSERT_OK(pilot);
    ASSERT_EQ(pilot->size(), 2u);
    EXPECT_EQ((*pilot)[0].update_id, kUpdate);
    EXPECT_EQ((*pilot)[1].action, DeploymentAction::block);

    const std::vector<std::string> both{all, pilot_};
    EXPECT_EQ(read([&](DeploymentRepo repo) { return repo.list_for_groups(both); })->size(), 3u);
    EXPECT_EQ(read([&](DeploymentRepo repo) { return repo.list_for_update(kOther); })->size(), 2u);

    auto since = read([](DeploymentRepo repo) { return repo.changed_since(1, 1); });
    ASSERT_OK(since);
    ASSERT_EQ(since->size(), 1u);
    EXPECT_EQ((*since)[0].change_seq, 2);
    EXPECT_TRUE(read([](DeploymentRepo repo) { return repo.changed_since(3, 10); })->empty());
}

TEST_F(DeploymentRepoTest, DeletingAGroupDropsItsDeployments) {
    ASSERT_OK(write([&](DeploymentRepo repo) {
        return repo.set({pilot_, revision_ids_[0], DeploymentAction::install, {}, "a"}, at_ms(1));
    }));
    ASSERT_OK(store().with_writer([&](Connection& c) { return GroupRepo(c).remove(pilot_); }));
    EXPECT_TRUE(read([](DeploymentRepo repo) { return repo.list_for_update(kUpdate); })->empty());
}

}  // namespace
}  // namespace wsusd::store
