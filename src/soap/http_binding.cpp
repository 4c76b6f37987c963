#include "soap/http_binding.h"

#include "util/log.h"

namespace wsusd::soap {

std::string soap_action_of(const net::HttpRequest& req) {
    if (auto a = req.header("SOAPAction"); !a.empty()) return std::string(a);
    std::string_view ct = req.header("Content-Type");
    auto pos = ct.find("action=");
    if (pos == std::string_view::npos) return {};
    std::string_view rest = ct.substr(pos + 7);
    auto end = rest.find(';');
    return std::string(rest.substr(0, end));
}

net::Handler make_soap_handler(const Endpoint& endpoint, BindingOptions options) {
    return [&endpoint, options](const net::HttpRequest& req) {
        if (req.method != "POST") {
            auto r = net::plain_response(405, "Use POST for SOAP requests to " + req.path);
            r.headers.emplace_back("Allow", "POST");
            return r;
        }
        Call call;
        call.request_id = req.request_id;
        call.peer = req.peer;
        call.soap_action = soap_action_of(req);
        call.host = options.public_host.empty() ? std::string(req.header("Host")) : options.public_host;
        call.tls = req.tls;
        call.actor_url = std::string(req.tls ? "https://" : "http://") + call.host + req.path;
        SoapReply reply = endpoint.handle(req.body, call);

        net::HttpResponse res;
        res.status = static_cast<unsigned>(reply.status);
        res.content_type = reply.version == SoapVersion::v12 ? "application/soap+xml; charset=utf-8"
                                                             : "text/xml; charset=utf-8";
        res.headers.emplace_back("Cache-Control", reply.is_fault ? "private" : options.cache_control);
        if (options.vary_accept_encoding && !reply.is_fault) res.headers.emplace_back("Vary", "Accept-Encoding");
        res.body = std::move(reply.body);
        res.compressible = options.compressible && !reply.is_fault;
        res.note = endpoint.name() + "." + (call.operation.empty() ? "?" : call.operation);
        if (reply.is_fault) res.note += " fault=" + reply.fault_code;
        return res;
    };
}

}  // namespace wsusd::soap
