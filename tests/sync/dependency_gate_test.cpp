#include "sync/dependency_gate.h"

#include <gtest/gtest.h>

namespace wsusd::sync {
namespace {

using V = std::vector<std::size_t>;

TEST(DependencyGate, BundleListedBeforeItsMembersWaitsForThem) {
    DependencyGate gate({"bundle", "m1", "m2", "leaf"});
    EXPECT_EQ(gate.add(0, "bundle", {"m1", "m2"}), V{});
    EXPECT_EQ(gate.add(1, "leaf", {}), V{1});
    EXPECT_EQ(gate.add(2, "m1", {}), V{2});
    EXPECT_EQ(gate.waiting(), 1u);
    EXPECT_EQ(gate.add(3, "m2", {}), (V{3, 0}));  // the bundle right after its last member
    EXPECT_EQ(gate.waiting(), 0u);
}

TEST(DependencyGate, ChainsReleaseInDependencyOrder) {
    DependencyGate gate({"a", "b", "c"});
    EXPECT_EQ(gate.add(0, "c", {"b"}), V{});
    EXPECT_EQ(gate.add(1, "b", {"a"}), V{});
    EXPECT_EQ(gate.add(2, "a", {}), (V{2, 1, 0}));
}

TEST(DependencyGate, StoredOrUnlistedDependenciesDoNotBlock) {
    // Categories and updates already stored are not expected: nothing waits for them.
    DependencyGate gate({"u"});
    EXPECT_EQ(gate.add(0, "u", {"product-category", "already-stored"}), V{0});
}

TEST(DependencyGate, UpdateTheUpstreamLostReleasesItsDependents) {
    DependencyGate gate({"lost", "needs-it"});
    EXPECT_EQ(gate.add(0, "needs-it", {"lost"}), V{});
    EXPECT_EQ(gate.give_up("lost"), V{0});
}

TEST(DependencyGate, CyclesAreDrainedAtTheEnd) {
    DependencyGate gate({"x", "y", "z"});
    EXPECT_EQ(gate.add(0, "x", {"y"}), V{});
    EXPECT_EQ(gate.add(1, "y", {"x", "z"}), V{});
    EXPECT_EQ(gate.drain(), (V{0, 1}));
    EXPECT_EQ(gate.waiting(), 0u);
}

TEST(DependencyGate, TwoRevisionsOfOneUpdateAndDuplicateNeeds) {
    DependencyGate gate({"cat", "u"});
    EXPECT_EQ(gate.add(0, "u", {"cat", "cat"}), V{});
    EXPECT_EQ(gate.add(1, "cat", {}), (V{1, 0}));
    EXPECT_EQ(gate.add(2, "cat", {}), V{2});  // a second revision: nothing left to release
}

}  // namespace
}  // namespace wsusd::sync
