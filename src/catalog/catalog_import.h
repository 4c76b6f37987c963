// Catalog import: full update XML documents (a folder of *.xml, as exported or generated) into the
// store. Idempotent (revisions are immutable), atomic per batch, and a bad document is reported by
// file and reason and skipped without stopping the import.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "metadata/fragments.h"
#include "metadata/parse_document.h"
#include "store/revision_repo.h"
#include "store/store.h"
#include "wsusd/result.h"

namespace wsusd::catalog {

struct ImportOptions {
    std::size_t batch_size = 500;                   ///< revisions per transaction
    std::uintmax_t max_document_bytes = 16 << 20;   ///< larger files are rejected unread
    metadata::ParseLimits parse_limits;
    /// Called after each committed batch: (documents done, documents total).
    std::function<void(std::size_t, std::size_t)> progress;
};

struct RejectedDocument {
    std::filesystem::path file;
    std::string reason;
};

struct ImportReport {
    std::size_t documents = 0;  ///< files looked at
    std::size_t imported = 0;   ///< new revisions stored
    std::size_t unchanged = 0;  ///< already present (re-import)
    std::vector<RejectedDocument> rejected;
};

/// What one document of an import needs before it may be committed: its prerequisites and bundle members.
struct DocumentDeps {
    std::string update_id;           ///< empty when the document could not be read (it keeps its place)
    std::vector<std::string> needs;  ///< update ids of prerequisites (every group) and bundle members
};

/// `files` reordered so that every document follows the documents of the updates it needs (those in the set); ties
/// and cycles keep file order. deps[i] describes files[i].
std::vector<std::filesystem::path> dependency_order(const std::vector<std::filesystem::path>& files,
                                                    const std::vector<DocumentDeps>& deps);

/// Imports every *.xml below `source` (a folder, or one file). Batches commit in dependency order.
Result<ImportReport> import_catalog(store::Store& store, const std::filesystem::path& source,
                                    const ImportOptions& options = {});

/// Maps a parsed document (with its fragments) to the store's record. Digests become lower-case hex.
Result<store::NewRevision> to_new_revision(const metadata::UpdateDocument& doc, const metadata::Fragments& fragments);

/// Writes the full document of every latest revision to `target` as <update id>-r<revision>.xml.
Result<std::size_t> export_catalog(store::Store& store, const std::filesystem::path& target);

}  // namespace wsusd::catalog
