// The maintenance job with the clock moved forward: silent computers are cleaned up after
// cleanup.obsolete_computer_days, a dry run changes nothing, and each run is bounded by max_per_run.
#include "admin/maintenance.h"

#include <gtest/gtest.h>

#include "admin/server_settings.h"
#include "store/computer_repo.h"
#include "store/store_fixture.h"

namespace wsusd::admin {
namespace {

using store::testing::StoreTest;

class MaintenanceTest : public StoreTest {
  protected:
    std::shared_ptr<store::Store> shared() {
        return std::shared_ptr<store::Store>(&store(), [](store::Store*) {});
    }
    std::int64_t computers() {
        return *store().with_reader([](store::Connection& c) -> Result<std::int64_t> {
            auto all = store::ComputerRepo(c).count();
            return all;
        });
    }
};

TEST_F(MaintenanceTest, SilentComputersAreCleanedUpBoundedAndDryRunChangesNothing) {
    const auto t0 = std::chrono::system_clock::time_point(std::chrono::days(20000));
    for (int i = 0; i < 3; ++i)
        ASSERT_OK(store().with_writer([&](store::Connection& c) {
            return store::ComputerRepo(c).upsert(store::testing::computer_info("00000000-0000-0000-0000-00000000000" + std::to_string(i)),
                                                 std::chrono::floor<std::chrono::milliseconds>(t0));
        }));
    AdminContext ctx;
    ctx.db = shared();
    ASSERT_OK(store().with_writer([&](store::Connection& c) {
        return store_setting(c, ctx.file_config, "cleanup.enabled", "true", store::testing::at_ms(1));
    }));
    ctx.max_per_run = 2;
    ctx.clock = [&] { return t0 + std::chrono::days(10); };
    auto r = run_maintenance(ctx, {});
    ASSERT_OK(r);
    EXPECT_TRUE((*r)["cleanup"]["obsolete_computers"].empty()) << "10 days silent is not 30";
    ctx.clock = [&] { return t0 + std::chrono::days(31); };
    MaintenanceOptions dry;
    dry.dry_run = true;
    r = run_maintenance(ctx, dry);
    ASSERT_OK(r);
    EXPECT_EQ((*r)["cleanup"]["obsolete_computers"].size(), 2u) << "bounded by max_per_run";
    EXPECT_EQ(computers(), 3);
    r = run_maintenance(ctx, {});
    ASSERT_OK(r);
    EXPECT_EQ(computers(), 1);
    r = run_maintenance(ctx, {});
    EXPECT_EQ(computers(), 0) << "the rest goes on the next run";
    // cleanup.enabled = false stops the timer's cleanup, not a forced one.
    ASSERT_OK(store().with_writer([&](store::Connection& c) {
        return store_setting(c, ctx.file_config, "cleanup.enabled", "false", store::testing::at_ms(1));
    }));
    r = run_maintenance(ctx, {});
    ASSERT_OK(r);
    EXPECT_TRUE((*r)["cleanup"].contains("skipped"));
}

}  // namespace
}  // namespace wsusd::admin
