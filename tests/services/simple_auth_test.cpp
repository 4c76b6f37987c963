// Client-side targeting names from SimpleAuth GetAuthorizationCookie: what ends up sealed in the cookie.
#include <gtest/gtest.h>

#include "services/simple_auth_service.h"

namespace wsusd::services {
namespace {

TEST(SplitTargetGroups, TrimsAndSkipsEmptyNames) {
    EXPECT_EQ(split_target_groups(" Ring 1 ;;Servers; "), (std::vector<std::string>{"Ring 1", "Servers"}));
    EXPECT_TRUE(split_target_groups("").empty());
}

// A name longer than WSUS allows (256) names no group; sealed, it would exceed the cookie reader's bounds and
// leave the client with a cookie that never opens (found while writing fuzz/cookie_fuzz).
TEST(SplitTargetGroups, BoundsNamesAndCount) {
    EXPECT_EQ(split_target_groups(std::string(257, 'x') + ";ok"), (std::vector<std::string>{"ok"}));
    EXPECT_EQ(split_target_groups(std::string(256, 'x')).size(), 1u);
    std::string many;
    for (int i = 0; i < 100; ++i) many += "g" + std::to_string(i) + ";";
    EXPECT_EQ(split_target_groups(many).size(), 64u);
}

}  // namespace
}  // namespace wsusd::services
