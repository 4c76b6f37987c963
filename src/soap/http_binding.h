// HTTP binding of an Endpoint: checks method and content type, extracts SOAPAction, runs the
// endpoint and frames the reply with the HTTP headers real WSUS sends for that service.
#pragma once

#include <string>

#include "net/http_message.h"
#include "net/router.h"
#include "soap/endpoint.h"

namespace wsusd::soap {

struct BindingOptions {
    std::string cache_control = "private";  ///< Client: "private"; ASMX services: "private, max-age=0"
    bool vary_accept_encoding = true;       ///< real WSUS sends Vary on client-facing services
    bool compressible = true;               ///< xpress/gzip when the client asks (Client, SimpleAuth)
    std::string public_host;                ///< for absolute actor URLs; empty = Host header
};

net::Handler make_soap_handler(const Endpoint& endpoint, BindingOptions options);

/// Extracts the SOAP action: the SOAPAction header (SOAP 1.1, kept with its quotes as real WSUS
/// echoes it) or the action parameter of application/soap+xml (SOAP 1.2).
std::string soap_action_of(const net::HttpRequest& req);

}  // namespace wsusd::soap
