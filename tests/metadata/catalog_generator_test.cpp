// The synthetic catalog: every document parses and derives fragments, the same seed gives the same bytes, and the
// catalog has the shapes later code relies on. Templates: the real documents in
// /work/shared/captures/wsus-m0-wsusss/docs (provenance: /work/shared/captures/PROVENANCE.md).
#include "metadata/catalog_generator.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "metadata/fragments.h"

namespace wsusd::metadata {
namespace {

namespace fs = std::filesystem;

const fs::path kTemplates = fs::path(WSUSD_SHARED_DIR) / "captures/wsus-m0-wsusss/docs";

std::string slurp(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name) {
        path =
            fs::temp_directory_path() / ("wsusd-metadata-" + name + "-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::remove_all(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

GeneratorOptions options(const fs::path& out, std::size_t revisions, std::uint64_t seed) {
    GeneratorOptions o;
    o.revisions = revisions;
    o.seed = seed;
    o.output_dir = out;
    o.template_dir = kTemplates;
    o.languages = {"en", "de", "ja"};
    o.max_file_size = 256 * 1024;  // keeps the test fast; sizes are still spread over three bands
    return o;
}

std::map<std::string, std::string> read_dir(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(dir)) files[e.path().filename().string()] = slurp(e.path());
    return files;
}

TEST(CatalogGenerator, FileContentIsRandomAccessAndHashed) {
    FileSpec spec{42, 100000};
    std::string all = generated_file_content(spec);
    ASSERT_EQ(all.size(), 100000u);
    char part[100];
    ASSERT_EQ(generated_file_bytes(spec, 12345, part, sizeof part), sizeof part);
    EXPECT_EQ(std::string(part, sizeof part), all.substr(12345, 100));
    EXPECT_EQ(generated_file_bytes(spec, 99990, part, sizeof part), 10u);
    EXPECT_EQ(generated_file_bytes(spec, 100000, part, sizeof part), 0u);
    EXPECT_NE(generated_file_content({43, 100}), all.substr(0, 100));

    // Known answers for empty content (the streaming digest handles the zero-length case).
    auto empty = digest_generated_file({1, 0});
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->sha1_base64, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    EXPECT_EQ(empty->sha256_base64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    auto d1 = digest_generated_file(spec), d2 = digest_generated_file(spec);
    ASSERT_TRUE(d1 && d2);
    EXPECT_EQ(d1->sha1_base64, d2->sha1_base64);
    EXPECT_EQ(d1->sha1_base64.size(), 28u);
    EXPECT_EQ(d1->sha256_base64.size(), 44u);

    // Streaming in chunks gives the digest of the whole content (checked against a one-shot OpenSSL digest).
    FileSpec big{7, 600001};
    std::string content = generated_file_content(big);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    ASSERT_EQ(EVP_Digest(content.data(), content.size(), md, &len, EVP_sha256(), nullptr), 1);
    std::string b64(4 * ((len + 2) / 3), '\0');
    b64.resize(static_cast<std::size_t>(
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), md, static_cast<int>(len))));
    auto streamed = digest_generated_file(big);
    ASSERT_TRUE(streamed);
    EXPECT_EQ(streamed->sha256_base64, b64);
}

TEST(CatalogGenerator, AllDocumentsParseAndHaveRealisticShape) {
    TempDir dir("shape");
    const std::size_t n = 600;
    auto stats = generate_catalog(options(dir.path, n, 7));
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->documents, n);
    EXPECT_EQ(stats->companies, 3u);
    EXPECT_EQ(stats->product_families, 6u);
    EXPECT_EQ(stats->products, 18u);
    EXPECT_EQ(stats->classifications, 12u);
    EXPECT_GE(stats->detectoids, 4u);
    EXPECT_GT(stats->bundles, 0u);
    EXPECT_GT(stats->bundled_leaves, stats->bundles - 1);
    EXPECT_GT(stats->standalone_leaves, 0u);
    EXPECT_GT(stats->drivers, 0u);
    EXPECT_GT(stats->superseding_updates, 0u);
    EXPECT_GT(stats->prerequisite_chain_links, 0u);
    EXPECT_GT(stats->extra_revisions, 0u);
    EXPECT_GT(stats->files, 0u);

