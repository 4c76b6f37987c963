// TLS material: a self-signed certificate generated on first start (so HTTPS works out of the box)
// and the server's TLS context (TLS 1.2+, modern ciphers).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
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

/// The TLS context of the HTTPS listeners, reloadable (SIGHUP): each new connection takes the current context and
/// keeps it for its lifetime, so a reload affects new connections only and drops none.
class ServerTls {
public:
    static Result<std::shared_ptr<ServerTls>> load(std::filesystem::path cert, std::filesystem::path key);

    std::shared_ptr<boost::asio::ssl::context> current() const;

    /// Reads the certificate and key files again. On success new connections use them and the new certificate's
    /// fingerprint is returned; on any error (unreadable, not PEM, key not matching the certificate, key readable
    /// by other users) the current context stays and the error says why.
    Result<std::string> reload();

    const std::filesystem::path& certificate() const { return cert_; }
    const std::filesystem::path& private_key() const { return key_; }

private:
    ServerTls(std::filesystem::path cert, std::filesystem::path key) : cert_(std::move(cert)), key_(std::move(key)) {}

    std::filesystem::path cert_, key_;
    mutable std::mutex mu_;
    std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace wsusd::net
