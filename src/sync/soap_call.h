// Internal to src/sync: one SOAP round trip to the upstream — a typed gSOAP request serialized with a SoapContext,
// POSTed with retries, and the reply decoded into the typed response or read as a WSUS fault (ErrorCode, Message).
#pragma once

#include <string>
#include <string_view>

#include "soap/soap_context.h"
#include "sync/http_transport.h"
#include "sync/retry.h"
#include "sync/upstream_types.h"

namespace wsusd::sync::detail {

/// How one upstream call is made: transport, retry policy and sleeper, and the logger's request prefix.
struct CallSettings {
    HttpTransport* transport = nullptr;
    RetryPolicy retry;
    Sleeper sleep;
};

/// Reads a SOAP fault body: Errc and ErrorCode (io for ServerBusy, so that it is retried).
UpstreamError fault_from_body(std::string_view body, long status, const std::string& url, const std::string& action);

/// POSTs with retries; returns the body of a 200 reply, or the error (faults decoded).
UpstreamResult<std::string> post(const CallSettings& s, const std::string& url, const std::string& action,
                                 const std::string& body);

/// Pre-sized parse limits for replies: a revision list of a large catalog holds hundreds of thousands of ids.
soap::ParseLimits reply_parse_limits();

template <class Req>
std::string encode(soap::SoapContext& ctx, Req& req, const char* tag) {
    ctx.begin_reply(soap::SoapVersion::v11);
    req.soap_serialize(ctx.raw());
    req.soap_put(ctx.raw(), tag, "");
    ctx.end_reply();
    return ctx.take_reply();
}

template <class Resp>
UpstreamResult<void> decode(soap::SoapContext& ctx, std::string_view body, Resp& resp, const char* tag,
                            const std::string& url) {
    resp.soap_default(ctx.raw());
    if (!ctx.begin_request(body) || !resp.soap_get(ctx.raw(), tag, nullptr) || !ctx.end_request())
        return upstream_fail(Errc::invalid_argument,
                             "cannot decode the reply of " + url + ": " + ctx.error_text() +
                                 " (is sync.upstream_url a WSUS or wsusd server?)");
    return {};
}

}  // namespace wsusd::sync::detail
