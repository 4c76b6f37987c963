// The administrator's view of the catalog: latest revisions of software and driver updates, filtered as the
// WSUS console and Get-WsusUpdate filter them, a page at a time in update id order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/revision_repo.h"
#include "store/sqlite.h"
#include "wsusd/result.h"

namespace wsusd::store {

enum class ApprovalFilter { any, approved, unapproved, declined };

struct UpdateFilter {
    std::string text;            ///< substring of the title, or an exact update id or KB number
    std::string kb;              ///< KB number, with or without "KB"
    std::string classification;  ///< classification category: update id or title (case-insensitive)
    std::string product;         ///< product category: update id or title (case-insensitive)
    ApprovalFilter approval = ApprovalFilter::any;  ///< approved: install/uninstall for some group, not declined
    std::string after_update_id;                    ///< paging: ids sorting after this one
    int limit = 100;
};

struct UpdateSummary {
    Revision revision;
    std::string classification_title;  ///< empty when the classification category is not in the catalog
    std::int64_t approvals = 0;        ///< groups with an install or uninstall approval
};

/// Works on the connection it is given (a reader is enough).
class UpdateQuery {
  public:
    explicit UpdateQuery(Connection& conn) noexcept : conn_(conn) {}
    Result<std::vector<UpdateSummary>> search(const UpdateFilter& filter);

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
