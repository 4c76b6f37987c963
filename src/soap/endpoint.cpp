#include "soap/endpoint.h"

#include <stdsoap2.h>

#include <random>
#include <unordered_map>

#include "util/log.h"

namespace wsusd::soap {

Endpoint::Endpoint(std::string name, const Namespace* table, EnvelopeStyle style, ParseLimits limits)
    : name_(std::move(name)), table_(table), style_(style), limits_(limits) {}

Endpoint::~Endpoint() = default;

std::string Endpoint::local_name(const char* tag) {
    std::string_view t(tag);
    auto colon = t.find(':');
    return std::string(colon == std::string_view::npos ? t : t.substr(colon + 1));
}

SoapContext& Endpoint::context() const {
    // One gSOAP context per worker thread and endpoint: contexts are not thread-safe, and
    // reusing them keeps their buffers warm.
    thread_local std::unordered_map<const Endpoint*, std::unique_ptr<SoapContext>> contexts;
    auto& slot = contexts[this];
    if (!slot) slot = std::make_unique<SoapContext>(table_, style_, limits_);
    return *slot;
}

std::vector<std::string> Endpoint::operation_names() const {
    std::vector<std::string> names;
    for (const auto& op : ops_) names.push_back(op.name);
    return names;
}

std::string new_fault_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<unsigned> nibble(0, 15);
    static constexpr char hex[] = "0123456789abcdef";
    std::string id = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    for (char& c : id) {
        if (c == 'x') c = hex[nibble(rng)];
        else if (c == 'y') c = hex[8 + nibble(rng) % 4];
    }
    return id;
}

SoapReply Endpoint::fault_reply(const Fault& f, const Call& call) {
    FaultContext fc{call.version, call.actor_url, call.soap_action, new_fault_id()};
    log::soap()->info("[{}] {} {} fault {} ({}) id={} peer={}", call.request_id, call.operation.empty() ? "?" : call.operation,
                      error_code_name(f.code), f.message, f.side == FaultSide::client ? "client" : "server", fc.id,
                      call.peer);
    return SoapReply{500, render_fault(f, fc), call.version, true, error_code_name(f.code), f.message};
}

SoapReply Endpoint::decode_error(SoapContext& ctx, const Call& call) {
    FaultContext fc{call.version, call.actor_url, call.soap_action, new_fault_id()};
    std::string why = ctx.error_text();
    log::soap()->warn("[{}] {}: cannot decode request from {}: {} (the client sent XML that does not match the schema)",
                      call.request_id, call.operation.empty() ? "?" : call.operation, call.peer, why);
    std::string reason = "Server was unable to read request. " + why;
    return SoapReply{500, render_protocol_fault(FaultSide::client, reason, fc), call.version, true, "BadRequest", why};
}

SoapReply Endpoint::handle(std::string_view body, Call& call) const {
    SoapContext& ctx = context();
    struct Cleanup {
        SoapContext& c;
        ~Cleanup() { c.reset(); }
    } cleanup{ctx};

    if (!ctx.begin_request(body)) {
        call.version = ctx.version();
        return decode_error(ctx, call);
    }
    call.version = ctx.version();
    for (const auto& op : ops_) {
        if (ctx.payload_is(op.tag)) {
            call.operation = op.name;
            return op.invoke(ctx, call);
        }
    }
    FaultContext fc{call.version, call.actor_url, call.soap_action, new_fault_id()};
    std::string what = "Server did not recognize the value of the request element: " + ctx.payload_name() + ".";
    log::soap()->warn("[{}] {}: unknown operation {} from {}", call.request_id, name_, ctx.payload_name(), call.peer);
    return SoapReply{500, render_protocol_fault(FaultSide::client, what, fc), call.version, true, "UnknownOperation",
                     ctx.payload_name()};
}

}  // namespace wsusd::soap
