#include "soap/fault.h"

namespace wsusd::soap {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidCookie: return "InvalidCookie";
        case ErrorCode::ConfigChanged: return "ConfigChanged";
        case ErrorCode::RegistrationRequired: return "RegistrationRequired";
        case ErrorCode::ServerChanged: return "ServerChanged";
        case ErrorCode::InternalServerError: return "InternalServerError";
        case ErrorCode::CookieExpired: return "CookieExpired";
        case ErrorCode::InvalidParameters: return "InvalidParameters";
        case ErrorCode::InvalidAuthorizationCookie: return "InvalidAuthorizationCookie";
        case ErrorCode::RegistrationNotRequired: return "RegistrationNotRequired";
        case ErrorCode::ServerBusy: return "ServerBusy";
        case ErrorCode::FileLocationChanged: return "FileLocationChanged";
        case ErrorCode::IncompatibleProtocolVersion: return "IncompatibleProtocolVersion";
        case ErrorCode::FileDigestsMissing: return "FileDigestsMissing";
    }
    return "InternalServerError";
}

FaultSide default_side(ErrorCode code) {
    // Real WSUS answers soap:Server only for its own failures (capture wsusss/000017);
    // cookie and parameter problems are soap:Client (000018, 000019).
    switch (code) {
        case ErrorCode::InternalServerError:
        case ErrorCode::ServerBusy: return FaultSide::server;
        default: return FaultSide::client;
    }
}

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {

constexpr std::string_view kEnv11 = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kEnv12 = "http://www.w3.org/2003/05/soap-envelope";

std::string envelope(std::string_view fault_body, SoapVersion v) {
    std::string out = R"(<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap=")";
    out += v == SoapVersion::v11 ? kEnv11 : kEnv12;
    out += R"(" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">)";
    out += "<soap:Body><soap:Fault>";
    out += fault_body;
    out += "</soap:Fault></soap:Body></soap:Envelope>";
    return out;
}

std::string fault_frame(FaultSide side, std::string_view reason, const FaultContext& ctx, std::string_view detail) {
    std::string body;
    if (ctx.version == SoapVersion::v11) {
        body += side == FaultSide::client ? "<faultcode>soap:Client</faultcode>" : "<faultcode>soap:Server</faultcode>";
        body += "<faultstring>" + xml_escape(reason) + "</faultstring>";
        body += "<faultactor>" + xml_escape(ctx.actor) + "</faultactor>";
        if (!detail.empty()) body += "<detail>" + std::string(detail) + "</detail>";
    } else {
        body += side == FaultSide::client ? "<soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>"
                                          : "<soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code>";
        body += R"(<soap:Reason><soap:Text xml:lang="en">)" + xml_escape(reason) + "</soap:Text></soap:Reason>";
        body += "<soap:Node>" + xml_escape(ctx.actor) + "</soap:Node>";
        if (!detail.empty()) body += "<soap:Detail>" + std::string(detail) + "</soap:Detail>";
    }
    return envelope(body, ctx.version);
}

}  // namespace

std::string render_fault(const Fault& fault, const FaultContext& ctx) {
    std::string detail;
    detail += "<ErrorCode>";
    detail += error_code_name(fault.code);
    detail += "</ErrorCode><Message>" + xml_escape(fault.message) + "</Message>";
    detail += "<ID>" + xml_escape(ctx.id) + "</ID>";
    detail += "<Method>" + xml_escape(ctx.soap_action) + "</Method>";
    return fault_frame(fault.side, "Fault occurred", ctx, detail);
}

std::string render_protocol_fault(FaultSide side, std::string_view reason, const FaultContext& ctx) {
    return fault_frame(side, reason, ctx, {});
}

}  // namespace wsusd::soap
