#include "util/url.h"

#include <gtest/gtest.h>

namespace wsusd::util {
namespace {

TEST(RedactUrl, ReplacesThePasswordOnly) {
    EXPECT_EQ(redact_url("http://operator:hunter2@wsus1:8530/ServerSyncWebService/x.asmx"),
              "http://operator:<redacted>@wsus1:8530/ServerSyncWebService/x.asmx");
    EXPECT_EQ(redact_url("https://u:p%40ss@proxy:3128"), "https://u:<redacted>@proxy:3128");
}

TEST(RedactUrl, AUserNameAloneMayBeATokenAndGoesToo) {
    EXPECT_EQ(redact_url("https://ghp_abcdef@host/x"), "https://<redacted>@host/x");
}

TEST(RedactUrl, LeavesUrlsWithoutUserinfoAlone) {
    EXPECT_EQ(redact_url("http://wsus1:8530/Content/a@b.cab"), "http://wsus1:8530/Content/a@b.cab");
    EXPECT_EQ(redact_url("http://wsus1:8530?x=a@b"), "http://wsus1:8530?x=a@b");
    EXPECT_EQ(redact_url("not a url"), "not a url");
    EXPECT_EQ(redact_url(""), "");
}

}  // namespace
}  // namespace wsusd::util
