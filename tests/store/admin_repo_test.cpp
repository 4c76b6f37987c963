// Admin tokens, the audit log, and the administrator's update filters.
#include "store/admin_repo.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "store/deployment_repo.h"
#include "store/revision_repo.h"
#include "store/update_query.h"
#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

class AdminRepoTest : public testing::StoreTest {};

TEST_F(AdminRepoTest, TokensAreFoundByHashAndRevoked) {
    ASSERT_TRUE(store().with_writer([](Connection& c) { return AdminRepo(c).create_token("alice", "h1", at_ms(5)); }));
    auto again = store().with_writer([](Connection& c) { return AdminRepo(c).create_token("ALICE", "h2", at_ms(6)); });
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::conflict);
    auto name = store().with_reader([](Connection& c) { return AdminRepo(c).token_name("h1"); });
    ASSERT_TRUE(name);
    EXPECT_EQ(*name, "alice");
    auto unknown = store().with_reader([](Connection& c) { return AdminRepo(c).token_name("h2"); });
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, Errc::unauthorized);
    ASSERT_TRUE(store().with_writer([](Connection& c) { return AdminRepo(c).touch_token("alice", at_ms(9)); }));
    auto tokens = store().with_reader([](Connection& c) { return AdminRepo(c).tokens(); });
    ASSERT_TRUE(tokens);
    ASSERT_EQ(tokens->size(), 1u);
    EXPECT_EQ(tokens->front().last_used_at, at_ms(9));
    ASSERT_TRUE(store().with_writer([](Connection& c) { return AdminRepo(c).revoke_token("alice"); }));
    EXPECT_FALSE(store().with_reader([](Connection& c) { return AdminRepo(c).token_name("h1"); }));
    auto twice = store().with_writer([](Connection& c) { return AdminRepo(c).revoke_token("alice"); });
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, Errc::not_found);
}

TEST_F(AdminRepoTest, AuditIsNewestFirstAndPages) {
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(store().with_writer([&](Connection& c) {
            return AdminRepo(c).audit("alice", "approve", "u" + std::to_string(i), "{}", at_ms(i));
        }));
    auto page = store().with_reader([](Connection& c) { return AdminRepo(c).audit_entries(0, 2); });
    ASSERT_TRUE(page);
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].target, "u4");
    EXPECT_EQ((*page)[1].target, "u3");
    auto next = store().with_reader([&](Connection& c) { return AdminRepo(c).audit_entries((*page)[1].id, 10); });
    ASSERT_TRUE(next);
    ASSERT_EQ(next->size(), 3u);
    EXPECT_EQ(next->front().target, "u2");
}

std::string guid(int n) {
    char text[37];
    std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", n);
    return text;
}

class UpdateQueryTest : public testing::StoreTest {
  protected:
    void SetUp() override {
        testing::StoreTest::SetUp();
        auto add = [&](int n, UpdateType type, std::string title, std::optional<std::string> kb,
                       std::optional<std::string> classification, std::vector<std::string> products,
                       std::optional<std::string> category_type = std::nullopt) {
            NewRevision r;
            r.update_id = guid(n);
            r.revision_number = 1;
            r.update_type = type;
            r.title = std::move(title);
            r.kb = std::move(kb);
            r.classification_id = std::move(classification);
            r.product_ids = std::move(products);
            r.category_type = std::move(category_type);
            r.xml = "<x/>";
            ASSERT_TRUE(store().with_writer([&](Connection& c) { return RevisionRepo(c).insert(r, at_ms(1)); }));
        };
        add(900, UpdateType::category, "Security Updates", {}, {}, {}, "UpdateClassification");
        add(901, UpdateType::category, "Windows 11", {}, {}, {}, "Product");
        add(1, UpdateType::software, "2026-11 Cumulative Update (KB5030001)", "5030001", guid(900), {guid(901)});
        add(2, UpdateType::software, "Defender definitions 100%", "2267602", {}, {guid(901)});
        add(3, UpdateType::driver, "Contoso display driver", {}, {}, {});
    }
    std::vector<std::string> ids(const UpdateFilter& f) {
        auto found = store().with_reader([&](Connection& c) { return UpdateQuery(c).search(f); });
        EXPECT_TRUE(found) << (found ? "" : found.error().message);
        std::vector<std::string> out;
        if (found)
            for (const auto& s : *found) out.push_back(s.revision.update_id);
        return out;
    }
};

TEST_F(UpdateQueryTest, FiltersLikeTheConsole) {
    EXPECT_EQ(ids({}), (std::vector<std::string>{guid(1), guid(2), guid(3)})) << "categories are not listed";
    UpdateFilter f;
    f.text = "cumulative";
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(1)});
    f.text = "100%";  // LIKE wildcards in the text are literal
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(2)});
    f = {};
    f.kb = "KB2267602";
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(2)});
    f = {};
    f.classification = "security updates";
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(1)});
    f = {};
    f.product = guid(901);
    EXPECT_EQ(ids(f), (std::vector<std::string>{guid(1), guid(2)}));
    f = {};
    f.limit = 1;
    f.after_update_id = guid(1);
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(2)});
}

TEST_F(UpdateQueryTest, ApprovalStates) {
    auto rev = store().with_reader([](Connection& c) { return RevisionRepo(c).latest(guid(1)); });
    ASSERT_TRUE(rev);
    ASSERT_TRUE(store().with_writer([&](Connection& c) {
        return DeploymentRepo(c).set({std::string(kAllComputersGroupId), rev->id, DeploymentAction::install, {}, "t"},
                                     at_ms(2));
    }));
    ASSERT_TRUE(store().with_writer([](Connection& c) { return RevisionRepo(c).set_declined(guid(3), true); }));
    UpdateFilter f;
    f.approval = ApprovalFilter::approved;
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(1)});
    f.approval = ApprovalFilter::unapproved;
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(2)});
    f.approval = ApprovalFilter::declined;
    EXPECT_EQ(ids(f), std::vector<std::string>{guid(3)});
}

}  // namespace
}  // namespace wsusd::store
