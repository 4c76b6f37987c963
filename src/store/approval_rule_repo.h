// Automatic approval rules (WSUS "Automatic Approvals": classification × product → groups, optional deadline) and
// the EULA acceptances that install approvals of updates with a license agreement need.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

struct ApprovalRule {
    std::int64_t id = 0;
    std::string name;
    bool enabled = true;
    std::vector<std::string> classifications;  ///< category ids; empty = any classification
    std::vector<std::string> products;         ///< category ids; empty = any product
    std::vector<std::string> groups;           ///< target group ids, at least one
    std::optional<int> deadline_days;          ///< deadline = approval time + days
    std::string created_by;
    TimePoint created_at;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class ApprovalRuleRepo {
  public:
    explicit ApprovalRuleRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Errc::conflict when a rule of that name (case-insensitive) exists.
    Result<ApprovalRule> create(const ApprovalRule& rule, TimePoint now);
    Result<std::vector<ApprovalRule>> list();
    /// Errc::not_found naming the rule when absent.
    Result<ApprovalRule> get(std::string_view name);
    Result<void> set_enabled(std::string_view name, bool enabled);
    Result<void> remove(std::string_view name);

    Result<bool> eula_accepted(std::string_view update_id, RevisionId revision_id);
    /// Records an acceptance (a second one for the same revision is a no-op).
    Result<void> accept_eula(std::string_view update_id, RevisionId revision_id, std::string_view admin_name,
                             TimePoint now);

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
