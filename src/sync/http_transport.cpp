#include "sync/http_transport.h"
#include "util/url.h"

#include <curl/curl.h>

#include <memory>

namespace wsusd::sync {

namespace {

using CurlHandle = std::unique_ptr<CURL, void (*)(CURL*)>;
using HeaderList = std::unique_ptr<curl_slist, void (*)(curl_slist*)>;

bool curl_ready() {
    static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    return ok;
}

std::string host_of(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    auto end = url.find_first_of("/?#", start);
    auto host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    return host.substr(host.rfind('@') == std::string::npos ? 0 : host.rfind('@') + 1);
}

// The classic failures, each with its cause and the configuration key that fixes it.
std::string describe(CURLcode rc, const std::string& url, const HttpOptions& o, const char* errbuf) {
    std::string detail = errbuf && *errbuf ? std::string(errbuf) : curl_easy_strerror(rc);
    std::string what = "request to " + util::redact_url(url) + " failed: " + detail;
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return what + " (the upstream name " + host_of(url) + " does not resolve: check sync.upstream_url and DNS)";
        case CURLE_COULDNT_RESOLVE_PROXY:
            return what + " (the proxy name does not resolve: check sync.proxy)";
        case CURLE_COULDNT_CONNECT:
            return what + (o.proxy.empty() ? " (nothing answers at that address and port: check sync.upstream_url, "
                                             "and that the upstream server runs)"
                                           : " (cannot connect through the proxy: check sync.proxy)");
        case CURLE_OPERATION_TIMEDOUT:
            return what + " (timed out: raise sync.request_timeout_seconds / sync.connect_timeout_seconds, or check "
                          "the network path)";
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
            return what + " (TLS failure: the upstream's certificate is not trusted or does not name " + host_of(url) +
                   "; set sync.ca_file to the CA that issued it, or fix sync.upstream_url to the certificate's name)";
        case CURLE_WRITE_ERROR:
        case CURLE_ABORTED_BY_CALLBACK:
            return what;
        default:
            return what;
    }
}

struct Transfer {
    const HttpOptions* options = nullptr;
    const std::atomic<bool>* cancel = nullptr;
    std::string body;
    const BodySink* sink = nullptr;
    std::uint64_t received = 0;
    Error sink_error;
    bool too_large = false;
    long status = 0;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t len = size * n;
    if (t->sink) {
        // Only a successful status carries file bytes; an error page is discarded.
        if (t->status != 200 && t->status != 206) return len;
        if (auto r = (*t->sink)(t->status, std::string_view(data, len)); !r) {
            t->sink_error = r.error();
            return 0;
        }
        t->received += len;
        return len;
    }
    if (t->body.size() + len > t->options->max_response_bytes) {
        t->too_large = true;
        return 0;
    }
    t->body.append(data, len);
    return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * n);
    // The status line of the final response (after proxies' 407 → 200 and 100 Continue).
    if (line.starts_with("HTTP/")) {
        auto sp = line.find(' ');
        if (sp != std::string_view::npos && line.size() >= sp + 4) {
            long code = 0;
            for (std::size_t i = sp + 1; i < sp + 4; ++i) code = code * 10 + (line[i] - '0');
            t->status = code;
        }
    }
    return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    return t->cancel && t->cancel->load() ? 1 : 0;
}

class CurlTransport final : public HttpTransport {
  public:
    CurlTransport(HttpOptions o, const std::atomic<bool>* cancel) : options_(std::move(o)), cancel_(cancel) {}

