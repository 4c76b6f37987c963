// wsusctl's connection to the admin API: libcurl over HTTPS with the daemon's self-signed certificate pinned
// by its public key, a bearer token, JSON in and out.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "wsusd/result.h"

namespace wsusd::ctl {

struct Endpoint {
    std::string url;          ///< e.g. https://127.0.0.1:8532
    std::string token;
    std::string certificate;  ///< PEM file whose public key must match the server's; empty = system CAs
    long timeout_seconds = 60;
};

/// Where to connect, from (in order) flags, WSUSCTL_URL / WSUSCTL_TOKEN / WSUSCTL_TOKEN_FILE, and the daemon's
/// DATA_DIR/ports.json (admin port and certificate). Errc::invalid_argument naming what is missing.
Result<Endpoint> resolve_endpoint(std::string url, std::string token, const std::string& token_file,
                                  std::string certificate, const std::string& data_dir);

struct ApiResponse {
    long status = 0;
    nlohmann::json body;  ///< parsed JSON, or {"error": text} when the answer is not JSON
    std::string text;     ///< the body as received (the Prometheus exposition is not JSON)
};

/// One call. Errc::io when the server cannot be reached (the message says how to check it).
Result<ApiResponse> call(const Endpoint& ep, const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr);

/// Percent-encodes a path segment or query value.
std::string url_encode(std::string_view text);

}  // namespace wsusd::ctl
