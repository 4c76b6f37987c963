// The maintenance timer thread against the rest of the daemon: triggers from several threads while request
// threads write to the store, and stop() while a run may be under way. Runs never overlap, every trigger is
// served, and stop returns. Part of the TSan pass (scripts/test.sh --tsan).
#include "admin/maintenance_timer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "admin/metrics.h"
#include "admin/server_settings.h"
#include "store/computer_repo.h"
#include "store/store_fixture.h"

namespace wsusd::admin {
namespace {

using store::testing::StoreTest;

std::uint64_t runs(const Metrics& m) {
    static const std::regex line("wsusd_maintenance_runs_total ([0-9]+)");
    std::smatch match;
    const std::string text = m.render("");
    return std::regex_search(text, match, line) ? std::stoull(match[1].str()) : 0;
}

class MaintenanceTimerTest : public StoreTest {};

TEST_F(MaintenanceTimerTest, TriggersFromManyThreadsWhileRequestsWriteAndStopReturns) {
    auto ctx = std::make_shared<AdminContext>();
    ctx->db = std::shared_ptr<store::Store>(&store(), [](store::Store*) {});
    ctx->metrics = std::make_shared<Metrics>();
    const auto t0 = std::chrono::system_clock::time_point(std::chrono::days(20000));
    ctx->clock = [t0] { return t0 + std::chrono::days(40); };  // every computer below is 40 days silent
    ASSERT_OK(store().with_writer([&](store::Connection& c) {
        return store_setting(c, ctx->file_config, "cleanup.enabled", "true", store::testing::at_ms(1));
    }));

    MaintenanceTimer timer(ctx, std::chrono::seconds(3600), std::chrono::seconds(3600));
    timer.start();
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {  // request threads registering computers
        threads.emplace_back([&, w] {
            for (int i = 0; i < 60; ++i) {
                auto id = "00000000-0000-0000-000" + std::to_string(w) + "-" + std::to_string(100000000000 + i);
                auto r = store().with_writer([&](store::Connection& c) {
                    return store::ComputerRepo(c).upsert(store::testing::computer_info(id),
                                                         std::chrono::floor<std::chrono::milliseconds>(t0));
                });
                EXPECT_TRUE(r) << r.error().message;
            }
        });
    }
    for (int t = 0; t < 2; ++t) {  // admins and the sync scheduler asking for runs
        threads.emplace_back([&] {
            while (!done.load()) {
                timer.trigger();
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
    }
    for (int i = 0; i < 2; ++i) threads[i].join();
    // Wait for a run that started after the last computer was written; it cleans every one up.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::int64_t left = -1;
    while (std::chrono::steady_clock::now() < deadline) {
        left = *store().with_reader([](store::Connection& c) { return store::ComputerRepo(c).count(); });
        if (left == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    done = true;
    for (std::size_t i = 2; i < threads.size(); ++i) threads[i].join();
    EXPECT_EQ(left, 0) << "triggered runs clean up the silent computers";
    EXPECT_GE(runs(*ctx->metrics), 1u);
    timer.trigger();
    timer.stop();  // may interrupt nothing: a run finishes, then the thread ends
    const auto after = runs(*ctx->metrics);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(runs(*ctx->metrics), after) << "no run after stop()";
}

}  // namespace
}  // namespace wsusd::admin
