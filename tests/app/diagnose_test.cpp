#include "app/diagnose.h"

#include <gtest/gtest.h>

namespace wsusd::app {
namespace {

TEST(RedactConfig, SecretKeysAndUrlPasswordsAreReplaced) {
    const auto out = redact_config(R"(
data_dir = "/var/lib/wsusd"
[sync]
upstream_url = "https://operator:pw1@wsus1:8531"
proxy_password = "pw2"
[notify]
smtp = { host = "mail", password = "pw3" }
webhook_secret = "pw4"
hmac_key = "pw5"
recipients = ["ops@example.test"]
)");
    for (const char* secret : {"pw1", "pw2", "pw3", "pw4", "pw5"}) EXPECT_EQ(out.find(secret), std::string::npos) << out;
    EXPECT_NE(out.find("/var/lib/wsusd"), std::string::npos);
    EXPECT_NE(out.find("ops@example.test"), std::string::npos) << "addresses are not secrets";
    EXPECT_NE(out.find("https://operator:<redacted>@wsus1:8531"), std::string::npos);
    EXPECT_NE(out.find("proxy_password = '<redacted>'"), std::string::npos) << out;
}

TEST(RedactConfig, UnparseableTextIsLeftOutEntirely) {
    const auto out = redact_config("password = \"unterminated");
    EXPECT_EQ(out.find("unterminated"), std::string::npos);
    EXPECT_NE(out.find("does not parse"), std::string::npos);
}

}  // namespace
}  // namespace wsusd::app
