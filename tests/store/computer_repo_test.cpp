#include "store/computer_repo.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "store/group_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

std::string client(int n) {
    char text[37];
    std::snprintf(text, sizeof text, "c0000000-0000-4000-8000-%012d", n);
    return text;
}

ComputerInfo info(int n, std::string dns) {
    ComputerInfo i;
    i.client_id = client(n);
    i.dns_name = std::move(dns);
    i.os_version = "10.0.19045.3803";
    i.os_description = "Windows 10 Enterprise";
    i.make = "LENOVO";
    i.model = "20XW";
    i.bios_name = "N32ET";
    i.bios_version = "1.50";
    i.client_version = "10.0.19041.3636";
    i.protocol_version = "1.20";
    return i;
}

class ComputerRepoTest : public testing::StoreTest {
  protected:
    template <class F>
    auto write(F&& fn) {
        return store().with_writer([&](Connection& c) { return fn(ComputerRepo(c)); });
    }
    template <class F>
    auto read(F&& fn) {
        return store().with_reader([&](Connection& c) { return fn(ComputerRepo(c)); });
    }
    std::string make_group(std::string_view name, std::string_view parent = {}) {
        auto g = store().with_writer([&](Connection& c) { return GroupRepo(c).create(name, parent, at_ms(1)); });
        EXPECT_TRUE(g) << g.error().message;
        return g ? g->id : std::string();
    }
};

TEST_F(ComputerRepoTest, RegisterCreatesThenUpdates) {
    auto first = write([](ComputerRepo repo) { return repo.upsert(info(1, "pc1.corp.example"), at_ms(100)); });
    ASSERT_OK(first);
    EXPECT_TRUE(first->created);
    EXPECT_FALSE(first->duplicate_suspect);

    auto updated_info = info(1, "PC1.corp.example");  // same machine, name case differs
    updated_info.os_version = "10.0.19045.4000";
    auto second = write([&](ComputerRepo repo) { return repo.upsert(updated_info, at_ms(200)); });
    ASSERT_OK(second);
    EXPECT_FALSE(second->created);
    EXPECT_EQ(second->id, first->id);
    EXPECT_FALSE(second->duplicate_suspect);

    auto got = read([](ComputerRepo repo) { return repo.find(client(1)); });
    ASSERT_OK(got);
    EXPECT_EQ(got->info.os_version, "10.0.19045.4000");
    EXPECT_EQ(got->info.dns_name, "PC1.corp.example");
    EXPECT_EQ(got->info.make, "LENOVO");
    EXPECT_EQ(got->info.protocol_version, "1.20");
    EXPECT_EQ(got->registered_at, at_ms(100));  // first registration time is kept
    EXPECT_EQ(got->last_sync_at, std::nullopt);
    EXPECT_EQ(*read([](ComputerRepo repo) { return repo.find_id(client(1)); }), first->id);
    EXPECT_EQ(read([](ComputerRepo repo) { return repo.find(client(2)); }).error().code, Errc::not_found);
}

TEST_F(ComputerRepoTest, SameClientIdUnderAnotherNameIsSuspect) {
    ASSERT_OK(write([](ComputerRepo repo) { return repo.upsert(info(1, "golden-image"), at_ms(1)); }));
    auto clone = write([](ComputerRepo repo) { return repo.upsert(info(1, "clone-7"), at_ms(2)); });
    ASSERT_OK(clone);
    EXPECT_TRUE(clone->duplicate_suspect);
    // Stays flagged even when the original name comes back, until an admin clears it.
    auto back = write([](ComputerRepo repo) { return repo.upsert(info(1, "clone-7"), at_ms(3)); });
    EXPECT_TRUE(back->duplicate_suspect);
    ASSERT_OK(write([&](ComputerRepo repo) { return repo.set_duplicate_suspect(clone->id, false); }));
    EXPECT_FALSE(read([](ComputerRepo repo) { return repo.find(client(1)); })->duplicate_suspect);
}

