// TLS material: a self-signed certificate generated on first start (so HTTPS works out of the box)
// and the server's TLS context (TLS 1.2+, modern ciphers).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::net {

/// Creates `cert`/`key` (PEM, key mode 0600) when both are missing: RSA 2048, SHA-256, valid 10
/// years, subject CN = `host`, SAN = every name in `names` plus localhost and 127.0.0.1.
/// Existing files are left alone. Returns true when it created them.
Result<bool> ensure_self_signed(const std::filesystem::path& cert, const std::filesystem::path& key,
                                const std::string& host, const std::vector<std::string>& names);

/// Server context for HTTPS listeners.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls(const std::filesystem::path& cert,
                                                                   const std::filesystem::path& key);

/// SHA-256 fingerprint of a PEM certificate, "AB:CD:...", for logs.
std::string certificate_fingerprint(const std::filesystem::path& cert);

}  // namespace wsusd::net
