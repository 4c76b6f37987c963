// Report rollup in the store: the upstream side applies each item idempotently and keeps the newer data; the
// downstream side sends only what changed since the last acknowledgement and forgets on a new RollupResetGuid.
#include "store/rollup_repo.h"

#include <gtest/gtest.h>

#include "store/rollup_send_repo.h"
#include "store/sync_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

const std::string kDss = "a1111111-1111-4111-8111-111111111111";
const std::string kPc = "c2222222-2222-4222-8222-222222222222";
const std::string kUpdate = "d3333333-3333-4333-8333-333333333333";
const std::string kUp = "http://root:8530";

class RollupRepoTest : public testing::StoreTest {
  protected:
    template <class F>
    auto write(F f) {
        return store().with_writer([&](Connection& c) { return f(c); });
    }
    void register_dss() {
        ASSERT_TRUE(write([&](Connection& c) { return SyncRepo(c).touch_downstream({kDss, "dss1", "1.20"}, at_ms(1)); }));
    }
    RolledUpComputer computer(std::int64_t sync_ms) {
        RolledUpComputer m;
        m.client_id = kPc;
        m.parent_server_id = kDss;
        m.last_sync_at = at_ms(sync_ms);
        m.last_sync_result = 1;
        m.details = testing::computer_info(kPc);
        m.details->dns_name = "pc" + std::to_string(sync_ms);
        return m;
    }
    std::vector<std::tuple<int, std::int64_t>> states() {
        auto r = store().with_reader([&](Connection& c) -> Result<std::vector<std::tuple<int, std::int64_t>>> {
            auto id = ComputerRepo(c).find_id(kPc);
            if (!id) return std::unexpected(id.error());
            auto s = StatusRepo(c).for_computer(*id);
            if (!s) return std::unexpected(s.error());
            std::vector<std::tuple<int, std::int64_t>> out;
            for (const auto& x : *s) out.emplace_back(static_cast<int>(x.state), x.event_time.time_since_epoch().count());
            return out;
        });
        EXPECT_TRUE(r);
        return r.value_or(std::vector<std::tuple<int, std::int64_t>>{});
    }
};

TEST_F(RollupRepoTest, ComputerIsCreatedOnceAndOlderReportsAreIgnored) {
    register_dss();
    auto first = write([&](Connection& c) { return RollupRepo(c).apply_computer(computer(100), at_ms(5)); });
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, RolledUpChange::created);
    auto again = write([&](Connection& c) { return RollupRepo(c).apply_computer(computer(100), at_ms(6)); });
    EXPECT_EQ(*again, RolledUpChange::updated);
    auto older = write([&](Connection& c) { return RollupRepo(c).apply_computer(computer(50), at_ms(7)); });
    EXPECT_EQ(*older, RolledUpChange::ignored);
    auto got = store().with_reader([&](Connection& c) { return ComputerRepo(c).find(kPc); });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->info.dns_name, "pc100");
    EXPECT_EQ(got->parent_server_id, kDss);
    EXPECT_EQ(*store().with_reader([&](Connection& c) { return ComputerRepo(c).count(); }), 1);
}

