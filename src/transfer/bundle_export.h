// Writing a bundle on the connected server: content files first, then update documents (in the order the catalog
// stored them, so prerequisites come first), then groups and approvals; parts cut at the chosen size; manifest
// with every part's SHA-256, signed. Full, or incremental since the last export or an explicit anchor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "content/content_store.h"
#include "store/store.h"
#include "transfer/manifest.h"
#include "transfer/signing_key.h"

namespace wsusd::transfer {

enum class ContentSelection { none, approved, all };

struct ExportOptions {
    std::filesystem::path target;  ///< bundle folder: created, or an existing empty one
    /// nullopt and !since_last: a full export. since_last: since the anchor the previous export reached.
    std::optional<store::AirgapAnchor> since;
    bool since_last = false;
    ContentSelection content = ContentSelection::approved;
    std::vector<std::string> products;         ///< with classifications: only updates in both (as a sync filter)
    std::vector<std::string> classifications;
    bool approvals = true;        ///< groups, approvals, withdrawals and declines
    std::uint64_t part_size = 0;  ///< bytes; 0: one part
    std::function<void(const std::string&)> progress;
};

struct ExportReport {
    Manifest manifest;
    std::vector<std::string> missing_files;  ///< selected files the content store does not hold (sha1 name)
};

/// Parse "approved" / "all" / "none".
std::optional<ContentSelection> parse_content_selection(std::string_view text);
const char* content_selection_name(ContentSelection c);

/// Never leaves a half-written bundle that looks complete: manifest.json and manifest.sig are written last.
Result<ExportReport> export_bundle(store::Store& store, const content::ContentStore* content, const Ed25519Key& key,
                                   const ExportOptions& options);

}  // namespace wsusd::transfer