    std::map<std::string, std::string> category_type;  // id -> CategoryType
    std::vector<ParsedUpdate> docs;
    std::size_t xml_files = 0;
    for (const auto& e : fs::directory_iterator(dir.path)) {
        if (e.path().extension() != ".xml") continue;
        ++xml_files;
        auto p = parse_and_derive(slurp(e.path()));
        ASSERT_TRUE(p) << e.path() << ": " << p.error().message;
        const UpdateDocument& d = p->document;
        EXPECT_EQ(e.path().filename().string(), d.update_id + "-r" + std::to_string(d.revision_number) + ".xml");
        EXPECT_FALSE(p->fragments.core.empty());
        EXPECT_FALSE(p->fragments.extended.empty());
        EXPECT_EQ(p->fragments.localized.size(), 3u) << e.path();
        if (d.category) category_type[d.update_id] = d.category->category_type;
        docs.push_back(std::move(*p));
    }
    EXPECT_EQ(xml_files, n);

    std::map<std::string, std::size_t> count;
    std::set<std::string> bundle_members;
    for (auto& p : docs) {
        UpdateDocument& d = p.document;
        assign_categories(d, [&](std::string_view id) -> std::optional<std::string> {
            auto it = category_type.find(std::string(id));
            return it == category_type.end() ? std::nullopt : std::optional<std::string>(it->second);
        });
        if (d.category) ++count["category:" + d.category->category_type];
        if (d.kind == UpdateKind::detectoid) ++count["detectoid"];
        if (d.kind == UpdateKind::driver) {
            ++count["driver"];
            EXPECT_FALSE(d.drivers.empty());
            EXPECT_FALSE(d.drivers[0].hardware_id.empty());
            EXPECT_NE(p.fragments.core.find("<d.WindowsDriverMetaData"), std::string::npos);
        }
        if (d.is_bundle) {
            ++count["bundle"];
            EXPECT_GE(d.bundled_updates.size(), 1u);
            EXPECT_LE(d.bundled_updates.size(), 3u);
            EXPECT_EQ(d.classification_ids.size(), 1u) << d.update_id;
            EXPECT_EQ(d.product_ids.size(), 1u) << d.update_id;
            for (const auto& ref : d.bundled_updates) bundle_members.insert(ref.update_id);
        }
        if (!d.superseded_update_ids.empty()) ++count["superseding"];
        if (!d.eula_files.empty()) ++count["eula"];
        if (d.kind == UpdateKind::software && !d.is_bundle) {
            ASSERT_FALSE(d.files.empty()) << d.update_id;
            EXPECT_NE(d.files[0].find_digest("SHA256"), nullptr);
            EXPECT_FALSE(d.handler.empty());
            EXPECT_NE(p.fragments.extended.find("<Files>"), std::string::npos);
        }
        if (const LocalizedText* de = d.localized_for("de")) {
            EXPECT_EQ(de->title.rfind("[de] ", 0), 0u);
        }
    }
    EXPECT_EQ(count["category:Company"], 3u);
    EXPECT_EQ(count["category:ProductFamily"], 6u);
    EXPECT_EQ(count["category:Product"], 18u);
    EXPECT_EQ(count["category:UpdateClassification"], 12u);
    EXPECT_EQ(count["detectoid"], stats->detectoids);
    EXPECT_EQ(count["bundle"], stats->bundles);
    EXPECT_GT(count["driver"], 0u);
    EXPECT_EQ(count["superseding"], stats->superseding_updates);
    EXPECT_EQ(bundle_members.size(), stats->bundled_leaves);

