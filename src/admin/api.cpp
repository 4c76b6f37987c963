#include "admin/api.h"

#include "admin/routes.h"
#include "admin/token.h"
#include "store/admin_repo.h"
#include "util/log.h"

namespace wsusd::admin {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] == '%') {
            if (i + 2 >= in.size()) return std::nullopt;
            int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        if (end > start) out.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Matches a raw path (segments still percent-encoded) against a pattern; fills the "{}" segments, decoded.
bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           std::vector<std::string>& params) {
    if (pattern.size() != path.size()) return false;
    std::vector<std::string> found;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == "{}") {
            auto v = percent_decode(path[i]);
            if (!v || v->empty()) return false;
            found.push_back(std::move(*v));
        } else if (pattern[i] != path[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

struct Api {
    std::shared_ptr<const AdminContext> ctx;
    std::vector<Route> routes;
    std::vector<std::vector<std::string>> patterns;

    net::HttpResponse handle(const net::HttpRequest& req) const {
        auto log = log::admin();
        // Authentication comes first: an unauthenticated caller learns nothing, not even which routes exist.
        std::string_view auth = req.header("Authorization");
        if (!auth.starts_with("Bearer ") || auth.size() <= 7) {
            log->warn("[{}] {} {} from {}: no bearer token; refused", req.request_id, req.method, req.path, req.peer);
            auto r = error_response(ApiError{401, "authentication required: send Authorization: Bearer <token> "
                                                  "(create one with `wsusd token create NAME`)"});
            r.headers.emplace_back("WWW-Authenticate", "Bearer");
            return r;
        }
        const std::string hash = token_hash(auth.substr(7));
        auto actor = ctx->db->with_writer([&](store::Connection& c) -> Result<std::string> {
            store::AdminRepo repo(c);
            auto name = repo.token_name(hash);
            if (!name) return name;
            if (auto t = repo.touch_token(*name, now()); !t) return std::unexpected(t.error());
            return name;
        });
        if (!actor) {
            log->warn("[{}] {} {} from {}: {}; refused", req.request_id, req.method, req.path, req.peer,
                      actor.error().message);
            if (actor.error().code != Errc::unauthorized) return error_response(actor.error());
            auto r = error_response(ApiError{401, "invalid token (revoked, mistyped, or from another server)"});
            r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            return r;
        }

        const std::string raw_path = req.target.substr(0, req.target.find('?'));
        const auto segments = split_path(raw_path);
        bool path_known = false;
        for (std::size_t i = 0; i < routes.size(); ++i) {
            std::vector<std::string> params;
            if (!match(patterns[i], segments, params)) continue;
            path_known = true;
            if (routes[i].method != req.method) continue;
            Call call{req, *ctx, *actor, std::move(params), {}, nullptr};
            if (auto q = req.target.find('?'); q != std::string::npos) {
                for (const auto& kv : split_query(std::string_view(req.target).substr(q + 1))) {
                    auto eq = kv.find('=');
                    auto k = percent_decode(kv.substr(0, eq));
                    auto v = percent_decode(eq == std::string::npos ? "" : kv.substr(eq + 1));
                    if (!k || !v) return bad_argument(kv.substr(0, eq), "malformed percent-encoding");
                    call.query[*k] = *v;
                }
            }
            if (!req.body.empty()) {
                call.body = nlohmann::json::parse(req.body, nullptr, false);
                if (call.body.is_discarded() || !call.body.is_object())
                    return error_response(ApiError{400, "the request body must be a JSON object"});
            }
            auto r = routes[i].handler(call);
            log->info("[{}] {} {} {} by {} → {}", req.request_id, req.method, req.target, req.peer, *actor, r.status);
            return r;
        }
        if (path_known) return error_response(ApiError{405, req.method + " is not allowed on " + raw_path});
        return error_response(ApiError{404, "no such API resource: " + raw_path});
    }

    static std::vector<std::string> split_query(std::string_view q) {
        std::vector<std::string> out;
        std::size_t start = 0;
        while (start < q.size()) {
            auto end = q.find('&', start);
            if (end == std::string_view::npos) end = q.size();
            if (end > start) out.emplace_back(q.substr(start, end - start));
            start = end + 1;
        }
        return out;
    }
};

}  // namespace

void register_api(net::Router& router, std::shared_ptr<const AdminContext> ctx) {
    auto api = std::make_shared<Api>();
    api->ctx = std::move(ctx);
    add_update_routes(api->routes);
    add_group_routes(api->routes);
    add_computer_routes(api->routes);
    add_report_routes(api->routes);
    add_status_report_routes(api->routes);
    add_server_routes(api->routes);
    add_airgap_routes(api->routes);
    for (const auto& r : api->routes) api->patterns.push_back(split_path(r.pattern));
    router.add_prefix("/api/v1/", [api](const net::HttpRequest& req) { return api->handle(req); });
}

}  // namespace wsusd::admin
