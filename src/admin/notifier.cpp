#include "admin/notifier.h"

#include <curl/curl.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "admin/metrics.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::admin {
namespace {

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};

struct ReadState {
    const std::string* data;
    std::size_t offset = 0;
};

std::size_t read_payload(char* buf, std::size_t size, std::size_t n, void* user) {
    auto* st = static_cast<ReadState*>(user);
    std::size_t left = st->data->size() - st->offset;
    std::size_t len = std::min(left, size * n);
    std::memcpy(buf, st->data->data() + st->offset, len);
    st->offset += len;
    return len;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

std::string mail_message(const NotifyTargets& t, const NotifyEvent& e) {
    std::string to;
    for (const auto& r : t.mail_to) to += (to.empty() ? "" : ", ") + r;
    std::string text = e.text;
    // SMTP lines end in CRLF; a lone "." line would end the DATA section early (curl dot-stuffs, but be plain).
    std::string body;
    for (char c : text) {
        if (c == '\n') body += "\r\n";
        else if (c != '\r') body += c;
    }
    return "Date: " + util::http_date(std::chrono::system_clock::now()) + "\r\nFrom: " + t.mail_from + "\r\nTo: " + to +
           "\r\nSubject: " + e.subject + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
           "X-Wsusd-Event: " + e.name + "\r\n\r\n" + body + "\r\n";
}

}  // namespace

std::string webhook_signature(std::string_view secret, std::string_view body) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
         body.size(), md, &len);
    return util::to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

Notifier::Notifier(NotifierOptions options, Metrics* metrics) : options_(options), metrics_(metrics) {
    thread_ = std::thread([this] { loop(); });
}

Notifier::~Notifier() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (!queue_.empty())
        log::admin()->warn("notifications: {} undelivered messages dropped at shutdown", queue_.size());
}

int Notifier::notify(const NotifyTargets& t, const NotifyEvent& e) {
    std::vector<Delivery> add;
    auto now = std::chrono::steady_clock::now();
    if (!t.smtp_url.empty() && !t.mail_to.empty() && !t.mail_from.empty())
        add.push_back(Delivery{true, t, e.name, mail_message(t, e), 0, now});
    if (!t.webhook_url.empty()) {
        nlohmann::json body{{"event", e.name},
                            {"time", util::format_datetime(std::chrono::system_clock::now(), 3)},
                            {"subject", e.subject},
                            {"data", e.data}};
        add.push_back(Delivery{false, t, e.name, body.dump(), 0, now});
    }
    {
        std::lock_guard lock(mu_);
        for (auto& d : add) {
            if (queue_.size() >= options_.max_queue) {
                log::admin()->error("notifications: queue full ({}), dropping {} {}", options_.max_queue,
                                  d.mail ? "mail" : "webhook", d.event_name);
                continue;
            }
            queue_.push_back(std::move(d));
        }
    }
    cv_.notify_all();
    return static_cast<int>(add.size());
}

std::size_t Notifier::pending() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

void Notifier::loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        if (queue_.empty()) {
            cv_.wait(lock);
            continue;
        }
        auto next = std::min_element(queue_.begin(), queue_.end(),
                                     [](const Delivery& a, const Delivery& b) { return a.due < b.due; });
        if (next->due > std::chrono::steady_clock::now()) {
            cv_.wait_until(lock, next->due);
            continue;
        }
        Delivery d = std::move(*next);
        queue_.erase(next);
        lock.unlock();
        auto sent = send(d);  // outside the lock: notify() never waits for a slow server
        lock.lock();
        const char* what = d.mail ? "mail" : "webhook";
        const std::string& where = d.mail ? d.targets.smtp_url : d.targets.webhook_url;
        if (sent) {
            if (metrics_) metrics_->notification(true);
            log::admin()->info("notifications: {} {} delivered to {}", what, d.event_name, where);
            continue;
        }
        ++d.attempts;
        if (d.attempts >= options_.max_attempts) {
            if (metrics_) metrics_->notification(false);
            log::admin()->error("notifications: {} {} to {} failed {} times, giving up: {} (check the notify.* settings "
                              "with `wsusctl server config get`)",
                              what, d.event_name, where, d.attempts, sent.error().message);
            continue;
        }
        auto delay = options_.retry_delay * (1 << std::min(d.attempts - 1, 10));
        log::admin()->warn("notifications: {} {} to {} failed (attempt {}/{}): {}; retrying in {} ms", what, d.event_name,
                         where, d.attempts, options_.max_attempts, sent.error().message, delay.count());
        d.due = std::chrono::steady_clock::now() + delay;
        queue_.push_back(std::move(d));
    }
}

Result<void> Notifier::send(const Delivery& d) const {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return fail(Errc::internal, "curl_easy_init failed");
    CURL* c = curl.get();
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.timeout_seconds);
    ReadState rs{&d.payload};
    std::unique_ptr<curl_slist, SlistDeleter> list;
    if (d.mail) {
        curl_easy_setopt(c, CURLOPT_URL, d.targets.smtp_url.c_str());
        if (d.targets.smtp_starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
        if (!d.targets.smtp_user.empty()) {
            curl_easy_setopt(c, CURLOPT_USERNAME, d.targets.smtp_user.c_str());
            curl_easy_setopt(c, CURLOPT_PASSWORD, d.targets.smtp_password.c_str());
        }
        std::string from = "<" + d.targets.mail_from + ">";
        curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
        curl_slist* rcpt = nullptr;
        for (const auto& r : d.targets.mail_to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
        list.reset(rcpt);
        curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_payload);
        curl_easy_setopt(c, CURLOPT_READDATA, &rs);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        CURLcode rc = curl_easy_perform(c);
        if (rc != CURLE_OK) return fail(Errc::io, std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : ""));
        return {};
    }
    curl_easy_setopt(c, CURLOPT_URL, d.targets.webhook_url.c_str());
    curl_slist* h = nullptr;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, ("X-Wsusd-Event: " + d.event_name).c_str());
    h = curl_slist_append(h, ("X-Wsusd-Signature: sha256=" + webhook_signature(d.targets.webhook_secret, d.payload)).c_str());
    list.reset(h);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, d.payload.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(d.payload.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) return fail(Errc::io, std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : ""));
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) return fail(Errc::io, "HTTP status " + std::to_string(status));
    return {};
}

}  // namespace wsusd::admin
