// Notifications: e-mail over SMTP (libcurl: smtp:// with optional STARTTLS, smtps://, AUTH) and webhooks (JSON POST
// signed with HMAC-SHA256 in X-Wsusd-Signature). Deliveries run on one background thread with retries and
// exponential backoff, so a dead mail server delays nothing but its own mail; failures are logged.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::admin {

class Metrics;

/// Where to deliver (the notify.* server settings). Empty URL = that channel is off.
struct NotifyTargets {
    std::string smtp_url;  ///< smtp://host:port or smtps://host:port
    bool smtp_starttls = false;  ///< require STARTTLS on smtp://
    std::string smtp_user, smtp_password;
    std::string mail_from;
    std::vector<std::string> mail_to;
    std::string webhook_url;
    std::string webhook_secret;  ///< HMAC key; required when webhook_url is set
};

struct NotifyEvent {
    std::string name;     ///< updates.new, status.report, test
    std::string subject;  ///< mail subject
    std::string text;     ///< mail body
    nlohmann::json data;  ///< webhook payload "data"
};

struct NotifierOptions {
    int max_attempts = 5;                         ///< admin.notify_max_attempts
    std::chrono::milliseconds retry_delay{30000};  ///< first retry; doubles each time (admin.notify_retry_seconds)
    long timeout_seconds = 10;                    ///< per attempt (admin.notify_timeout_seconds)
    std::size_t max_queue = 1000;                 ///< deliveries beyond this are dropped (and logged)
};

/// hex HMAC-SHA256 of `body` with `secret`: the value after "sha256=" in X-Wsusd-Signature.
std::string webhook_signature(std::string_view secret, std::string_view body);

class Notifier {
  public:
    Notifier(NotifierOptions options, Metrics* metrics);
    ~Notifier();  ///< stops the thread; undelivered messages are logged and dropped
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    /// Queues one delivery per configured channel and returns at once; how many were queued.
    int notify(const NotifyTargets& targets, const NotifyEvent& event);
    /// Deliveries still queued (for tests and health).
    std::size_t pending() const;

  private:
    struct Delivery {
        bool mail = false;
        NotifyTargets targets;
        std::string event_name;
        std::string payload;  ///< the RFC 5322 message or the JSON body
        int attempts = 0;
        std::chrono::steady_clock::time_point due;
    };
    void loop();
    Result<void> send(const Delivery& d) const;

    NotifierOptions options_;
    Metrics* metrics_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Delivery> queue_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace wsusd::admin
