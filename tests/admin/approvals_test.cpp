// WSUS conflict rules and inheritance as the admin view computes them (they must agree with the scan planner),
// and approval rule matching.
#include "admin/approvals.h"

#include <gtest/gtest.h>

#include "admin/maintenance.h"

namespace wsusd::admin {
namespace {

using store::DeploymentAction;

store::TimePoint day(int d) { return store::TimePoint(std::chrono::days(d)); }

store::Group group(std::string id) {
    store::Group g;
    g.id = g.name = std::move(id);
    return g;
}

store::Deployment dep(std::string group_id, DeploymentAction a, std::optional<store::TimePoint> deadline = {}) {
    store::Deployment d;
    d.group_id = std::move(group_id);
    d.update_id = "u";
    d.action = a;
    d.deadline = deadline;
    return d;
}

TEST(CombineApprovals, InstallBeatsUninstallBeatsNotApproved) {
    auto e = combine_approvals({{DeploymentAction::uninstall, {}, "a"}, {DeploymentAction::install, {}, "b"}});
    EXPECT_EQ(e.action, DeploymentAction::install);
    EXPECT_EQ(e.from_group, "b");
    e = combine_approvals({{DeploymentAction::not_approved, {}, "a"}, {DeploymentAction::uninstall, {}, "b"}});
    EXPECT_EQ(e.action, DeploymentAction::uninstall);
    EXPECT_TRUE(combine_approvals({}).from_group.empty());
}

TEST(CombineApprovals, EarliestDeadlineOfTheWinningActionWins) {
    auto e = combine_approvals({{DeploymentAction::install, day(20), "late"},
                                {DeploymentAction::install, day(10), "early"},
                                {DeploymentAction::uninstall, day(1), "uninstall"},
                                {DeploymentAction::install, {}, "none"}});
    EXPECT_EQ(e.action, DeploymentAction::install);
    ASSERT_TRUE(e.deadline);
    EXPECT_EQ(*e.deadline, day(10));
    EXPECT_EQ(e.from_group, "early");
}

TEST(EffectiveApproval, ChildInheritsItsAncestorsApprovals) {
    std::vector<store::Group> chain{group("child"), group("parent"), group("all")};
    auto e = effective_approval(chain, {dep("parent", DeploymentAction::install, day(5)), dep("other", DeploymentAction::install)});
    EXPECT_EQ(e.action, DeploymentAction::install);
    EXPECT_EQ(e.from_group, "parent");
    // Not approved on the child does not withdraw the parent's install (WSUS behaves the same).
    e = effective_approval(chain, {dep("child", DeploymentAction::not_approved), dep("parent", DeploymentAction::install)});
    EXPECT_EQ(e.action, DeploymentAction::install);
    // An approval of a group outside the chain does not reach it.
    e = effective_approval(chain, {dep("other", DeploymentAction::install)});
    EXPECT_TRUE(e.from_group.empty());
    EXPECT_EQ(e.action, DeploymentAction::not_approved);
}

TEST(RuleMatches, EmptyListsMatchAnything) {
    store::ApprovalRule r;
    EXPECT_TRUE(rule_matches(r, std::nullopt, {}));
    r.classifications = {"sec"};
    EXPECT_FALSE(rule_matches(r, std::nullopt, {}));
    EXPECT_FALSE(rule_matches(r, std::string("crit"), {}));
    EXPECT_TRUE(rule_matches(r, std::string("sec"), {"win11"}));
    r.products = {"win10"};
    EXPECT_FALSE(rule_matches(r, std::string("sec"), {"win11"}));
    EXPECT_TRUE(rule_matches(r, std::string("sec"), {"win11", "win10"}));
}

}  // namespace
}  // namespace wsusd::admin
