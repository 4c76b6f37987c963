// Administration records: API tokens (hashes only) and the audit log of changes made by administrators.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

struct AdminToken {
    std::string name;
    TimePoint created_at;
    std::optional<TimePoint> last_used_at;
};

struct AuditEntry {
    std::int64_t id = 0;
    TimePoint at;
    std::string actor;
    std::string action;
    std::string target;
    std::string detail;  ///< JSON text
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class AdminRepo {
  public:
    explicit AdminRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Errc::conflict when a token of that name exists (names are case-insensitive).
    Result<void> create_token(std::string_view name, std::string_view token_hash, TimePoint now);
    /// The name of the token with this hash; Errc::unauthorized when none.
    Result<std::string> token_name(std::string_view token_hash);
    Result<void> touch_token(std::string_view name, TimePoint now);
    Result<std::vector<AdminToken>> tokens();
    /// Errc::not_found when there is no such token.
    Result<void> revoke_token(std::string_view name);

    Result<void> audit(std::string_view actor, std::string_view action, std::string_view target,
                       std::string_view detail_json, TimePoint now);
    /// Newest first: at most `limit` entries with id < before_id (0: from the newest).
    Result<std::vector<AuditEntry>> audit_entries(std::int64_t before_id, int limit);

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
