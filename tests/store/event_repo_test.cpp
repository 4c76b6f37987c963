#include "store/event_repo.h"

#include <gtest/gtest.h>

#include "store/computer_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

ClientEvent event(int n, std::int64_t time) {
    ClientEvent e;
    e.time = at_ms(time);
    char id[37];
    std::snprintf(id, sizeof id, "e0000000-0000-4000-8000-%012d", n);
    e.instance_id = id;
    e.event_id = 183;
    e.namespace_id = 1;
    e.source_id = 2;
    e.update_id = "D0000000-0000-4000-8000-000000000001";
    e.revision_number = 200;
    e.win32_hresult = static_cast<std::int32_t>(0x80240022u);
    e.app_name = "AutomaticUpdates";
    e.misc_data = "a=1;b=2";
    e.replacement_strings = {"KB5030211", "x"};
    return e;
}

class EventRepoTest : public testing::StoreTest {
  protected:
    void SetUp() override {
        testing::StoreTest::SetUp();
        auto reg = store().with_writer([](Connection& c) {
            return ComputerRepo(c).upsert(testing::computer_info("c0000000-0000-4000-8000-000000000001"), at_ms(1));
        });
        ASSERT_OK(reg);
        computer_ = reg->id;
    }
    Result<std::size_t> report(const std::vector<ClientEvent>& events, std::int64_t now = 999) {
        return store().with_writer(
            [&](Connection& c) { return EventRepo(c).insert_batch(computer_, events, at_ms(now)); });
    }
    ComputerId computer_ = 0;
};

TEST_F(EventRepoTest, RetriedBatchIsStoredOnce) {
    const std::vector<ClientEvent> batch{event(1, 100), event(2, 200), event(3, 300)};
    auto first = report(batch);
    ASSERT_OK(first);
    EXPECT_EQ(*first, 3u);
    auto retry = report(batch);  // the reply was lost, the client sends the same batch again
    ASSERT_OK(retry);
    EXPECT_EQ(*retry, 0u);
    const std::vector<ClientEvent> overlapping{event(3, 300), event(4, 400)};
    EXPECT_EQ(*report(overlapping), 1u);
    auto count = store().with_reader([&](Connection& c) { return EventRepo(c).count_for_computer(computer_); });
    EXPECT_EQ(*count, 4);
}

TEST_F(EventRepoTest, QueryByComputerNewestFirstWithAllFields) {
    ASSERT_OK(report({event(1, 100), event(2, 300), event(3, 200)}, 555));
    auto page =
        store().with_reader([&](Connection& c) { return EventRepo(c).for_computer(computer_, TimePoint::max(), 2); });
    ASSERT_OK(page);
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].event.time, at_ms(300));
    EXPECT_EQ((*page)[1].event.time, at_ms(200));
    const auto& e = (*page)[0];
    EXPECT_EQ(e.computer_id, computer_);
    EXPECT_EQ(e.event.instance_id, "e0000000-0000-4000-8000-000000000002");
    EXPECT_EQ(e.event.event_id, 183);
    EXPECT_EQ(e.event.namespace_id, 1);
    EXPECT_EQ(e.event.source_id, 2);
    EXPECT_EQ(e.event.update_id, std::optional<std::string>("d0000000-0000-4000-8000-000000000001"));
    EXPECT_EQ(e.event.revision_number, std::optional<int>(200));
    EXPECT_EQ(static_cast<std::uint32_t>(e.event.win32_hresult), 0x80240022u);
    EXPECT_EQ(e.event.app_name, "AutomaticUpdates");
    EXPECT_EQ(e.event.misc_data, "a=1;b=2");
    EXPECT_EQ(e.event.replacement_strings, (std::vector<std::string>{"KB5030211", "x"}));
    EXPECT_EQ(e.received_at, at_ms(555));

    auto older = store().with_reader(
        [&](Connection& c) { return EventRepo(c).for_computer(computer_, page->back().event.time, 10); });
    ASSERT_EQ(older->size(), 1u);
    EXPECT_EQ((*older)[0].event.time, at_ms(100));
}

TEST_F(EventRepoTest, BadEventRejectsTheWholeBatch) {
    auto bad = event(2, 200);
    bad.instance_id = "not-a-guid";
    auto r = report({event(1, 100), bad});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    auto count = store().with_reader([&](Connection& c) { return EventRepo(c).count_for_computer(computer_); });
    EXPECT_EQ(*count, 0);
}

TEST_F(EventRepoTest, PruneInBoundedChunks) {
    std::vector<ClientEvent> batch;
    for (int i = 0; i < 10; ++i) batch.push_back(event(i, i * 10));
    ASSERT_OK(report(batch));
    auto first = store().with_writer([](Connection& c) { return EventRepo(c).prune(at_ms(55), 4); });
    ASSERT_OK(first);
    EXPECT_EQ(*first, 4u);
    auto second = store().with_writer([](Connection& c) { return EventRepo(c).prune(at_ms(55), 4); });
    EXPECT_EQ(*second, 2u);  // times 0..50 are older than 55: six in all
    auto third = store().with_writer([](Connection& c) { return EventRepo(c).prune(at_ms(55), 4); });
    EXPECT_EQ(*third, 0u);
    auto count = store().with_reader([&](Connection& c) { return EventRepo(c).count_for_computer(computer_); });
    EXPECT_EQ(*count, 4);
}

}  // namespace
}  // namespace wsusd::store
