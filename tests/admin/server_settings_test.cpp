#include "admin/server_settings.h"

#include <gtest/gtest.h>

#include "store/store_fixture.h"

namespace wsusd::admin {
namespace {

using store::testing::StoreTest;

class ServerSettingsTest : public StoreTest {
  protected:
    config::Config file;
    store::TimePoint now = store::testing::at_ms(1000);

    Result<std::string> set(std::string_view key, std::string_view value) {
        return store().with_writer([&](store::Connection& c) { return store_setting(c, file, key, value, now); });
    }
    ServerSettings load() {
        auto s = store().with_reader([&](store::Connection& c) { return load_settings(c, file); });
        EXPECT_TRUE(s) << s.error().message;
        return *s;
    }
};

TEST_F(ServerSettingsTest, FileKeysDefaultToTheFileAndStoredValuesWin) {
    file.sync.content = "microsoft";
    auto s = load();
    EXPECT_EQ(s["sync.content"].value, "microsoft");
    EXPECT_EQ(s["sync.content"].source, "file");
    EXPECT_EQ(s["approvals.decline_expired"].source, "default");
    ASSERT_OK(set("sync.content", "none"));
    ASSERT_OK(set("sync.mode", "replica"));
    s = load();
    EXPECT_EQ(s["sync.content"].value, "none");
    EXPECT_EQ(s["sync.content"].source, "store");
    auto eff = store().with_reader([&](store::Connection& c) { return overlay_config(c, file); });
    ASSERT_OK(eff);
    EXPECT_EQ(eff->sync.content, "none");
    EXPECT_TRUE(eff->sync.replica);
    ASSERT_OK(store().with_writer([&](store::Connection& c) { return unset_setting(c, "sync.mode"); }));
    eff = store().with_reader([&](store::Connection& c) { return overlay_config(c, file); });
    EXPECT_FALSE(eff->sync.replica);
}

TEST_F(ServerSettingsTest, ValuesAreValidatedAndErrorsNameTheKey) {
    auto r = set("sync.mode", "sometimes");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("sync.mode"), std::string::npos);
    r = set("cleanup.obsolete_computer_days", "4000");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("0 to 3650"), std::string::npos);
    r = set("no.such", "1");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no.such"), std::string::npos);
    // The whole resulting configuration is validated: a schedule time must be HH:MM.
    r = set("sync.schedule", "25:99");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("sync.schedule"), std::string::npos);
    EXPECT_EQ(*set("approvals.decline_expired", "NO"), "false");
    EXPECT_EQ(*set("notify.mail_to", " a@x.test ,, b@x.test "), "a@x.test,b@x.test");
    EXPECT_FALSE(set("notify.webhook_url", "http://127.0.0.1/hook")) << "needs the secret first";
    ASSERT_OK(set("notify.webhook_secret", "k"));
    EXPECT_TRUE(set("notify.webhook_url", "http://127.0.0.1/hook"));
    EXPECT_EQ(shown_value(*find_setting("notify.webhook_secret"), "k"), "********");
}

}  // namespace
}  // namespace wsusd::admin
