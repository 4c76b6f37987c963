// Plain HTTP request/response values handed from the network layer to handlers. Handlers never see
// Beast types, so services and tests need no sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsusd::net {

struct HttpRequest {
    std::string method;  ///< "GET", "POST", ...
    std::string target;  ///< raw request target, e.g. "//ClientWebService/client.asmx?x"
    std::string path;    ///< normalized path: leading slashes folded to one, no query
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string peer;        ///< "addr:port"
    std::string request_id;  ///< appears on every log line of this request
    bool tls = false;
    unsigned local_port = 0;

    /// Case-insensitive header lookup; empty view when absent.
    std::string_view header(std::string_view name) const;
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "text/xml; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (Cache-Control, Vary, ...)
    std::string body;
    bool compressible = false;  ///< body may be xpress/gzip-encoded if the client asked (set by the route)
    bool close = false;         ///< close the connection after this response
    std::string note;           ///< short text for the access log (e.g. SOAP operation or fault code)
};

/// A minimal text response, e.g. for 404/405/413 answers.
HttpResponse plain_response(unsigned status, std::string text);

bool iequals(std::string_view a, std::string_view b);

}  // namespace wsusd::net
