// Route table of the admin API, one function per resource file (routes_*.cpp). A pattern's "{}" segments are
// handed to the handler in Call::params.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "admin/api_call.h"
#include "store/computer_repo.h"

namespace wsusd::admin {

struct Route {
    std::string method;
    std::string pattern;  ///< e.g. "/api/v1/groups/{}"
    std::function<net::HttpResponse(Call&)> handler;
};

void add_update_routes(std::vector<Route>& routes);
void add_group_routes(std::vector<Route>& routes);
void add_computer_routes(std::vector<Route>& routes);
void add_report_routes(std::vector<Route>& routes);
/// routes_status_reports.cpp: update status summary and failed installations.
void add_status_report_routes(std::vector<Route>& routes);
void add_server_routes(std::vector<Route>& routes);  // routes_server.cpp: config, rules, maintenance, health, backup
/// Adds "reported_through" (this server: "local", else the downstream server's name or GUID) and
/// "downstream_server_id" to a computer's JSON (routes_computers.cpp).
void add_reported_through(store::Connection& c, const store::Computer& m, nlohmann::json& j);
void add_airgap_routes(std::vector<Route>& routes);

}  // namespace wsusd::admin

namespace wsusd::store {
class Connection;
struct Group;
enum class SyncResult;
}  // namespace wsusd::store

namespace wsusd::admin {

/// A group named by id or by name (case-insensitive); "All Computers" and "Unassigned Computers" included.
Result<store::Group> resolve_group(store::Connection& c, const std::string& name_or_id);
/// running, succeeded, failed, cancelled.
const char* sync_result_name(store::SyncResult r);

}  // namespace wsusd::admin