TEST_F(ComputerRepoTest, NewComputersAreUnassignedUntilPlaced) {
    const std::string servers = make_group("Servers");
    const std::string web = make_group("Web", servers);
    auto reg = write([](ComputerRepo repo) { return repo.upsert(info(1, "web1"), at_ms(1)); });
    ASSERT_OK(reg);
    const ComputerId id = reg->id;
    EXPECT_EQ(*read([&](ComputerRepo repo) { return repo.groups_of(id); }),
              (std::vector<std::string>{std::string(kUnassignedComputersGroupId)}));

    ASSERT_OK(write([&](ComputerRepo repo) { return repo.add_to_group(id, web); }));
    EXPECT_EQ(*read([&](ComputerRepo repo) { return repo.groups_of(id); }), (std::vector<std::string>{web}));
    auto effective = read([&](ComputerRepo repo) { return repo.effective_groups(id); });
    ASSERT_OK(effective);
    std::vector<std::string> expected{std::string(kAllComputersGroupId), servers, web};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(*effective, expected);

    ASSERT_OK(write([&](ComputerRepo repo) { return repo.remove_from_group(id, web); }));
    EXPECT_EQ(*read([&](ComputerRepo repo) { return repo.groups_of(id); }),
              (std::vector<std::string>{std::string(kUnassignedComputersGroupId)}));

    const std::vector<std::string> both{servers, web, std::string(kUnassignedComputersGroupId)};
    ASSERT_OK(write([&](ComputerRepo repo) { return repo.set_groups(id, both); }));
    auto groups = read([&](ComputerRepo repo) { return repo.groups_of(id); });
    ASSERT_EQ(groups->size(), 2u);  // Unassigned dropped because real groups were given
    ASSERT_OK(write([&](ComputerRepo repo) { return repo.set_groups(id, {}); }));
    EXPECT_EQ(*read([&](ComputerRepo repo) { return repo.groups_of(id); }),
              (std::vector<std::string>{std::string(kUnassignedComputersGroupId)}));

    EXPECT_EQ(write([&](ComputerRepo repo) { return repo.add_to_group(id, kAllComputersGroupId); }).error().code,
              Errc::invalid_argument);
    EXPECT_EQ(write([&](ComputerRepo repo) { return repo.add_to_group(9999, web); }).error().code, Errc::not_found);
}

TEST_F(ComputerRepoTest, PagingAndGroupListing) {
    const std::string lab = make_group("Lab");
    ASSERT_OK(store().with_writer([&](Connection& c) -> Result<void> {
        ComputerRepo repo(c);
        for (int i = 1; i <= 25; ++i) {
            auto reg = repo.upsert(info(i, "pc" + std::to_string(i)), at_ms(i));
            if (!reg) return std::unexpected(reg.error());
            if (i % 5 == 0) {
                if (auto r = repo.add_to_group(reg->id, lab); !r) return r;
            }
        }
        return {};
    }));
    EXPECT_EQ(*read([](ComputerRepo repo) { return repo.count(); }), 25);

    std::vector<std::string> names;
    ComputerId after = 0;
    int pages = 0;
    while (true) {
        auto page = read([&](ComputerRepo repo) { return repo.list(after, 10); });
        ASSERT_OK(page);
        if (page->empty()) break;
        ++pages;
        for (const auto& c : *page) names.push_back(c.info.dns_name);
        after = page->back().id;
    }
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(names.size(), 25u);
    EXPECT_EQ(names.front(), "pc1");
    EXPECT_EQ(names.back(), "pc25");

    auto in_lab = read([&](ComputerRepo repo) { return repo.list_in_group(lab, 0, 3); });
    ASSERT_OK(in_lab);
    ASSERT_EQ(in_lab->size(), 3u);
    EXPECT_EQ((*in_lab)[0].info.dns_name, "pc5");
    auto rest = read([&](ComputerRepo repo) { return repo.list_in_group(lab, in_lab->back().id, 10); });
    EXPECT_EQ(rest->size(), 2u);
    auto unassigned = read([](ComputerRepo repo) { return repo.list_in_group(kUnassignedComputersGroupId, 0, 100); });
    EXPECT_EQ(unassigned->size(), 20u);
    auto by_name = read([](ComputerRepo repo) { return repo.find_by_dns_name("PC7"); });
    ASSERT_EQ(by_name->size(), 1u);
    EXPECT_EQ(by_name->front().info.client_id, client(7));
}

TEST_F(ComputerRepoTest, TouchAndRemove) {
    auto reg = write([](ComputerRepo repo) { return repo.upsert(info(1, "pc1"), at_ms(1)); });
    ASSERT_OK(reg);
    ASSERT_OK(write([&](ComputerRepo repo) { return repo.touch_sync(reg->id, at_ms(50)); }));
    ASSERT_OK(write([&](ComputerRepo repo) { return repo.touch_report(reg->id, at_ms(60)); }));
    auto got = read([&](ComputerRepo repo) { return repo.get(reg->id); });
    EXPECT_EQ(got->last_sync_at, at_ms(50));
    EXPECT_EQ(got->last_report_at, at_ms(60));
    ASSERT_OK(write([&](ComputerRepo repo) { return repo.remove(reg->id); }));
    EXPECT_EQ(read([&](ComputerRepo repo) { return repo.get(reg->id); }).error().code, Errc::not_found);
    EXPECT_EQ(write([&](ComputerRepo repo) { return repo.touch_sync(reg->id, at_ms(70)); }).error().code,
              Errc::not_found);
    auto memberships =
        store().with_reader([](Connection& c) { return c.query_int("SELECT COUNT(*) FROM computer_group"); });
    EXPECT_EQ(*memberships, 0);  // cascaded
}

TEST_F(ComputerRepoTest, RejectsMalformedClientId) {
    auto bad = write([](ComputerRepo repo) { return repo.upsert(testing::computer_info("pc1"), at_ms(1)); });
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace wsusd::store
