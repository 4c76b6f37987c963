#include "sync/upstream_client.h"

#include <curl/curl.h>
#include <pugixml.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include "util/log.h"

namespace wsusd::sync {

namespace {

struct Sink {
    std::string data;
    std::size_t limit;
    bool overflow = false;
};

std::size_t collect(char* p, std::size_t size, std::size_t n, void* user) {
    auto* sink = static_cast<Sink*>(user);
    if (sink->data.size() + size * n > sink->limit) {
        sink->overflow = true;
        return 0;  // aborts the transfer
    }
    sink->data.append(p, size * n);
    return size * n;
}

constexpr const char* kFaultPrefix = "upstream fault ";

}  // namespace

Result<std::pair<long, std::string>> UpstreamClient::post(const std::string& path, const std::string& action,
                                                          const std::string& body) {
    static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!initialized) return fail(Errc::internal, "libcurl did not initialize");
    const std::string url = options_.url + path;
    std::string last_error;
    for (unsigned attempt = 0; attempt <= options_.retries; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500) * (1u << std::min(attempt, 6u)));
        std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
        if (!h) return fail(Errc::internal, "libcurl: no handle");
        std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
        auto add = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
        add("Content-Type: text/xml; charset=utf-8");
        add("SOAPAction: \"" + action + "\"");
        add("Expect:");  // no 100-continue round trip
        Sink sink{{}, options_.max_response_bytes};
        curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
        curl_easy_setopt(h.get(), CURLOPT_POST, 1L);
        curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, options_.timeout_seconds);
        curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT, 30L);
        curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h.get(), CURLOPT_USERAGENT, "wsusd/" WSUSD_VERSION);
        curl_easy_setopt(h.get(), CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
        // Only the configured proxy is used: a daemon must not pick one up from its environment by accident.
        curl_easy_setopt(h.get(), CURLOPT_PROXY, options_.proxy.c_str());
        if (!options_.proxy_user.empty()) {
            curl_easy_setopt(h.get(), CURLOPT_PROXYUSERNAME, options_.proxy_user.c_str());
            curl_easy_setopt(h.get(), CURLOPT_PROXYPASSWORD, options_.proxy_password.c_str());
            curl_easy_setopt(h.get(), CURLOPT_PROXYAUTH, CURLAUTH_ANY);
        }
        CURLcode rc = curl_easy_perform(h.get());
        if (sink.overflow)
            return fail(Errc::limit_exceeded, action + ": the answer of " + options_.url + " is larger than " +
                                                  std::to_string(options_.max_response_bytes) + " bytes");
        long status = 0;
        curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
        if (rc == CURLE_OK && (status == 200 || status == 500)) return std::make_pair(status, std::move(sink.data));
        last_error = rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(status);
        log::sync()->warn("{} {}: {} (attempt {} of {})", action, url, last_error, attempt + 1, options_.retries + 1);
        if (rc == CURLE_OK && status >= 400 && status < 500) break;  // our request is wrong: retrying will not help
    }
    return fail(Errc::io, action + ": cannot reach " + url + ": " + last_error +
                              " (check sync.upstream_url, the network and sync.proxy)");
}

Result<void> UpstreamClient::fault_error(const std::string& action, long status, const std::string& body) const {
    pugi::xml_document doc;
    std::string code, message;
    if (doc.load_buffer(body.data(), body.size())) {
        for (auto n : doc.select_nodes("//*[local-name()='ErrorCode']")) code = n.node().text().as_string();
        for (auto n : doc.select_nodes("//*[local-name()='Message']")) message = n.node().text().as_string();
    }
    if (code.empty()) return fail(Errc::io, action + ": HTTP " + std::to_string(status) + " from " + options_.url);
    return fail(Errc::conflict, kFaultPrefix + code + (message.empty() ? "" : " (" + message + ")") + " from " +
                                    options_.url + " to " + action);
}

std::string fault_code_of(const Error& e) {
    if (e.code != Errc::conflict || !e.message.starts_with(kFaultPrefix)) return {};
    auto rest = e.message.substr(std::string(kFaultPrefix).size());
    return rest.substr(0, rest.find_first_of(" ("));
}

}  // namespace wsusd::sync
