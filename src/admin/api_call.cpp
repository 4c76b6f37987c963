#include "admin/api_call.h"

#include "store/admin_repo.h"
#include "util/time_format.h"

namespace wsusd::admin {

std::string Call::arg(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
}

Result<std::string> Call::body_string(const std::string& name, bool required) const {
    if (!body.is_object() || !body.contains(name) || body[name].is_null()) {
        if (required) return fail(Errc::invalid_argument, name + ": required");
        return std::string();
    }
    if (!body[name].is_string()) return fail(Errc::invalid_argument, name + ": must be a string");
    return body[name].get<std::string>();
}

Result<int> Call::limit() const {
    std::string v = arg("limit");
    if (v.empty()) return static_cast<int>(ctx.max_page);
    int n = 0;
    for (char c : v) {
        if (c < '0' || c > '9' || n > 10'000'000) return fail(Errc::invalid_argument, "limit: must be a positive number");
        n = n * 10 + (c - '0');
    }
    if (n < 1) return fail(Errc::invalid_argument, "limit: must be a positive number");
    return std::min<int>(n, static_cast<int>(ctx.max_page));
}

net::HttpResponse json_response(unsigned status, const nlohmann::json& body) {
    net::HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.headers.emplace_back("Cache-Control", "no-store");
    // Messages quote request text (a percent-decoded path segment, an unknown path) that need not be UTF-8; a
    // strict dump would throw and turn a bad request into a 500. Invalid bytes become U+FFFD instead.
    r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return r;
}

net::HttpResponse error_response(const ApiError& e) {
    nlohmann::json body{{"error", e.message}};
    if (!e.argument.empty()) body["argument"] = e.argument;
    auto r = json_response(e.status, body);
    r.note = "admin: " + e.message;
    return r;
}

net::HttpResponse error_response(const Error& e, std::string argument) {
    unsigned status = 500;
    switch (e.code) {
        case Errc::invalid_argument: status = 400; break;
        case Errc::unauthorized: status = 401; break;
        case Errc::not_found: status = 404; break;
        case Errc::conflict: status = 409; break;
        case Errc::limit_exceeded: status = 413; break;
        default: break;
    }
    // "name: message" errors from validation name their argument.
    if (argument.empty() && status == 400) {
        auto colon = e.message.find(": ");
        if (colon != std::string::npos && e.message.find(' ') > colon) argument = e.message.substr(0, colon);
    }
    return error_response(ApiError{status, e.message, std::move(argument)});
}

net::HttpResponse bad_argument(const std::string& argument, const std::string& message) {
    return error_response(ApiError{400, argument + ": " + message, argument});
}

nlohmann::json time_json(const std::optional<store::TimePoint>& t) {
    if (!t) return nullptr;
    return util::format_datetime(*t, 3);
}

store::TimePoint now() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

Result<void> audited(const Call& call, std::string_view action, std::string_view target, const nlohmann::json& detail,
                     const std::function<Result<void>(store::Connection&)>& change) {
    return call.ctx.db->with_writer([&](store::Connection& c) -> Result<void> {
        if (auto r = change(c); !r) return r;
        return store::AdminRepo(c).audit(call.actor, action, target,
                                         detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now());
    });
}

}  // namespace wsusd::admin
