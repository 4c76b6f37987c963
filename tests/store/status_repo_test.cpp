#include "store/status_repo.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "store/computer_repo.h"
#include "store/group_repo.h"
#include "store_fixture.h"

using namespace wsusd::store;

namespace {

ClientEvent ev(int id, std::string update, int minute, std::int32_t hr = 0) {
    ClientEvent e;
    e.event_id = id;
    e.namespace_id = 1;
    e.time = TimePoint(std::chrono::minutes(minute));
    e.instance_id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + minute);
    if (!update.empty()) {
        e.update_id = update;
        e.revision_number = 200;
    }
    e.win32_hresult = hr;
    return e;
}

}  // namespace

class StatusRepoTest : public wsusd::store::testing::StoreTest {};

TEST_F(StatusRepoTest, RealInstallSequences) {
    auto computer = store().with_writer([](Connection& c) {
        ComputerInfo info;
        info.client_id = "11111111-2222-4333-8444-555555555555";
        info.dns_name = "pc";
        return ComputerRepo(c).upsert(info, TimePoint{});
    });
    ASSERT_TRUE(computer);
    const std::string net = "88661612-7dd9-49d4-bb34-1e54802c99b9", msi = "b3201129-7087-42ee-a3f7-2a3b44965ee5";
    // Decoded native events (captures/wsus-m0-reports): .NET CU 167,162,181 then 201 with
    // WU_S_REBOOT_REQUIRED; MSI test update 167,161,181 then 182 with 0x80246007.
    std::vector<ClientEvent> a = {ev(167, net, 1), ev(162, net, 2), ev(181, net, 3), ev(167, msi, 4),
                                  ev(161, msi, 5, -2146762487), ev(181, msi, 6)};
    std::vector<ClientEvent> b = {ev(201, net, 7, 2359301), ev(182, msi, 8, -2145099769)};
    ASSERT_TRUE(store().with_writer([&](Connection& c) { return StatusRepo(c).apply(computer->id, a, TimePoint{}); }));
    ASSERT_TRUE(store().with_writer([&](Connection& c) { return StatusRepo(c).apply(computer->id, b, TimePoint{}); }));
    auto st = store().with_reader([&](Connection& c) { return StatusRepo(c).for_computer(computer->id); });
    ASSERT_TRUE(st);
    ASSERT_EQ(st->size(), 2u);
    std::map<std::string, UpdateStatus> by;
    for (auto& s : *st) by[s.update_id] = s;
    EXPECT_EQ(by[net].state, UpdateState::installed_pending_reboot);
    EXPECT_EQ(by[msi].state, UpdateState::failed);
    EXPECT_EQ(by[msi].win32_hresult, -2145099769);
    // An older event arriving late changes nothing; a reboot completes the pending install.
    std::vector<ClientEvent> late = {ev(162, msi, 3)};
    ASSERT_TRUE(store().with_writer([&](Connection& c) { return StatusRepo(c).apply(computer->id, late, TimePoint{}); }));
    std::vector<ClientEvent> reboot = {ev(202, "", 9)};
    ASSERT_TRUE(store().with_writer([&](Connection& c) { return StatusRepo(c).apply(computer->id, reboot, TimePoint{}); }));
    auto summary = store().with_reader([&](Connection& c) { return StatusRepo(c).summary(net); });
    ASSERT_TRUE(summary);
    EXPECT_EQ((*summary)[UpdateState::installed], 1);
    auto summary2 = store().with_reader([&](Connection& c) { return StatusRepo(c).summary(msi); });
    EXPECT_EQ((*summary2)[UpdateState::failed], 1);
}

TEST_F(StatusRepoTest, StatusListsOfEvent156) {
    auto computer = store().with_writer([](Connection& c) {
        ComputerInfo info;
        info.client_id = "21111111-2222-4333-8444-555555555555";
        info.dns_name = "pc2";
        return ComputerRepo(c).upsert(info, TimePoint{});
    });
    ClientEvent e = ev(156, "", 1);
    e.misc_data = "G=1507\nU=88661612-7DD9-49D4-BB34-1E54802C99B9;B3201129-7087-42EE-A3F7-2A3B44965EE5\n"
                  "V=115EDD08-4327-49DC-8942-B152AC9F5AEB\nAppName=x";
    std::vector<ClientEvent> batch{e};
    ASSERT_TRUE(store().with_writer([&](Connection& c) { return StatusRepo(c).apply(computer->id, batch, TimePoint{}); }));
    auto st = store().with_reader([&](Connection& c) { return StatusRepo(c).for_computer(computer->id); });
    ASSERT_EQ(st->size(), 3u);
    EXPECT_EQ((*st)[0].update_id, "115edd08-4327-49dc-8942-b152ac9f5aeb");
    EXPECT_EQ((*st)[0].state, UpdateState::installed);
    EXPECT_EQ((*st)[1].state, UpdateState::needed);
}

