// A synthetic catalog: N full update documents shaped like real ones, for load tests and for developing without a
// real upstream. Deterministic: the same options (seed included) give the same bytes.
//
// Shapes come from real documents read at run time from `template_dir` (a category document for the category
// applicability rules and handler data; software leaves with files for the applicability rules, installation
// behaviour and command-line handler data); identities, relationships, texts and files are generated. Drivers and
// detectoids, which the templates lack, are built from the schema (MS-WUSP footnote <42>).
//
// The catalog holds: a category tree (companies, product families, products, 12 classifications), detectoids,
// bundles of 1-3 leaves, standalone leaves with prerequisite chains, supersedence chains, drivers with hardware ids,
// further revisions of some updates, EULAs, and payload files. File content is never stored: it is a pure function
// of a FileSpec (generated_file_bytes), so a server can serve or re-hash it on demand; `content-manifest.tsv` in
// the output directory lists every file (see write_manifest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::metadata {

struct GeneratorOptions {
    std::size_t revisions = 1000;        ///< documents to write (one per revision)
    std::uint64_t seed = 1;              ///< everything generated derives from it
    std::filesystem::path output_dir;    ///< created if missing; documents are written as <id>-r<rev>.xml
    std::filesystem::path template_dir;  ///< real full update documents (*.xml) whose shapes are reused
    std::vector<std::string> languages = {"en", "de", "fr", "ja"};  ///< LocalizedProperties written per document
    /// Payload sizes are drawn from [min_file_size, max_file_size] (90% small, 9.5% medium, 0.5% large, each band
    /// log-uniform). Hashing dominates the run time: the defaults average ~120 KiB per file, which keeps 50,000
    /// revisions to a few GB hashed. Raise max_file_size for realistic multi-MiB payloads.
    std::uint64_t min_file_size = 512;
    std::uint64_t max_file_size = 16ull * 1024 * 1024;
    bool write_manifest = true;  ///< write content-manifest.tsv: sha1, sha256 (base64), size, content seed, name
};

struct GeneratorStats {
    std::size_t documents = 0;  ///< files written (= revisions unless the plan ran short, which it does not)
    std::size_t update_ids = 0;
    std::size_t companies = 0;
    std::size_t product_families = 0;
    std::size_t products = 0;
    std::size_t classifications = 0;
    std::size_t detectoids = 0;
    std::size_t bundles = 0;
    std::size_t bundled_leaves = 0;
    std::size_t standalone_leaves = 0;
    std::size_t drivers = 0;
    std::size_t superseding_updates = 0;       ///< documents with SupersededUpdates
    std::size_t prerequisite_chain_links = 0;  ///< documents requiring another software update (a chain link)
    std::size_t extra_revisions = 0;           ///< documents that are a second or later revision of an update
    std::size_t eulas = 0;
    std::size_t files = 0;  ///< payload and EULA files (distinct contents)
    std::uint64_t file_bytes = 0;
    std::uint64_t document_bytes = 0;
};

/// Identifies one generated file's content: `size` bytes, a pure function of `content_seed`.
struct FileSpec {
    std::uint64_t content_seed = 0;
    std::uint64_t size = 0;
};

/// Writes bytes [offset, offset + length) of the content into `out` (random access, for range requests).
/// Bytes past the end of the file are not written; returns how many were.
std::size_t generated_file_bytes(const FileSpec& spec, std::uint64_t offset, char* out, std::size_t length);

/// The whole content (for tests and small files; large files should be streamed with generated_file_bytes).
std::string generated_file_content(const FileSpec& spec);

struct GeneratedDigests {
    std::string sha1_base64;
    std::string sha256_base64;
};

/// SHA-1 and SHA-256 of the content, streamed (OpenSSL EVP). Errc::internal if OpenSSL fails.
Result<GeneratedDigests> digest_generated_file(const FileSpec& spec);

/// Writes the catalog. Errors: invalid_argument (no revisions, no languages, bad sizes, template dir without a
/// category or a software leaf with files), io (cannot create or write the output).
Result<GeneratorStats> generate_catalog(const GeneratorOptions& options);

}  // namespace wsusd::metadata
