// Persists when the client-visible configuration last changed (GetConfig LastChange). The value must
// survive restarts: a changed LastChange makes every client redo its handshake (ConfigChanged).
#pragma once

#include "config/config.h"
#include "store/store.h"
#include "util/time_format.h"

namespace wsusd::services {

/// Returns the stored LastChange when the client-visible settings are unchanged since it was
/// recorded; otherwise records `now` (millisecond precision, as clients echo it) and returns it.
Result<util::SysTime> client_config_last_change(store::Store& store, const config::ClientServiceConfig& cfg,
                                                util::SysTime now);

}  // namespace wsusd::services