TEST_F(StatusRepoTest, FailuresPageByKeyAndGroupSummaryCountsOnlyMembers) {
    const std::string upd = "b3201129-7087-42ee-a3f7-2a3b44965ee5", other = "d2f6f81e-0633-41dc-a073-9975148ca7a2";
    std::vector<ComputerId> ids;
    for (int i = 0; i < 3; ++i) {
        auto computer = store().with_writer([&](Connection& c) {
            ComputerInfo info;
            info.client_id = "11111111-2222-4333-8444-55555555555" + std::to_string(i);
            info.dns_name = "pc" + std::to_string(i);
            return ComputerRepo(c).upsert(info, TimePoint{});
        });
        ASSERT_TRUE(computer);
        ids.push_back(computer->id);
        // Every computer fails `upd`; the first also fails `other`; the last installs `other`.
        std::vector<ClientEvent> e = {ev(182, upd, 1 + i, -2145099769)};
        if (i == 0) e.push_back(ev(182, other, 10, -2145099769));
        if (i == 2) e.push_back(ev(183, other, 10));
        ASSERT_TRUE(store().with_writer([&](Connection& c) { return StatusRepo(c).apply(ids.back(), e, TimePoint{}); }));
    }
    // Pages of two, keyed by (computer, update): four failures, in order, none twice.
    std::vector<std::pair<ComputerId, std::string>> seen;
    ComputerId after_c = 0;
    std::string after_u;
    while (true) {
        auto page = store().with_reader([&](Connection& c) { return StatusRepo(c).failures(after_c, after_u, 2); });
        ASSERT_TRUE(page);
        for (const auto& f : *page) {
            seen.emplace_back(f.computer, f.update_id);
            EXPECT_EQ(f.win32_hresult, -2145099769);
        }
        if (page->size() < 2) break;
        after_c = page->back().computer;
        after_u = page->back().update_id;
    }
    std::vector<std::pair<ComputerId, std::string>> want = {{ids[0], upd}, {ids[0], other}, {ids[1], upd}, {ids[2], upd}};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(seen, want);
    // A group with the first two computers: the summary counts only them.
    auto g = store().with_writer([&](Connection& c) -> wsusd::Result<std::string> {
        auto made = GroupRepo(c).create("Ring", "", TimePoint{});
        if (!made) return std::unexpected(made.error());
        const std::vector<std::string> ring = {made->id};
        for (int i = 0; i < 2; ++i)
            if (auto r = ComputerRepo(c).set_groups(ids[static_cast<std::size_t>(i)], ring); !r)
                return std::unexpected(r.error());
        return made->id;
    });
    ASSERT_TRUE(g) << g.error().message;
    auto in_group = store().with_reader([&](Connection& c) { return StatusRepo(c).summary_in_group(other, *g); });
    ASSERT_TRUE(in_group);
    EXPECT_EQ(*in_group, (std::map<UpdateState, std::int64_t>{{UpdateState::failed, 1}}));
    auto everyone = store().with_reader([&](Connection& c) { return StatusRepo(c).summary(other); });
    EXPECT_EQ(*everyone, (std::map<UpdateState, std::int64_t>{{UpdateState::installed, 1}, {UpdateState::failed, 1}}));
    auto counts = store().with_reader([&](Connection& c) -> wsusd::Result<std::pair<std::int64_t, std::int64_t>> {
        StatusRepo s(c);
        auto all = s.computer_count();
        auto ring = s.computer_count(*g);
        if (!all || !ring) return std::unexpected(all ? ring.error() : all.error());
        return std::make_pair(*all, *ring);
    });
    ASSERT_TRUE(counts);
    EXPECT_EQ(*counts, std::make_pair(std::int64_t{3}, std::int64_t{2}));
}