TEST_F(RollupRepoTest, StatusKeepsTheNewerChangeAndFullRollupReplaces) {
    register_dss();
    ASSERT_TRUE(write([&](Connection& c) { return RollupRepo(c).apply_computer(computer(100), at_ms(5)); }));
    RolledUpStatus s{kPc, 1, false, std::nullopt, {{kUpdate, UpdateState::failed, at_ms(200)}}};
    ASSERT_TRUE(write([&](Connection& c) { return RollupRepo(c).apply_status(s, at_ms(6)); }));
    ASSERT_TRUE(write([&](Connection& c) { return RollupRepo(c).apply_status(s, at_ms(7)); }));  // resent
    EXPECT_EQ(states(), (std::vector<std::tuple<int, std::int64_t>>{{6, 200}}));
    RolledUpStatus stale{kPc, 2, false, std::nullopt, {{kUpdate, UpdateState::needed, at_ms(150)}}};
    ASSERT_TRUE(write([&](Connection& c) { return RollupRepo(c).apply_status(stale, at_ms(8)); }));
    EXPECT_EQ(states(), (std::vector<std::tuple<int, std::int64_t>>{{6, 200}}));
    RolledUpStatus full{kPc, 3, true, std::nullopt, {}};
    ASSERT_TRUE(write([&](Connection& c) { return RollupRepo(c).apply_status(full, at_ms(9)); }));
    EXPECT_TRUE(states().empty());
    RolledUpStatus unknown{"e4444444-4444-4444-8444-444444444444", 1, true, std::nullopt, {}};
    auto ignored = write([&](Connection& c) { return RollupRepo(c).apply_status(unknown, at_ms(9)); });
    ASSERT_TRUE(ignored);
    EXPECT_FALSE(*ignored);
    auto out = store().with_reader([&](Connection& c) {
        std::vector<std::pair<std::string, int>> n{{kPc, 2}, {"e4444444-4444-4444-8444-444444444444", 0}};
        return RollupRepo(c).out_of_sync(kDss, n);
    });
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, std::vector<std::string>{kPc});  // holds 3, not 2; the unknown one is not listed
}

TEST_F(RollupRepoTest, SenderSendsOnlyWhatChangedSinceTheAcknowledgement) {
    ASSERT_TRUE(write([&](Connection& c) -> Result<void> {
        auto r = ComputerRepo(c).upsert(testing::computer_info(kPc), at_ms(10));
        if (!r) return std::unexpected(r.error());
        ClientEvent e;
        e.time = at_ms(20);
        e.instance_id = "f5555555-5555-4555-8555-555555555555";
        e.event_id = 182;
        e.namespace_id = 1;
        e.update_id = kUpdate;
        return StatusRepo(c).apply(r->id, std::vector<ClientEvent>{e}, at_ms(30));
    }));
    ASSERT_TRUE(write([&](Connection& c) { return RollupSendRepo(c).set_upstream(kUp, "g1", "s1"); }));
    auto pending = store().with_reader([&](Connection& c) { return RollupSendRepo(c).pending_computers(kUp, 0, 10); });
    ASSERT_EQ(pending->size(), 1u);
    // Status waits until the upstream knows the computer.
    EXPECT_TRUE(store().with_reader([&](Connection& c) { return RollupSendRepo(c).pending_status(kUp, 0, 10); })->empty());
    ASSERT_TRUE(write([&](Connection& c) { return RollupSendRepo(c).ack_computer(kUp, pending->front().computer.id,
                                                                                  pending->front().marker); }));
    EXPECT_TRUE(store().with_reader([&](Connection& c) { return RollupSendRepo(c).pending_computers(kUp, 0, 10); })->empty());
    auto status = store().with_reader([&](Connection& c) { return RollupSendRepo(c).pending_status(kUp, 0, 10); });
    ASSERT_EQ(status->size(), 1u);
    EXPECT_FALSE(status->front().through);
    ASSERT_TRUE(write([&](Connection& c) { return RollupSendRepo(c).ack_status(kUp, status->front().id, at_ms(30), 1); }));
    EXPECT_TRUE(store().with_reader([&](Connection& c) { return RollupSendRepo(c).pending_status(kUp, 0, 10); })->empty());
    // The upstream's rollup number differs: the next status rollup is full.
    ASSERT_TRUE(write([&](Connection& c) { return RollupSendRepo(c).mark_full(kUp, kPc); }));
    EXPECT_EQ(store().with_reader([&](Connection& c) { return RollupSendRepo(c).pending_status(kUp, 0, 10); })->size(), 1u);
    // Same configuration: nothing forgotten; a new RollupResetGuid: everything goes up again.
    EXPECT_FALSE(*write([&](Connection& c) { return RollupSendRepo(c).set_upstream(kUp, "g1", "s1"); }));
    EXPECT_TRUE(*write([&](Connection& c) { return RollupSendRepo(c).set_upstream(kUp, "g2", "s1"); }));
    EXPECT_EQ(store().with_reader([&](Connection& c) { return RollupSendRepo(c).pending_computers(kUp, 0, 10); })->size(), 1u);
}

}  // namespace
}  // namespace wsusd::store
