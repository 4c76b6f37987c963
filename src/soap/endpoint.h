// Endpoint: one SOAP service (Client, SimpleAuth, ...) as a table of operations. Each operation is
// a plain handler `OpResult(const Req&, Resp&, Call&)` on generated gSOAP types; registering it is
// one line. Requests are decoded only into those schema types, never into anything else.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "soap/fault.h"
#include "soap/soap_context.h"

namespace wsusd::soap {

/// Owns the objects a handler hangs into a response (generated types hold raw pointers); lives
/// until the response has been serialized.
class Arena {
public:
    template <class T, class... Args>
    T* make(Args&&... args) {
        auto p = std::make_shared<T>(std::forward<Args>(args)...);
        T* raw = p.get();
        items_.push_back(std::move(p));
        return raw;
    }
    std::string* str(std::string_view s) { return make<std::string>(s); }

private:
    std::vector<std::shared_ptr<void>> items_;
};

/// What a handler knows about the request besides its payload.
struct Call {
    std::string request_id;
    std::string peer;         ///< remote address:port
    std::string soap_action;  ///< SOAPAction header (or the action parameter of a SOAP 1.2 content type)
    std::string actor_url;    ///< absolute URL of this endpoint, used in faults
    std::string host;         ///< Host header as received, to build absolute URLs
    bool tls = false;
    SoapVersion version = SoapVersion::v11;
    std::string operation;  ///< local name of the operation, set by the endpoint
    Arena arena;            ///< allocations for the response
};

using OpResult = std::expected<void, Fault>;

/// A fully rendered reply body; HTTP status is 200 for results and 500 for faults.
struct SoapReply {
    int status = 200;
    std::string body;
    SoapVersion version = SoapVersion::v11;
    bool is_fault = false;
    std::string fault_code;  ///< ErrorCode name for logs and metrics when is_fault
    std::string fault_message;
};

class Endpoint {
public:
    Endpoint(std::string name, const Namespace* table, EnvelopeStyle style, ParseLimits limits);
    ~Endpoint();

    const std::string& name() const { return name_; }

    /// Registers an operation: `req_tag` / `resp_tag` are qualified with the generated prefix
    /// ("ns1:GetConfig", "ns1:GetConfigResponse").
    template <class Req, class Resp>
    void on(const char* req_tag, const char* resp_tag, std::function<OpResult(const Req&, Resp&, Call&)> handler) {
        ops_.push_back(Operation{req_tag, local_name(req_tag),
                                 [req_tag, resp_tag, handler = std::move(handler)](SoapContext& ctx, Call& call) {
                                     return invoke<Req, Resp>(ctx, call, req_tag, resp_tag, handler);
                                 }});
    }

    /// Decodes, dispatches and encodes one request. Never throws; every failure is a fault reply.
    SoapReply handle(std::string_view body, Call& call) const;

    std::vector<std::string> operation_names() const;

private:
    using Invoker = std::function<SoapReply(SoapContext&, Call&)>;
    struct Operation {
        const char* tag;
        std::string name;
        Invoker invoke;
    };

    static std::string local_name(const char* tag);
    SoapContext& context() const;
    static SoapReply fault_reply(const Fault& f, const Call& call);
    static SoapReply decode_error(SoapContext& ctx, const Call& call);

    template <class Req, class Resp>
    static SoapReply invoke(SoapContext& ctx, Call& call, const char* req_tag, const char* resp_tag,
                            const std::function<OpResult(const Req&, Resp&, Call&)>& handler) {
        Req req;
        req.soap_default(ctx.raw());
        if (!req.soap_get(ctx.raw(), req_tag, nullptr) || !ctx.end_request()) return decode_error(ctx, call);
        Resp resp;
        resp.soap_default(ctx.raw());
        OpResult r = handler(req, resp, call);
        if (!r) return fault_reply(r.error(), call);
        ctx.begin_reply(call.version);
        resp.soap_serialize(ctx.raw());
        resp.soap_put(ctx.raw(), resp_tag, "");
        ctx.end_reply();
        return SoapReply{200, ctx.take_reply(), call.version, false, {}, {}};
    }

    std::string name_;
    const Namespace* table_;
    EnvelopeStyle style_;
    ParseLimits limits_;
    std::vector<Operation> ops_;
};

/// A fresh random GUID (lower case), used for fault ids.
std::string new_fault_id();

}  // namespace wsusd::soap