    // Every bundled revision exists as a document.
    for (const auto& p : docs)
        for (const auto& ref : p.document.bundled_updates)
            EXPECT_TRUE(fs::exists(dir.path / (ref.update_id + "-r" + std::to_string(*ref.revision_number) + ".xml")));
}

TEST(CatalogGenerator, ManifestDigestsMatchContent) {
    TempDir dir("manifest");
    auto stats = generate_catalog(options(dir.path, 80, 3));
    ASSERT_TRUE(stats) << stats.error().message;
    std::ifstream m(dir.path / "content-manifest.tsv");
    std::string line;
    std::size_t checked = 0;
    while (std::getline(m, line)) {
        if (line.starts_with("#")) continue;
        std::istringstream fields(line);
        std::string sha1, sha256, size, seed, name;
        std::getline(fields, sha1, '\t');
        std::getline(fields, sha256, '\t');
        std::getline(fields, size, '\t');
        std::getline(fields, seed, '\t');
        std::getline(fields, name, '\t');
        FileSpec spec{std::stoull(seed, nullptr, 16), std::stoull(size)};
        auto d = digest_generated_file(spec);
        ASSERT_TRUE(d);
        EXPECT_EQ(d->sha1_base64, sha1) << name;
        EXPECT_EQ(d->sha256_base64, sha256) << name;
        ++checked;
    }
    EXPECT_EQ(checked, stats->files);
}

TEST(CatalogGenerator, SameSeedSameBytes) {
    TempDir a("det-a"), b("det-b"), c("det-c");
    ASSERT_TRUE(generate_catalog(options(a.path, 250, 99)));
    ASSERT_TRUE(generate_catalog(options(b.path, 250, 99)));
    ASSERT_TRUE(generate_catalog(options(c.path, 250, 100)));
    auto fa = read_dir(a.path), fb = read_dir(b.path), fc = read_dir(c.path);
    EXPECT_EQ(fa.size(), 251u);  // 250 documents + manifest
    EXPECT_TRUE(fa == fb);
    EXPECT_FALSE(fa == fc);
}

TEST(CatalogGenerator, SmallCatalogsStillValid) {
    for (std::size_t n : {1u, 2u, 5u, 17u, 45u}) {
        TempDir dir("small");
        auto stats = generate_catalog(options(dir.path, n, n));
        ASSERT_TRUE(stats) << n << ": " << stats.error().message;
        EXPECT_EQ(stats->documents, n);
        std::size_t parsed = 0;
        for (const auto& e : fs::directory_iterator(dir.path)) {
            if (e.path().extension() != ".xml") continue;
            auto p = parse_and_derive(slurp(e.path()));
            ASSERT_TRUE(p) << e.path() << ": " << p.error().message;
            ++parsed;
        }
        EXPECT_EQ(parsed, n);
    }
}

TEST(CatalogGenerator, RejectsBadOptions) {
    TempDir dir("bad");
    auto o = options(dir.path, 10, 1);
    o.revisions = 0;
    EXPECT_EQ(generate_catalog(o).error().code, Errc::invalid_argument);
    o = options(dir.path, 10, 1);
    o.languages.clear();
    EXPECT_EQ(generate_catalog(o).error().code, Errc::invalid_argument);
    o = options(dir.path, 10, 1);
    o.languages = {"en\"><x"};
    EXPECT_EQ(generate_catalog(o).error().code, Errc::invalid_argument);
    o = options(dir.path, 10, 1);
    o.template_dir = dir.path / "missing";
    EXPECT_EQ(generate_catalog(o).error().code, Errc::invalid_argument);
    o = options(dir.path, 10, 1);
    o.min_file_size = 10;
    o.max_file_size = 5;
    EXPECT_EQ(generate_catalog(o).error().code, Errc::invalid_argument);
}

// Scale check (50,000 revisions, default sizes): run with --gtest_also_run_disabled_tests; it prints the timing.
TEST(CatalogGenerator, DISABLED_FiftyThousandRevisions) {
    TempDir dir("scale");
    GeneratorOptions o = options(dir.path, 50000, 2024);
    o.max_file_size = GeneratorOptions{}.max_file_size;
    auto start = std::chrono::steady_clock::now();
    auto stats = generate_catalog(o);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(stats) << stats.error().message;
    std::printf("50000 revisions: %.1f s, %zu files, %.2f GB hashed, %.1f MB of documents\n", seconds, stats->files,
                static_cast<double>(stats->file_bytes) / 1e9, static_cast<double>(stats->document_bytes) / 1e6);
    EXPECT_LT(seconds, 60.0);
    std::size_t parsed = 0;
    start = std::chrono::steady_clock::now();
    for (const auto& e : fs::directory_iterator(dir.path))
        if (e.path().extension() == ".xml" && parse_and_derive(slurp(e.path()))) ++parsed;
    std::printf("parsed and derived %zu documents in %.1f s\n", parsed,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    EXPECT_EQ(parsed, 50000u);
}

}  // namespace
}  // namespace wsusd::metadata
