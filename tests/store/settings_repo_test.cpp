#include "store/settings_repo.h"

#include <gtest/gtest.h>

#include "store_fixture.h"

namespace wsusd::store {
namespace {

using testing::at_ms;

class SettingsRepoTest : public testing::StoreTest {};

TEST_F(SettingsRepoTest, SetGetOverwriteRemove) {
    ASSERT_OK(store().with_writer([](Connection& c) -> Result<void> {
        SettingsRepo repo(c);
        auto missing = repo.get("sync.schedule");
        if (!missing) return std::unexpected(missing.error());
        EXPECT_EQ(*missing, std::nullopt);
        if (auto r = repo.set("sync.schedule", "03:00", at_ms(10)); !r) return r;
        if (auto r = repo.set("sync.schedule", "04:30", at_ms(20)); !r) return r;
        return repo.set("a.first", "1", at_ms(30));
    }));
    auto all = store().with_reader([](Connection& c) { return SettingsRepo(c).all(); });
    ASSERT_OK(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].key, "a.first");
    EXPECT_EQ((*all)[1].value, "04:30");
    EXPECT_EQ((*all)[1].changed_at, at_ms(20));

    ASSERT_OK(store().with_writer([](Connection& c) { return SettingsRepo(c).remove("a.first"); }));
    auto again = store().with_writer([](Connection& c) { return SettingsRepo(c).remove("a.first"); });
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::not_found);
    auto empty_key = store().with_writer([](Connection& c) { return SettingsRepo(c).set("", "x", at_ms(1)); });
    EXPECT_EQ(empty_key.error().code, Errc::invalid_argument);
}

TEST_F(SettingsRepoTest, CountersIncreaseMonotonically) {
    auto values = store().with_writer([](Connection& c) -> Result<std::vector<std::int64_t>> {
        SettingsRepo repo(c);
        std::vector<std::int64_t> out;
        for (auto r :
             {repo.config_version(), repo.bump_config_version(), repo.bump_config_version(), repo.config_version(),
              repo.bump_counter("custom"), repo.counter("never"), repo.catalog_version()}) {
            if (!r) return std::unexpected(r.error());
            out.push_back(*r);
        }
        return out;
    });
    ASSERT_OK(values);
    EXPECT_EQ(*values, (std::vector<std::int64_t>{0, 1, 2, 2, 1, 0, 0}));
}

}  // namespace
}  // namespace wsusd::store
