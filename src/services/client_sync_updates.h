// SyncUpdates (MS-WUSP §3.1.5.7), software and driver passes, and SyncPrinterCatalog (§3.1.5.12).
#pragma once

#include <ClientH.h>

#include "services/client_service.h"

namespace wsusd::services {

soap::OpResult sync_updates(const ClientServiceDeps& deps, const Client::_ns1__SyncUpdates& req,
                            Client::_ns1__SyncUpdatesResponse& resp, soap::Call& call);

soap::OpResult sync_printer_catalog(const ClientServiceDeps& deps, const Client::_ns1__SyncPrinterCatalog& req,
                                    Client::_ns1__SyncPrinterCatalogResponse& resp, soap::Call& call);

/// One device of a client's SystemSpec, reduced to what driver matching needs.
struct DeviceSpec {
    std::vector<std::string> ids;  ///< hardware ids, then compatible ids, most specific first (lower case)
    bool has_installed = false;
    std::string installed_date;    ///< YYYY-MM-DD
    std::int64_t installed_version = 0;
    bool installed_is_printer = false;
};

struct DriverCandidate {
    store::RevisionId revision = 0;
    std::string hardware_id;  ///< lower case
    std::string date;         ///< YYYY-MM-DD
    std::int64_t version = 0; ///< four-part version as a 64-bit integer
};

/// MS-WUSP driver ranking for one device: earlier matching id first, then newer date, then higher
/// version; a candidate must beat the installed driver. Returns the index of the best candidate or -1.
int best_driver(const DeviceSpec& device, const std::vector<DriverCandidate>& candidates);

/// "a.b.c.d" → (a<<48)|(b<<32)|(c<<16)|d; 0 when malformed.
std::int64_t driver_version_number(std::string_view text);

}  // namespace wsusd::services
