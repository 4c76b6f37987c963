#include "admin/notifier.h"

#include <gtest/gtest.h>

namespace wsusd::admin {
namespace {

TEST(WebhookSignature, IsHmacSha256OfTheBody) {
    // RFC 4231 test case 2.
    EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_NE(webhook_signature("Jefe", "what do ya want for nothing!"),
              webhook_signature("Jefe", "what do ya want for nothing?"));
}

TEST(Notifier, QueuesOnlyConfiguredChannels) {
    NotifierOptions o;
    o.retry_delay = std::chrono::hours(1);  // a failed attempt stays queued: nothing is retried during the test
    o.timeout_seconds = 1;
    Notifier n(o, nullptr);
    NotifyTargets none;
    EXPECT_EQ(n.notify(none, {"test", "s", "t", {}}), 0);
    NotifyTargets mail;
    mail.smtp_url = "smtp://127.0.0.1:1";
    mail.mail_from = "a@example.test";
    EXPECT_EQ(n.notify(mail, {"test", "s", "t", {}}), 0) << "mail needs recipients";
    mail.mail_to = {"b@example.test"};
    mail.webhook_url = "http://127.0.0.1:1/hook";
    mail.webhook_secret = "k";
    EXPECT_EQ(n.notify(mail, {"test", "s", "t", {}}), 2);
}

}  // namespace
}  // namespace wsusd::admin
