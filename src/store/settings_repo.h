// Settings: string key/value pairs, plus the named monotonic counters that version the catalog and config.
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

/// Counter names. catalog_version stamps revision changes; deployment_seq stamps approval changes;
/// config_version is bumped by whoever changes client-visible configuration.
inline constexpr std::string_view kCatalogVersionCounter = "catalog_version";
inline constexpr std::string_view kConfigVersionCounter = "config_version";
inline constexpr std::string_view kDeploymentSeqCounter = "deployment_seq";

struct Setting {
    std::string key;
    std::string value;
    TimePoint changed_at;
};

/// Works on the connection it is given; writes need the writer connection (Store::with_writer).
class SettingsRepo {
  public:
    explicit SettingsRepo(Connection& conn) noexcept : conn_(conn) {}

    /// nullopt when the key was never set.
    Result<std::optional<std::string>> get(std::string_view key);
    Result<void> set(std::string_view key, std::string_view value, TimePoint now);
    /// Errc::not_found when absent.
    Result<void> remove(std::string_view key);
    /// All settings ordered by key.
    Result<std::vector<Setting>> all();

    /// Current value of a counter (0 if never bumped).
    Result<std::int64_t> counter(std::string_view name);
    /// Increments and returns the new value; the first bump of an unknown name yields 1.
    Result<std::int64_t> bump_counter(std::string_view name);

    Result<std::int64_t> catalog_version() { return counter(kCatalogVersionCounter); }
    Result<std::int64_t> config_version() { return counter(kConfigVersionCounter); }
    Result<std::int64_t> bump_config_version() { return bump_counter(kConfigVersionCounter); }

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
