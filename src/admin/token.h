// Admin API tokens: random bearer secrets shown once; only their SHA-256 is stored.
#pragma once

#include <string>
#include <string_view>

namespace wsusd::admin {

/// "wsusd_" followed by 43 URL-safe base64 characters (32 random bytes).
std::string generate_token();
/// Lower-case hex SHA-256: what the store keeps and looks tokens up by.
std::string token_hash(std::string_view token);

}  // namespace wsusd::admin
