// Opening a bundle on the importing side: the signature of manifest.json by one of the trusted keys, then every
// part's presence, size and SHA-256. Nothing is imported before the whole bundle passed. Every refusal names the
// file that failed and why.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "transfer/manifest.h"
#include "transfer/signing_key.h"

namespace wsusd::transfer {

struct VerifiedBundle {
    std::filesystem::path dir;
    Manifest manifest;
    std::string manifest_text;  ///< the signed bytes
};

struct ReadLimits {
    std::uint64_t max_manifest_bytes = 64ull << 20;
};

/// manifest.sig: {"algorithm": "ed25519", "key_id": hex, "signature": base64}.
std::string signature_file_text(const Ed25519Key& key, std::string_view signature);

/// Errc::unauthorized for a missing, malformed or untrusted signature; Errc::corrupt for a part that is missing,
/// truncated or altered; Errc::invalid_argument for a malformed manifest. `on_part` reports each verified part.
Result<VerifiedBundle> open_bundle(const std::filesystem::path& dir, const std::vector<Ed25519Key>& trusted,
                                   const ReadLimits& limits = {},
                                   const std::function<void(int, int)>& on_part = {});

}  // namespace wsusd::transfer
