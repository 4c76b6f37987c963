#include "services/client_config_state.h"

#include "store/settings_repo.h"

namespace wsusd::services {

namespace {

constexpr std::string_view kFingerprintKey = "client.config_fingerprint";
constexpr std::string_view kLastChangeKey = "client.config_last_change";

// Everything GetConfig reports; a change in any of it is a configuration change for clients.
std::string fingerprint(const config::ClientServiceConfig& c) {
    return std::to_string(c.registration_required) + "|" + std::to_string(c.max_extended_updates_per_request) + "|" +
           std::to_string(c.client_reporting_level) + "|" + std::to_string(c.inventory_required) + "|" +
           c.protocol_version + "|" + c.package_server_share;
}

}  // namespace

Result<util::SysTime> client_config_last_change(store::Store& store, const config::ClientServiceConfig& cfg,
                                                util::SysTime now) {
    return store.with_writer([&](store::Connection& conn) -> Result<util::SysTime> {
        store::SettingsRepo settings(conn);
        auto fp = settings.get(kFingerprintKey);
        if (!fp) return std::unexpected(fp.error());
        auto stored = settings.get(kLastChangeKey);
        if (!stored) return std::unexpected(stored.error());
        if (*fp && **fp == fingerprint(cfg) && *stored) {
            if (auto t = util::parse_datetime(**stored)) return *t;
        }
        store::TimePoint rounded = std::chrono::floor<std::chrono::milliseconds>(now);
        util::SysTime t(std::chrono::duration_cast<util::SysTime::duration>(rounded.time_since_epoch()));
        if (auto r = settings.set(kFingerprintKey, fingerprint(cfg), rounded); !r) return std::unexpected(r.error());
        if (auto r = settings.set(kLastChangeKey, util::format_datetime(t, 3), rounded); !r)
            return std::unexpected(r.error());
        if (auto r = settings.bump_config_version(); !r) return std::unexpected(r.error());
        return t;
    });
}

}  // namespace wsusd::services
