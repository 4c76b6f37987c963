// Target groups: a tree rooted at the built-in "All Computers", which also holds "Unassigned Computers".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

struct Group {
    std::string id;
    std::string name;
    std::optional<std::string> parent_id;  ///< nullopt only for All Computers
    bool builtin = false;
    TimePoint created_at;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class GroupRepo {
  public:
    explicit GroupRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Creates a group under `parent_id` (All Computers when empty). Names are unique case-insensitively
    /// across the tree (client-side targeting names groups by name alone): Errc::conflict otherwise.
    /// `id` is generated when not given. Groups cannot be created under Unassigned Computers.
    Result<Group> create(std::string_view name, std::string_view parent_id, TimePoint now,
                         std::optional<std::string_view> id = std::nullopt);
    Result<void> rename(std::string_view id, std::string_view new_name);
    /// Re-parents a group; refuses built-ins and moves that would create a cycle.
    Result<void> move(std::string_view id, std::string_view new_parent_id);
    /// Deletes a group; refuses built-ins and groups with child groups or member computers
    /// (Errc::conflict). The group's deployments go with it.
    Result<void> remove(std::string_view id);

    Result<Group> get(std::string_view id);
    Result<Group> find_by_name(std::string_view name);
    /// All groups: built-ins first, then by name.
    Result<std::vector<Group>> list();
    Result<std::vector<Group>> children(std::string_view id);
    /// Parent, grandparent, …, All Computers (nearest first); empty for All Computers.
    Result<std::vector<Group>> ancestors(std::string_view id);

  private:
    Result<void> check_name(std::string_view name, std::string_view except_id);
    Result<Group> get_normalized(const std::string& id);

    Connection& conn_;
};

}  // namespace wsusd::store
