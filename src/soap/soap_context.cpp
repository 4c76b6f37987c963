#include "soap/soap_context.h"

#include "soap/xml_guard.h"

#include <stdsoap2.h>

#include <cstring>

namespace wsusd::soap {

namespace {
constexpr const char* kEnv11 = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char* kEnv12 = "http://www.w3.org/2003/05/soap-envelope";
constexpr const char* kXsiXsd =
    R"( xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema")";
}  // namespace

SoapContext::SoapContext(const Namespace* table, EnvelopeStyle style, const ParseLimits& limits)
    : soap_(soap_new()), style_(style), limits_(limits) {
    // UTFSTRING: strings stay UTF-8 (otherwise non-Latin-1 titles are mangled).
    // ENC_PLAIN: no HTTP framing, Beast does that. XML_TREE/NOTYPE: plain literal XML, no id/ref, no xsi:type.
    // DEFAULTNS: payload in a default namespace, as ASP.NET writes it.
    soap_set_mode(soap_, SOAP_ENC_PLAIN | SOAP_C_UTFSTRING | SOAP_XML_TREE | SOAP_XML_NOTYPE | SOAP_XML_DEFAULTNS |
                             SOAP_IO_BUFFER);
    soap_set_namespaces(soap_, table);
    soap_->user = this;
    soap_->frecv = &SoapContext::on_recv;
    soap_->fsend = &SoapContext::on_send;
    soap_->maxlevel = limits_.max_depth;
    soap_->maxoccurs = limits_.max_array_items;
    soap_->prolog = nullptr;
}

SoapContext::~SoapContext() {
    reset();
    soap_done(soap_);
    soap_free(soap_);
}

std::size_t SoapContext::on_recv(struct soap* s, char* buf, std::size_t len) {
    auto* self = static_cast<SoapContext*>(s->user);
    std::size_t n = std::min(len, self->input_.size() - self->input_pos_);
    std::memcpy(buf, self->input_.data() + self->input_pos_, n);
    self->input_pos_ += n;
    return n;
}

int SoapContext::on_send(struct soap* s, const char* data, std::size_t len) {
    static_cast<SoapContext*>(s->user)->output_.append(data, len);
    return SOAP_OK;
}

bool SoapContext::begin_request(std::string_view body) {
    guard_error_ = check_xml(body, limits_.max_depth);
    if (!guard_error_.empty()) return false;
    input_ = body;
    input_pos_ = 0;
    soap_->maxlevel = limits_.max_depth;
    soap_->maxoccurs = limits_.max_array_items;
    if (soap_begin_recv(soap_) || soap_envelope_begin_in(soap_) || soap_recv_header(soap_) ||
        soap_body_begin_in(soap_))
        return false;
    if (soap_peek_element(soap_) && soap_->error != SOAP_TAG_MISMATCH && soap_->error != SOAP_NO_TAG) return false;
    soap_->error = SOAP_OK;
    return true;
}

SoapVersion SoapContext::version() const { return soap_->version == 2 ? SoapVersion::v12 : SoapVersion::v11; }

bool SoapContext::payload_is(const char* qualified_tag) const {
    return soap_match_tag(soap_, soap_->tag, qualified_tag) == SOAP_OK;
}

std::string SoapContext::payload_name() const { return soap_->tag; }

bool SoapContext::end_request() {
    return !(soap_body_end_in(soap_) || soap_envelope_end_in(soap_) || soap_end_recv(soap_));
}

void SoapContext::begin_reply(SoapVersion version) {
    output_.clear();
    soap_->encodingStyle = nullptr;  // document/literal
    soap_begin_send(soap_);
    const char* env = version == SoapVersion::v12 ? kEnv12 : kEnv11;
    std::string head;
    if (style_ == EnvelopeStyle::wcf) {
        head = std::string(R"(<s:Envelope xmlns:s=")") + env + R"("><s:Body)" + kXsiXsd + ">";
    } else {
        head = std::string(R"(<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap=")") + env + "\"" +
               kXsiXsd + "><soap:Body>";
    }
    soap_send_raw(soap_, head.data(), head.size());
    // Namespaces of the table are already declared (or not needed): don't dump them on the payload.
    soap_->ns = 2;
}

void SoapContext::end_reply() {
    const char* tail = style_ == EnvelopeStyle::wcf ? "</s:Body></s:Envelope>" : "</soap:Body></soap:Envelope>";
    soap_send_raw(soap_, tail, std::strlen(tail));
    soap_end_send(soap_);
}

std::string SoapContext::take_reply() { return std::move(output_); }

std::string SoapContext::error_text() const {
    if (!guard_error_.empty()) return guard_error_;
    const char* const* fs = soap_faultstring(soap_);
    std::string text = fs && *fs ? *fs : "malformed SOAP message";
    if (const char* const* d = soap_faultdetail(soap_); d && *d) text += std::string(": ") + *d;
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

void SoapContext::reset() {
    soap_destroy(soap_);
    soap_end(soap_);
    soap_->error = SOAP_OK;
    output_.clear();
    guard_error_.clear();
}

}  // namespace wsusd::soap