    Result<HttpReply> post_soap(const std::string& url, const std::string& soap_action,
                                const std::string& body) override {
        Transfer t;
        HeaderList headers(nullptr, curl_slist_free_all);
        auto add = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
        add("Content-Type: text/xml; charset=utf-8");
        add("SOAPAction: \"" + soap_action + "\"");
        add("Expect:");  // no 100-continue round trip
        auto h = prepare(url, t);
        if (!h) return std::unexpected(h.error());
        curl_easy_setopt(h->get(), CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(h->get(), CURLOPT_POST, 1L);
        curl_easy_setopt(h->get(), CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(h->get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        // The upstream may compress (MS-WSUSSS §2.1); libcurl decodes gzip and deflate.
        curl_easy_setopt(h->get(), CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
        if (auto r = perform(*h, url, t); !r) return std::unexpected(r.error());
        HttpReply reply;
        curl_easy_getinfo(h->get(), CURLINFO_RESPONSE_CODE, &reply.status);
        char* ct = nullptr;
        if (curl_easy_getinfo(h->get(), CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) reply.content_type = ct;
        reply.body = std::move(t.body);
        return reply;
    }

    Result<DownloadReply> get(const std::string& url, std::uint64_t offset, const BodySink& sink) override {
        Transfer t;
        t.sink = &sink;
        auto h = prepare(url, t);
        if (!h) return std::unexpected(h.error());
        std::string range = std::to_string(offset) + "-";
        if (offset > 0) curl_easy_setopt(h->get(), CURLOPT_RANGE, range.c_str());
        if (auto r = perform(*h, url, t); !r) return std::unexpected(r.error());
        DownloadReply reply;
        curl_easy_getinfo(h->get(), CURLINFO_RESPONSE_CODE, &reply.status);
        reply.received = t.received;
        return reply;
    }

  private:
    Result<CurlHandle> prepare(const std::string& url, Transfer& t) {
        if (!curl_ready()) return fail(Errc::internal, "libcurl did not initialize");
        CurlHandle h(curl_easy_init(), curl_easy_cleanup);
        if (!h) return fail(Errc::internal, "libcurl: no handle");
        t.options = &options_;
        t.cancel = cancel_;
        CURL* c = h.get();
        curl_easy_setopt(c, CURLOPT_URL, url.c_str());
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.request_timeout_seconds);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);  // Microsoft's download URLs redirect to CDNs
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
        if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
        if (!options_.proxy.empty()) {
            curl_easy_setopt(c, CURLOPT_PROXY, options_.proxy.c_str());
            if (!options_.proxy_user.empty()) {
                curl_easy_setopt(c, CURLOPT_PROXYUSERNAME, options_.proxy_user.c_str());
                curl_easy_setopt(c, CURLOPT_PROXYPASSWORD, options_.proxy_password.c_str());
                long auth = options_.proxy_auth == "ntlm"  ? CURLAUTH_NTLM
                            : options_.proxy_auth == "any" ? CURLAUTH_ANY
                                                           : CURLAUTH_BASIC;
                curl_easy_setopt(c, CURLOPT_PROXYAUTH, auth);
            }
        } else {
            curl_easy_setopt(c, CURLOPT_PROXY, "");  // ignore http_proxy from the environment: config decides
        }
        return h;
    }

    Result<void> perform(CurlHandle& h, const std::string& url, Transfer& t) {
        char errbuf[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, errbuf);
        CURLcode rc = curl_easy_perform(h.get());
        if (t.too_large)
            return fail(Errc::limit_exceeded, "response from " + url + " exceeds " +
                                                  std::to_string(options_.max_response_bytes) +
                                                  " bytes (sync.max_response_bytes)");
        if (!t.sink_error.message.empty()) return std::unexpected(t.sink_error);
        if (rc == CURLE_ABORTED_BY_CALLBACK) return fail(Errc::conflict, "cancelled");
        if (rc != CURLE_OK) return fail(Errc::io, describe(rc, url, options_, errbuf));
        long status = 0;
        curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
        if (status == 407)
            return fail(Errc::unauthorized, "the proxy refused our credentials (HTTP 407) for " + url +
                                                ": check sync.proxy_user, sync.proxy_password_file and sync.proxy_auth");
        return {};
    }

    HttpOptions options_;
    const std::atomic<bool>* cancel_;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const HttpOptions& options, const std::atomic<bool>* cancel) {
    return std::make_unique<CurlTransport>(options, cancel);
}

}  // namespace wsusd::sync
