// Router: request path → handler. Paths match case-insensitively (IIS does), and any run of leading
// slashes counts as one, because real WSUS downstream servers send "//ServerSyncWebService/...".
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "net/http_message.h"

namespace wsusd::net {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
public:
    /// Exact path route, e.g. "/ClientWebService/client.asmx".
    void add(std::string path, Handler handler);
    /// Prefix route, e.g. "/Content/" (the handler sees the full path).
    void add_prefix(std::string prefix, Handler handler);

    /// The handler for a normalized path, or nullptr.
    const Handler* find(const std::string& path) const;

    /// "//a/b?q" → "/a/b": folds leading slashes and drops the query.
    static std::string normalize(std::string_view target);

private:
    struct Route {
        std::string key;  ///< lower case
        bool prefix;
        Handler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace wsusd::net
