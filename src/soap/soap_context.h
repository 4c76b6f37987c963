// SoapContext: one gSOAP context used purely as a serializer on in-memory buffers. Beast owns the
// sockets; this reads a request body from a string and writes a reply into a string.
// Not thread-safe: each worker thread holds its own (see Endpoint).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "soap/fault.h"
#include "soap/soap_fwd.h"

namespace wsusd::soap {

/// How the envelope of a successful reply is framed. Real WSUS uses two styles.
enum class EnvelopeStyle {
    wcf,   ///< Client web service: <s:Envelope>, xmlns:xsi/xsd on <s:Body>, no XML declaration
    asmx,  ///< SimpleAuth, Reporting, ServerSync, DssAuth: XML declaration, soap: prefix on Envelope
};

/// Parser limits applied to every request (defaults are overridden from config [limits]).
struct ParseLimits {
    unsigned max_depth = 64;           ///< XML nesting depth
    std::size_t max_array_items = 100000;  ///< elements in one array (e.g. cached revision ids)
};

class SoapContext {
public:
    SoapContext(const Namespace* table, EnvelopeStyle style, const ParseLimits& limits);
    ~SoapContext();
    SoapContext(const SoapContext&) = delete;
    SoapContext& operator=(const SoapContext&) = delete;

    struct soap* raw() { return soap_; }

    /// Reads envelope and body start; afterwards the payload element can be matched and read.
    /// On failure returns false and error_text() says why.
    bool begin_request(std::string_view body);
    SoapVersion version() const;
    /// True when the payload element matches a qualified tag of the table ("ns1:GetConfig").
    bool payload_is(const char* qualified_tag) const;
    /// Local name and namespace of the payload element, for logs and faults.
    std::string payload_name() const;
    /// Consumes the rest of the envelope after the payload was read.
    bool end_request();

    /// Starts a reply envelope in the given version; the payload goes in between.
    void begin_reply(SoapVersion version);
    void end_reply();
    std::string take_reply();

    std::string error_text() const;
    /// Set when the pre-check refused the body (then error_text() returns it).
    const std::string& guard_error() const { return guard_error_; }
    /// Frees everything the last request allocated (soap_destroy + soap_end).
    void reset();

private:
    struct soap* soap_;
    EnvelopeStyle style_;
    ParseLimits limits_;
    std::string_view input_;
    std::size_t input_pos_ = 0;
    std::string output_;
    std::string guard_error_;

    static std::size_t on_recv(struct soap* s, char* buf, std::size_t len);
    static int on_send(struct soap* s, const char* data, std::size_t len);
};

}  // namespace wsusd::soap
