// Router: request path → handler. Paths match case-insensitively (IIS does), and any run of leading
// slashes counts as one, because real WSUS downstream servers send "//ServerSyncWebService/...".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/http_message.h"

namespace wsusd::net {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
/// Answers on the network thread what it can answer without blocking (no store query, no reading of file contents);
/// nullopt passes the request on to the route's Handler on the worker pool.
using QuickHandler = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

class Router {
public:
    /// Exact path route, e.g. "/ClientWebService/client.asmx".
    void add(std::string path, Handler handler);
    /// Prefix route, e.g. "/Content/" (the handler sees the full path), optionally with a quick handler.
    void add_prefix(std::string prefix, Handler handler, QuickHandler quick = {});

    struct Route {
        std::string key;  ///< lower case
        bool prefix;
        Handler handler;
        QuickHandler quick;  ///< may be empty
    };
    /// The route of a normalized path, or nullptr.
    const Route* find(const std::string& path) const;

    /// "//a/b?q" → "/a/b": folds leading slashes and drops the query.
    static std::string normalize(std::string_view target);

private:
    std::vector<Route> routes_;
};

}  // namespace wsusd::net
