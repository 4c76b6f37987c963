#include "sync/soap_call.h"

#include <pugixml.hpp>

#include "util/log.h"
#include "util/url.h"

namespace wsusd::sync::detail {

namespace {

std::string_view local(std::string_view name) {
    auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child_local(pugi::xml_node n, std::string_view name) {
    for (auto c : n.children())
        if (local(c.name()) == name) return c;
    return {};
}

}  // namespace

soap::ParseLimits reply_parse_limits() { return soap::ParseLimits{64, 2'000'000}; }

UpstreamError fault_from_body(std::string_view body, long status, const std::string& url, const std::string& action) {
    pugi::xml_document doc;
    // Faults are small; anything else (an HTML error page of a proxy) is reported by status.
    if (body.size() < (1 << 20) && doc.load_buffer(body.data(), body.size(), pugi::parse_default & ~pugi::parse_doctype)) {
        auto env = doc.document_element();
        auto fault = child_local(child_local(env, "Body"), "Fault");
        if (fault) {
            // SOAP 1.1: detail; SOAP 1.2: Detail.
            auto detail = child_local(fault, "detail");
            if (!detail) detail = child_local(fault, "Detail");
            std::string code = child_local(detail, "ErrorCode").text().get();
            std::string message = child_local(detail, "Message").text().get();
            std::string text = "upstream fault " + (code.empty() ? std::string("(no ErrorCode)") : code) + " from " +
                               util::redact_url(url) + " (" + action + ")" + (message.empty() ? "" : ": " + message);
            Errc errc = Errc::internal;
            if (code == "ServerBusy") errc = Errc::io;  // §2.2.9.3: back off and try again
            else if (code == "InvalidCookie" || code == "InvalidAuthorizationCookie") errc = Errc::unauthorized;
            else if (code == "InvalidParameters") errc = Errc::invalid_argument;
            else if (code == "ServerChanged") errc = Errc::conflict;
            else if (code == "IncompatibleProtocolVersion") errc = Errc::invalid_argument;
            if (code.empty()) {
                auto fs = child_local(fault, "faultstring");
                if (fs) text += ": " + std::string(fs.text().get());
            }
            return UpstreamError{errc, text, code};
        }
    }
    std::string text = "HTTP " + std::to_string(status) + " from " + util::redact_url(url) + " (" + action + ")";
    if (status == 404) return UpstreamError{Errc::not_found, text + ": no such service; check sync.upstream_url (the "
                                                              "server's root, e.g. http://wsus1:8530)", {}};
    if (status == 401 || status == 403)
        return UpstreamError{Errc::unauthorized, text + ": the upstream refuses this server", {}};
    if (status == 502 || status == 503 || status == 504 || status == 429)
        return UpstreamError{Errc::io, text + ": the upstream or a proxy is unavailable", {}};
    return UpstreamError{Errc::internal, text, {}};
}

UpstreamResult<std::string> post(const CallSettings& s, const std::string& url, const std::string& action,
                                 const std::string& body) {
    auto attempt = [&]() -> UpstreamResult<std::string> {
        auto reply = s.transport->post_soap(url, action, body);
        if (!reply) return upstream_fail(reply.error().code, reply.error().message);
        if (reply->status == 200) return std::move(reply->body);
        return std::unexpected(fault_from_body(reply->body, reply->status, url, action));
    };
    return with_retry(s.retry, s.sleep, attempt, [&](unsigned n, const UpstreamError& e, std::chrono::milliseconds d) {
        log::sync()->warn("{}: {}; retry {} of {} in {} ms", action, e.message, n, s.retry.retries, d.count());
    });
}

}  // namespace wsusd::sync::detail
