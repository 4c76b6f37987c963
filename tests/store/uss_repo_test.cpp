#include "store/uss_repo.h"

#include <gtest/gtest.h>

#include <regex>

#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/settings_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

const std::string kUpdate = "d0000000-0000-4000-8000-000000000001";
const std::string kOther = "d0000000-0000-4000-8000-000000000002";

class UssRepoTest : public testing::StoreTest {
  protected:
    void SetUp() override {
        testing::StoreTest::SetUp();
        auto setup = store().with_writer([&](Connection& c) -> Result<void> {
            for (const auto& [update, rev] : {std::pair{kUpdate, 1}, std::pair{kUpdate, 2}, std::pair{kOther, 1}}) {
                NewRevision r;
                r.update_id = update;
                r.revision_number = rev;
                auto inserted = RevisionRepo(c).insert(r, at_ms(1));
                if (!inserted) return std::unexpected(inserted.error());
                revisions_.push_back(inserted->id);
            }
            auto g = GroupRepo(c).create("Pilot", "", at_ms(1));
            if (!g) return std::unexpected(g.error());
            pilot_ = g->id;
            return {};
        });
        ASSERT_OK(setup);
    }

    Deployment set(RevisionId rev, DeploymentAction action) {
        auto d = store().with_writer([&](Connection& c) {
            return DeploymentRepo(c).set({pilot_, rev, action, std::nullopt, "alice"}, at_ms(10));
        });
        EXPECT_OK(d);
        return *d;
    }
    std::string live(std::int64_t deployment_id) {
        std::vector<std::int64_t> ids{deployment_id};
        auto m = store().with_reader([&](Connection& c) { return UssRepo(c).live_deployment_guids(ids); });
        EXPECT_OK(m);
        return m->contains(deployment_id) ? m->at(deployment_id) : std::string();
    }
    std::vector<std::string> dead(std::int64_t after, std::int64_t upto) {
        auto d = store().with_reader([&](Connection& c) { return UssRepo(c).dead_deployment_guids(after, upto); });
        EXPECT_OK(d);
        return *d;
    }
    std::int64_t seq() {
        return *store().with_reader([](Connection& c) { return SettingsRepo(c).counter(kDeploymentSeqCounter); });
    }

    std::vector<RevisionId> revisions_;  // kUpdate r1, kUpdate r2, kOther r1
    std::string pilot_;
};

TEST_F(UssRepoTest, EveryDeploymentVersionGetsItsOwnGuid) {
    auto first = set(revisions_[0], DeploymentAction::install);
    std::string g1 = live(first.id);
    EXPECT_TRUE(std::regex_match(g1, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << g1;
    // Same content again: no new sequence, same GUID.
    set(revisions_[0], DeploymentAction::install);
    EXPECT_EQ(live(first.id), g1);

    // A changed approval retires the GUID at its new sequence and names the new version afresh.
    auto second = set(revisions_[1], DeploymentAction::install);
    std::string g2 = live(second.id);
    EXPECT_NE(g2, g1);
    EXPECT_EQ(dead(first.change_seq, second.change_seq), std::vector<std::string>{g1});
    // A server that never saw the first version is not told about it.
    EXPECT_TRUE(dead(second.change_seq, second.change_seq).empty());
    EXPECT_TRUE(dead(0, second.change_seq).empty());

    // Withdrawing leaves no live GUID.
    auto removed = store().with_writer(
        [&](Connection& c) { return DeploymentRepo(c).remove(pilot_, kUpdate, "alice", at_ms(30)); });
    ASSERT_OK(removed);
    EXPECT_EQ(live(removed->id), "");
    EXPECT_EQ(dead(second.change_seq, removed->change_seq), std::vector<std::string>{g2});
}

TEST_F(UssRepoTest, DeletingAGroupKillsItsDeploymentsOnANewSequence) {
    auto d = set(revisions_[2], DeploymentAction::install);
    std::string g = live(d.id);
    ASSERT_FALSE(g.empty());
    auto before = seq();
    ASSERT_OK(store().with_writer([&](Connection& c) { return GroupRepo(c).remove(pilot_); }));
    EXPECT_EQ(seq(), before + 1);
    EXPECT_EQ(dead(before, seq()), std::vector<std::string>{g});
}

TEST_F(UssRepoTest, DeclinedUpdatesAreListed) {
    ASSERT_OK(store().with_writer([&](Connection& c) { return RevisionRepo(c).set_declined(kOther, true); }));
    auto ids = store().with_reader([](Connection& c) { return UssRepo(c).declined_update_ids(); });
    ASSERT_OK(ids);
    EXPECT_EQ(*ids, std::vector<std::string>{kOther});
}

}  // namespace
}  // namespace wsusd::store
