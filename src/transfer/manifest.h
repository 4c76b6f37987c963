// The manifest of an air-gapped bundle (docs/airgap.md): what the bundle covers (exporter key, sequence, anchors),
// what it holds (counts) and every part with its size and SHA-256. manifest.sig signs the exact bytes of
// manifest.json.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/airgap_repo.h"
#include "wsusd/result.h"

namespace wsusd::transfer {

inline constexpr const char* kFormat = "wsusd-airgap/1";
inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kSignatureFile = "manifest.sig";

struct PartEntry {
    std::string name;  ///< file name inside the bundle folder, "part-00001.wsp"
    std::uint64_t size = 0;
    std::string sha256;  ///< lower-case hex
    int revisions = 0, files = 0;
    bool state = false;  ///< holds the groups/approvals record
};

struct Manifest {
    std::string bundle_id;  ///< GUID
    std::string key_id;     ///< the exporter's signing key
    std::int64_t sequence = 0;
    std::string created_at;  ///< ISO 8601 UTC
    std::optional<store::AirgapAnchor> since;  ///< nullopt: full
    store::AirgapAnchor upto;
    nlohmann::json selection = nlohmann::json::object();
    nlohmann::json counts = nlohmann::json::object();
    std::vector<PartEntry> parts;
};

nlohmann::json to_json(const Manifest& m);
/// Errc::invalid_argument naming the member that is missing or malformed.
Result<Manifest> parse_manifest(std::string_view text);

/// "part-00001.wsp" for index 1.
std::string part_name(int index);

}  // namespace wsusd::transfer
