#include "store/group_repo.h"

#include <gtest/gtest.h>

#include "store/computer_repo.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

class GroupRepoTest : public testing::StoreTest {
  protected:
    template <class F>
    auto write(F&& fn) {
        return store().with_writer([&](Connection& c) { return fn(GroupRepo(c)); });
    }
    template <class F>
    auto read(F&& fn) {
        return store().with_reader([&](Connection& c) { return fn(GroupRepo(c)); });
    }
    Group create(std::string_view name, std::string_view parent = {}) {
        auto g = write([&](GroupRepo repo) { return repo.create(name, parent, at_ms(7)); });
        EXPECT_TRUE(g) << g.error().message;
        return g ? *g : Group{};
    }
};

TEST_F(GroupRepoTest, BuiltInsExist) {
    auto all = read([](GroupRepo repo) { return repo.get(kAllComputersGroupId); });
    ASSERT_OK(all);
    EXPECT_EQ(all->name, "All Computers");
    EXPECT_TRUE(all->builtin);
    EXPECT_EQ(all->parent_id, std::nullopt);
    auto unassigned = read([](GroupRepo repo) { return repo.get(kUnassignedComputersGroupId); });
    ASSERT_OK(unassigned);
    EXPECT_EQ(unassigned->name, "Unassigned Computers");
    EXPECT_EQ(unassigned->parent_id, std::optional<std::string>(std::string(kAllComputersGroupId)));
}

TEST_F(GroupRepoTest, CreateNestedAndListAncestors) {
    const Group servers = create("Servers");
    EXPECT_EQ(servers.parent_id, std::optional<std::string>(std::string(kAllComputersGroupId)));
    EXPECT_EQ(servers.created_at, at_ms(7));
    EXPECT_FALSE(servers.builtin);
    const Group web = create("Web", servers.id);
    const Group edge = create("Edge", web.id);

    auto ancestors = read([&](GroupRepo repo) { return repo.ancestors(edge.id); });
    ASSERT_OK(ancestors);
    ASSERT_EQ(ancestors->size(), 3u);
    EXPECT_EQ((*ancestors)[0].id, web.id);
    EXPECT_EQ((*ancestors)[1].id, servers.id);
    EXPECT_EQ((*ancestors)[2].id, kAllComputersGroupId);
    EXPECT_TRUE(read([](GroupRepo repo) { return repo.ancestors(kAllComputersGroupId); })->empty());

    auto list = read([](GroupRepo repo) { return repo.list(); });
    ASSERT_OK(list);
    ASSERT_EQ(list->size(), 5u);
    EXPECT_EQ((*list)[0].name, "All Computers");  // built-ins first
    EXPECT_EQ((*list)[2].name, "Edge");
    auto children = read([&](GroupRepo repo) { return repo.children(servers.id); });
    ASSERT_EQ(children->size(), 1u);
    EXPECT_EQ((*children)[0].name, "Web");
}

TEST_F(GroupRepoTest, CreateWithGivenIdAndRejections) {
    auto given =
        write([](GroupRepo repo) { return repo.create("Labs", "", at_ms(1), "C0FFEE00-0000-4000-8000-000000000001"); });
    ASSERT_OK(given);
    EXPECT_EQ(given->id, "c0ffee00-0000-4000-8000-000000000001");

    auto duplicate = write([](GroupRepo repo) { return repo.create("LABS", "", at_ms(1)); });
    EXPECT_EQ(duplicate.error().code, Errc::conflict);
    auto empty = write([](GroupRepo repo) { return repo.create("", "", at_ms(1)); });
    EXPECT_EQ(empty.error().code, Errc::invalid_argument);
    auto orphan =
        write([](GroupRepo repo) { return repo.create("Orphan", "11111111-1111-4111-8111-111111111111", at_ms(1)); });
    EXPECT_EQ(orphan.error().code, Errc::not_found);
    auto under_unassigned =
        write([](GroupRepo repo) { return repo.create("X", kUnassignedComputersGroupId, at_ms(1)); });
    EXPECT_EQ(under_unassigned.error().code, Errc::invalid_argument);
    auto same_id = write(
        [](GroupRepo repo) { return repo.create("Other", "", at_ms(1), "c0ffee00-0000-4000-8000-000000000001"); });
    EXPECT_EQ(same_id.error().code, Errc::conflict);
}

TEST_F(GroupRepoTest, RenameAndMove) {
    const Group a = create("A");
    const Group b = create("B");
    const Group a1 = create("A1", a.id);

    ASSERT_OK(write([&](GroupRepo repo) { return repo.rename(a.id, "Alpha"); }));
    EXPECT_EQ(read([&](GroupRepo repo) { return repo.get(a.id); })->name, "Alpha");
    ASSERT_OK(write([&](GroupRepo repo) { return repo.rename(a.id, "ALPHA"); }));  // case change of itself
    EXPECT_EQ(write([&](GroupRepo repo) { return repo.rename(a.id, "b"); }).error().code, Errc::conflict);
    EXPECT_EQ(write([](GroupRepo repo) { return repo.rename(kAllComputersGroupId, "Everything"); }).error().code,
              Errc::conflict);

    ASSERT_OK(write([&](GroupRepo repo) { return repo.move(a1.id, b.id); }));
    EXPECT_EQ(read([&](GroupRepo repo) { return repo.get(a1.id); })->parent_id, std::optional<std::string>(b.id));
    // B cannot go under its own child, nor under itself.
    EXPECT_EQ(write([&](GroupRepo repo) { return repo.move(b.id, a1.id); }).error().code, Errc::conflict);
    EXPECT_EQ(write([&](GroupRepo repo) { return repo.move(b.id, b.id); }).error().code, Errc::conflict);
    EXPECT_EQ(write([&](GroupRepo repo) { return repo.move(kUnassignedComputersGroupId, b.id); }).error().code,
              Errc::conflict);
}

TEST_F(GroupRepoTest, DeleteRefusesBuiltInsAndNonEmptyGroups) {
    const Group parent = create("Parent");
    const Group child = create("Child", parent.id);
    EXPECT_EQ(write([](GroupRepo repo) { return repo.remove(kUnassignedComputersGroupId); }).error().code,
              Errc::conflict);
    EXPECT_EQ(write([&](GroupRepo repo) { return repo.remove(parent.id); }).error().code, Errc::conflict);

    auto member = store().with_writer([&](Connection& c) -> Result<ComputerId> {
        ComputerRepo computers(c);
        auto reg = computers.upsert(testing::computer_info("11111111-0000-4000-8000-000000000001"), at_ms(1));
        if (!reg) return std::unexpected(reg.error());
        if (auto r = computers.add_to_group(reg->id, child.id); !r) return std::unexpected(r.error());
        return reg->id;
    });
    ASSERT_OK(member);
    auto busy = write([&](GroupRepo repo) { return repo.remove(child.id); });
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, Errc::conflict);
    EXPECT_NE(busy.error().message.find("1 computer"), std::string::npos);

    ASSERT_OK(store().with_writer([&](Connection& c) { return ComputerRepo(c).remove_from_group(*member, child.id); }));
    ASSERT_OK(write([&](GroupRepo repo) { return repo.remove(child.id); }));
    ASSERT_OK(write([&](GroupRepo repo) { return repo.remove(parent.id); }));
    EXPECT_EQ(read([&](GroupRepo repo) { return repo.get(parent.id); }).error().code, Errc::not_found);
    EXPECT_EQ(read([](GroupRepo repo) { return repo.list(); })->size(), 2u);
}

}  // namespace
}  // namespace wsusd::store
