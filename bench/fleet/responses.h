// What the simulated client reads from the server's answers: namespace-agnostic (local names only), as
// the Windows Update Agent does. Each parser takes the decoded body (it may modify it: in-place parse).
#pragma once

#include <string>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::fleet {

/// A SOAP fault: the MS-WUSP ErrorCode from the detail ("RegistrationRequired", ...), or "fault".
struct Fault {
    std::string error_code;
};

/// Deployment/Action, shortened.
enum class Action : char { install = 'I', uninstall = 'U', evaluate = 'E', other = '?' };

struct OfferedUpdate {
    int id = 0;
    bool is_leaf = true;
    bool category_or_detectoid = false;  ///< the core fragment says UpdateType="Category" or "Detectoid"
    Action action = Action::other;
};

struct SyncReply {
    std::vector<OfferedUpdate> new_updates;
    std::vector<OfferedUpdate> changed_updates;  ///< no core fragment: category_or_detectoid is false
    std::vector<int> out_of_scope;
    bool truncated = false;
    bool driver_sync_not_needed = false;
    std::string new_cookie;
};

struct CookieReply {
    std::string expiration, encrypted_data;
};

struct ExtendedReply {
    std::size_t fragments = 0;
    std::vector<int> out_of_scope;
};

/// Every parser: Errc::invalid_argument for unreadable XML or a missing element; a SOAP fault comes back
/// as Errc::conflict with the ErrorCode as message.
Result<std::string> parse_get_config(std::string& body);             ///< LastChange
Result<std::string> parse_authorization_cookie(std::string& body);   ///< CookieData
Result<CookieReply> parse_get_cookie(std::string& body);
Result<void> parse_register(std::string& body);
Result<SyncReply> parse_sync(std::string& body);
Result<ExtendedReply> parse_extended(std::string& body);

}  // namespace wsusd::fleet
