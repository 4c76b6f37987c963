// Vocabulary shared by the store's repositories: local ids, GUID text, time points, built-in group ids.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::store {

/// Local revision id handed to clients as MS-WUSP RevisionID (an int the server assigns). Never reused.
using RevisionId = std::int64_t;

/// Local surrogate key of a computer row (clients are addressed by SusClientId; joins use this).
using ComputerId = std::int64_t;

/// All times are UTC, stored as integer milliseconds since the Unix epoch.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/// Built-in target groups, created by the first migration and never deletable.
inline constexpr std::string_view kAllComputersGroupId = "a0a08746-4dbe-4a37-9adf-9e7652c0b421";
inline constexpr std::string_view kUnassignedComputersGroupId = "b73ca6ed-5727-47f3-84de-015e03f6a88a";

/// Checks the 8-4-4-4-12 hex form (optionally in braces) and returns it lower-case, the only form stored.
Result<std::string> normalize_guid(std::string_view text);

/// A random (version 4) GUID in the stored form, for objects wsusd creates itself (target groups).
std::string new_guid();

}  // namespace wsusd::store
