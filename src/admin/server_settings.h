// Server configuration changed at run time (`wsusctl server config get|set|unset`, /api/v1/config), kept in the
// store's setting table under "server.<key>". Two kinds of keys:
//  - file keys mirror a key of wsusd.toml (sync source, mode, schedule, products, …). A value set here wins over
//    the file; it takes effect at the next start (restart = true), when src/app overlays it on the file config.
//    `unset` returns to the file's value.
//  - policy keys (automatic approval/decline, cleanup, notifications) exist only here, with built-in defaults,
//    and apply at the next maintenance run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::admin {

enum class SettingKind { text, flag, integer, choice, list, secret };

struct SettingSpec {
    std::string_view key;
    SettingKind kind;
    std::string_view help;
    bool restart = false;                   ///< file keys: applied at the next start
    std::string_view default_value = {};    ///< policy keys only (file keys default to the file)
    std::vector<std::string_view> choices;  ///< choice only
    std::int64_t min = 0, max = 0;          ///< integer only
};

/// Every key, in display order.
const std::vector<SettingSpec>& setting_specs();
const SettingSpec* find_setting(std::string_view key);

struct SettingValue {
    std::string value;
    std::string source;  ///< "store", "file" or "default"
};
using ServerSettings = std::map<std::string, SettingValue, std::less<>>;

/// Every key's current value: stored, else from `file` (file keys) or the built-in default.
Result<ServerSettings> load_settings(store::Connection& conn, const config::Config& file);
/// Validates (type, range, and for file keys the whole resulting configuration) and stores; returns the normalized
/// value. Errors name the key and what is allowed.
Result<std::string> store_setting(store::Connection& conn, const config::Config& file, std::string_view key,
                                  std::string_view value, store::TimePoint now);
/// Forgets a stored value (Errc::not_found when none was stored).
Result<void> unset_setting(store::Connection& conn, std::string_view key);
/// `file` with the stored file-key values applied, validated (what the daemon runs with).
Result<config::Config> overlay_config(store::Connection& conn, const config::Config& file);
/// "********" for a non-empty secret.
std::string shown_value(const SettingSpec& spec, const std::string& value);

bool flag(const ServerSettings& s, std::string_view key);
std::int64_t integer(const ServerSettings& s, std::string_view key);
std::string text(const ServerSettings& s, std::string_view key);
std::vector<std::string> list(const ServerSettings& s, std::string_view key);

}  // namespace wsusd::admin
