// The start-up check of the data directory: nobody but the service user may change what the daemon trusts (the
// store, the cookie keys, the TLS key, the air-gap signing key) or read its secrets.
#pragma once

#include <sys/types.h>

#include <filesystem>

#include "wsusd/result.h"

namespace wsusd::app {

/// Tightens `data_dir` to 0700 and refuses (an error naming the path and the chmod/chown to run) when:
/// the directory or anything wsusd keeps in it is owned by a user other than `owner`; the store files or the
/// keys/tls/airgap folders are writable by group or others; a secret is readable by others or writable by group.
/// `owner` is the effective uid in the daemon; tests pass another one.
Result<void> secure_data_dir(const std::filesystem::path& data_dir, uid_t owner);

}  // namespace wsusd::app
