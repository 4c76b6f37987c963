// Outbound HTTP for the downstream role: SOAP POSTs to the upstream server and file downloads, behind an
// interface so tests can inject failures (the environment seam). CurlTransport is the libcurl implementation:
// HTTP and HTTPS, certificate verification with an optional CA file, proxies with basic/NTLM credentials,
// timeouts, bounded response sizes, cancellation between callbacks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::sync {

struct HttpOptions {
    std::string proxy;           ///< empty = direct
    std::string proxy_user;
    std::string proxy_password;
    std::string proxy_auth = "basic";  ///< basic, ntlm, any
    std::string ca_file;         ///< empty = system store
    bool verify_tls = true;
    long connect_timeout_seconds = 30;
    long request_timeout_seconds = 600;
    std::uint64_t max_response_bytes = 256ull << 20;
    std::string user_agent = "wsusd/" WSUSD_VERSION " (MS-WSUSSS downstream)";
};

struct HttpReply {
    long status = 0;
    std::string body;
    std::string content_type;
};

/// Where a download's bytes go, with the response status (200 or 206; other statuses' bodies are not delivered);
/// return an error to abort the transfer.
using BodySink = std::function<Result<void>(long status, std::string_view chunk)>;

struct DownloadReply {
    long status = 0;        ///< 200 (whole file) or 206 (the requested range)
    std::uint64_t received = 0;
};

class HttpTransport {
  public:
    virtual ~HttpTransport() = default;
    /// POSTs a SOAP 1.1 envelope. Errc::io when the server cannot be reached (the message names the cause and the
    /// config key to check); any HTTP status is a reply (SOAP faults come with 500).
    virtual Result<HttpReply> post_soap(const std::string& url, const std::string& soap_action,
                                        const std::string& body) = 0;
    /// GETs `url` from byte `offset` (a Range request when offset > 0) into `sink`. A server that ignores the range
    /// answers 200 with the whole file: the caller sees status 200 and must start over from byte 0.
    virtual Result<DownloadReply> get(const std::string& url, std::uint64_t offset, const BodySink& sink) = 0;
};

/// The libcurl transport. `cancel`, when set, aborts transfers in progress (checked about once a second).
std::unique_ptr<HttpTransport> make_curl_transport(const HttpOptions& options,
                                                   const std::atomic<bool>* cancel = nullptr);

}  // namespace wsusd::sync
