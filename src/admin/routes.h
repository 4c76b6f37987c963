// Route table of the admin API, one function per resource file (routes_*.cpp). A pattern's "{}" segments are
// handed to the handler in Call::params.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "admin/api_call.h"

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
void add_airgap_routes(std::vector<Route>& routes);

}  // namespace wsusd::admin

namespace wsusd::store {
class Connection;
struct Group;
}  // namespace wsusd::store

namespace wsusd::admin {

/// A group named by id or by name (case-insensitive); "All Computers" and "Unassigned Computers" included.
Result<store::Group> resolve_group(store::Connection& c, const std::string& name_or_id);

}  // namespace wsusd::admin
