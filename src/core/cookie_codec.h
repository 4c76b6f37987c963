// CookieCodec: seals and opens the opaque cookies wsusd hands to clients and downstream servers
// (authorization cookies, client cookies, server-to-server cookies). AES-256-GCM with keys kept in
// the data directory: a cookie is authentic, confidential and bound to its kind; nothing in it is
// trusted before it authenticates, and its payload is decoded only by the strict readers below.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/time_format.h"
#include "wsusd/result.h"

namespace wsusd::core {

/// What a cookie is for; part of the authenticated data, so one kind cannot be replayed as another.
enum class CookieKind : std::uint8_t {
    client_authorization = 1,  ///< SimpleAuth GetAuthorizationCookie → Client GetCookie
    client = 2,                ///< Client GetCookie → every later Client call
    server_authorization = 3,  ///< DssAuth GetAuthorizationCookie → ServerSync GetCookie
    server = 4,                ///< ServerSync GetCookie → every later ServerSync call
};

/// Why a cookie was refused. `expired` is only reported for authentic cookies.
enum class CookieError {
    malformed,  ///< not base64 or too short: not one of ours
    forged,     ///< does not authenticate (tampered, other server, unknown key, wrong kind)
    expired,    ///< authentic but past its expiry
};

struct CookieFailure {
    CookieError error;
    std::string detail;
};

/// Contents of every wsusd cookie (fields unused by a kind stay empty).
struct CookiePayload {
    std::string client_id;                   ///< SusClientId or downstream server id
    std::vector<std::string> target_groups;  ///< client-side targeting group names
    util::SysTime issued{};
    util::SysTime expires{};
    std::int64_t config_version = 0;   ///< server config version the cookie was issued under
    std::int64_t protocol_flags = 0;   ///< reserved for per-kind data (e.g. downstream mode)
    std::int64_t sync_anchor = 0;      ///< deployment sequence the client has seen (client cookies)
    std::string extra;                 ///< per-kind opaque text (e.g. client protocol version)
    /// Client cookies: fingerprint of the computer's effective target groups when sync_anchor was taken (0: none).
    /// The anchor only holds for the same groups: after a move, deployments older than it are new to the client.
    std::int64_t groups_hash = 0;
};

/// Fingerprint of a set of target group ids (order does not matter; never 0) for CookiePayload::groups_hash.
std::int64_t groups_fingerprint(std::vector<std::string> group_ids);

class CookieCodec {
public:
    /// Loads the keys from `key_file`, creating it (mode 0600, one fresh key) when missing.
    static Result<CookieCodec> load_or_create(const std::filesystem::path& key_file);
    /// Codec with the given raw 32-byte keys (newest last), for tests.
    static CookieCodec from_keys(std::vector<std::pair<std::uint32_t, std::string>> keys);

    /// Adds a new key that seals from now on; older keys still open cookies (rotation without logout).
    static Result<void> rotate(const std::filesystem::path& key_file);

    /// The sealed cookie as raw bytes (SOAP carries them as base64Binary).
    std::string seal(CookieKind kind, const CookiePayload& payload) const;
    /// Opens raw sealed bytes; `now` decides expiry.
    std::expected<CookiePayload, CookieFailure> open(CookieKind kind, std::string_view sealed,
                                                     util::SysTime now) const;

private:
    std::vector<std::pair<std::uint32_t, std::string>> keys_;  // (id, 32 raw bytes), newest last
};

}  // namespace wsusd::core
