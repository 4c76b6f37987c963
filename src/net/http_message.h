// Plain HTTP request/response values handed from the network layer to handlers. Handlers never see
// Beast types, so services and tests need no sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/file_descriptor.h"

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

/// One piece of a body streamed from a file: the text `prefix` (e.g. a multipart header), then bytes
/// [offset, offset + length) of the file.
struct FilePart {
    std::string prefix;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/// A response body read from a file while it is sent, in chunks, instead of `HttpResponse::body`: the parts in
/// order, then `suffix`. One part without prefix is a plain (or single-range) body; several frame
/// multipart/byteranges. The bytes come from `fd` when set (the descriptor a handler checked), else the session
/// opens `path` when it sends the response (500 if it cannot).
struct FileBody {
    std::string path;
    std::shared_ptr<const util::FileDescriptor> fd;
    std::uint64_t fd_size = 0;  ///< with `fd`: the size its handler saw (fstat), against which the parts are checked
    std::vector<FilePart> parts;
    std::string suffix;

    /// Content-Length of the whole body.
    std::uint64_t size() const;
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "text/xml; charset=utf-8";  ///< empty: no Content-Type header (e.g. a 304)
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (Cache-Control, Vary, ...)
    std::string body;
    std::optional<FileBody> file;  ///< when set, the body is streamed from this file and `body` is ignored
    bool compressible = false;  ///< body may be xpress/gzip-encoded if the client asked (set by the route)
    bool close = false;         ///< close the connection after this response
    std::string note;           ///< short text for the access log (e.g. SOAP operation or fault code)
};

/// A minimal text response, e.g. for 404/405/413 answers.
HttpResponse plain_response(unsigned status, std::string text);

bool iequals(std::string_view a, std::string_view b);

}  // namespace wsusd::net
