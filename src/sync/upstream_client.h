// The downstream side's connection to an upstream server (another wsusd, a real WSUS, or Microsoft Update's
// ServerSync endpoint): SOAP 1.1 over HTTP(S) with libcurl (timeouts, proxy with authentication, retries with
// backoff on transport errors), bodies written and read by the generated gSOAP serializers.
#pragma once

#include <functional>
#include <string>

#include "soap/soap_context.h"
#include "soap/soap_fwd.h"
#include "wsusd/result.h"

namespace wsusd::sync {

struct UpstreamOptions {
    std::string url;                 ///< base, e.g. http://wsus.example.org:8530
    std::string proxy;               ///< e.g. http://proxy:3128; empty: none (libcurl also honours no env here)
    std::string proxy_user, proxy_password;
    long timeout_seconds = 120;
    unsigned retries = 3;            ///< extra attempts after a transport error (not after a SOAP fault)
    std::size_t max_response_bytes = 256u << 20;
    soap::ParseLimits parse_limits{64, 1'000'000};
};

/// A SOAP fault from the upstream server: its ErrorCode (e.g. InvalidCookie) and Message.
struct UpstreamFault {
    std::string error_code;
    std::string message;
};

class UpstreamClient {
public:
    explicit UpstreamClient(UpstreamOptions options) : options_(std::move(options)) {}

    /// POSTs `body` to base url + path; the response body of a 200 or a 500 (faults), or Errc::io.
    Result<std::pair<long, std::string>> post(const std::string& path, const std::string& action, const std::string& body);

    /// One typed call. `use` sees the decoded response while its gSOAP memory is alive. A SOAP fault is
    /// Errc::conflict whose message starts with the ErrorCode (fault_of() reads it back).
    template <class Req, class Resp>
    Result<void> call(const Namespace* table, const std::string& path, const std::string& action, const char* req_tag,
                      Req& req, const char* resp_tag, const std::function<Result<void>(const Resp&)>& use) {
        soap::SoapContext ctx(table, soap::EnvelopeStyle::asmx, options_.parse_limits);
        ctx.begin_reply(soap::SoapVersion::v11);
        req.soap_serialize(ctx.raw());
        req.soap_put(ctx.raw(), req_tag, "");
        ctx.end_reply();
        auto reply = post(path, action, ctx.take_reply());
        if (!reply) return std::unexpected(reply.error());
        if (reply->first != 200) return fault_error(action, reply->first, reply->second);
        soap::SoapContext in(table, soap::EnvelopeStyle::asmx, options_.parse_limits);
        if (!in.begin_request(reply->second) || !in.payload_is(resp_tag))
            return fail(Errc::invalid_argument, action + ": unexpected answer from " + options_.url + ": " +
                                                    (in.guard_error().empty() ? in.error_text() : in.guard_error()));
        Resp resp;
        resp.soap_default(in.raw());
        if (!resp.soap_get(in.raw(), resp_tag, nullptr) || !in.end_request())
            return fail(Errc::invalid_argument, action + ": malformed answer from " + options_.url + ": " + in.error_text());
        return use(resp);
    }

    const UpstreamOptions& options() const { return options_; }

private:
    Result<void> fault_error(const std::string& action, long status, const std::string& body) const;
    UpstreamOptions options_;
};

/// The ErrorCode of an error made by UpstreamClient::call from a SOAP fault; empty for other errors.
std::string fault_code_of(const Error& e);

}  // namespace wsusd::sync
