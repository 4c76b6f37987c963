// Air-gapped bundles through the admin API. Bundles are multi-gigabyte: the API names a folder on the server's
// own file system (the admin API listens on loopback) instead of carrying the bytes in a JSON body. The call
// returns when the export or import is done; wsusctl waits for it without a timeout.
#include "admin/routes.h"

namespace wsusd::admin {

namespace {

using nlohmann::json;

net::HttpResponse run(Call& call, const char* action,
                      const std::function<Result<json>(const json&)>& op) {
    if (!op) return error_response(ApiError{409, std::string(action) + " is not available on this server"});
    if (!call.body.is_object()) return bad_argument("body", "expected a JSON object with \"path\"");
    auto path = call.body_string("path");
    if (!path) return error_response(path.error(), "path");
    auto r = op(call.body);
    if (!r) {
        // A bundle that fails its signature check is a refused request, not a failed login: 422, not 401.
        if (r.error().code == Errc::unauthorized) return error_response(ApiError{422, r.error().message});
        // Argument errors name the argument first ("since: ...").
        std::string arg;
        if (r.error().code == Errc::invalid_argument) arg = r.error().message.substr(0, r.error().message.find(':'));
        return error_response(r.error(), arg);
    }
    json detail = call.body;
    if (auto a = audited(call, action, *path, detail, [](store::Connection&) -> Result<void> { return {}; }); !a)
        return error_response(a.error());
    return json_response(200, *r);
}

net::HttpResponse airgap_export(Call& call) { return run(call, "airgap.export", call.ctx.airgap_export); }
net::HttpResponse airgap_import(Call& call) { return run(call, "airgap.import", call.ctx.airgap_import); }

}  // namespace

void add_airgap_routes(std::vector<Route>& routes) {
    routes.push_back({"POST", "/api/v1/airgap/export", airgap_export});
    routes.push_back({"POST", "/api/v1/airgap/import", airgap_import});
}

}  // namespace wsusd::admin
