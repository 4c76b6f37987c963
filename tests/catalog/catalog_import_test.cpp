// Catalog import of the real documents in ../shared/captures/wsus-m0-wsusss/docs (see captures/PROVENANCE.md).
#include "catalog/catalog_import.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/revision_repo.h"

using namespace wsusd;
namespace fs = std::filesystem;

namespace {

const fs::path kDocs = fs::path(WSUSD_SHARED_DIR) / "captures/wsus-m0-wsusss/docs";

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("wsusd-catalog-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::unique_ptr<store::Store> open_store(const fs::path& dir) {
    auto s = store::Store::open(dir / "wsusd.db");
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
}

}  // namespace

TEST(CatalogImport, RealDocumentsImportWithCategoriesAndFiles) {
    TempDir tmp;
    auto st = open_store(tmp.path);
    auto report = catalog::import_catalog(*st, kDocs);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->documents, 5u);
    EXPECT_EQ(report->imported, 5u);
    EXPECT_TRUE(report->rejected.empty());
    auto rev = st->with_reader([](store::Connection& c) {
        return store::RevisionRepo(c).latest("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583");
    });
    ASSERT_TRUE(rev) << rev.error().message;
    EXPECT_EQ(rev->revision_number, 200);
    EXPECT_TRUE(rev->is_bundle);
    // Its classification (e0789628) and product (8c3fcc84) are not among the five documents: unknown
    // categories are not invented.
    EXPECT_FALSE(rev->classification_id);
    // The product family names the company category as a prerequisite: that is category membership.
    auto family = st->with_reader([](store::Connection& c) {
        return store::RevisionRepo(c).latest("6964aab4-c5b5-43bd-a17d-ffb4346a8e1d");
    });
    ASSERT_TRUE(family);
    EXPECT_EQ(family->update_type, store::UpdateType::category);
    EXPECT_EQ(family->category_type.value_or(""), "ProductFamily");
    auto cats = st->with_reader([&](store::Connection& c) { return store::RevisionRepo(c).categories(family->id); });
    ASSERT_TRUE(cats);
    ASSERT_EQ(cats->size(), 1u);
    EXPECT_EQ((*cats)[0].category_id, "56309036-4c77-4dd9-951a-99ee9c246a94");
    auto core = st->with_reader([&](store::Connection& c) {
        return store::RevisionRepo(c).fragment(rev->id, store::FragmentKind::core);
    });
    ASSERT_TRUE(core);
    std::ifstream ref(fs::path(WSUSD_SHARED_DIR) /
                      "captures/wsus-m0-wsusss/wusp-reference/1f9bd9bb-7390-4aa3-bbdb-ded99fac2583-r200.core.xml");
    std::string expected((std::istreambuf_iterator<char>(ref)), {});
    EXPECT_EQ(*core, expected);
}

TEST(CatalogImport, IdempotentAndRoundTripsThroughExport) {
    TempDir tmp;
    auto st = open_store(tmp.path);
    ASSERT_TRUE(catalog::import_catalog(*st, kDocs));
    auto again = catalog::import_catalog(*st, kDocs);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->imported, 0u);
    EXPECT_EQ(again->unchanged, 5u);
    auto exported = catalog::export_catalog(*st, tmp.path / "export");
    ASSERT_TRUE(exported);
    EXPECT_EQ(*exported, 5u);
    auto st2 = open_store(tmp.path / "export");
    auto second = catalog::import_catalog(*st2, tmp.path / "export");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->imported, 5u);
    for (const auto& e : fs::directory_iterator(kDocs)) {
        std::ifstream a(e.path()), b(tmp.path / "export" / e.path().filename());
        std::string x((std::istreambuf_iterator<char>(a)), {}), y((std::istreambuf_iterator<char>(b)), {});
        EXPECT_EQ(x, y) << e.path().filename();
    }
}

TEST(CatalogImport, BadDocumentsAreReportedAndSkipped) {
    TempDir tmp;
    fs::create_directories(tmp.path / "in");
    fs::copy(kDocs, tmp.path / "in");
    std::ofstream(tmp.path / "in/truncated.xml") << "<Update xmlns=\"http://schemas.microsoft.com/msus/2002/12/Update\"><Upd";
    std::ofstream(tmp.path / "in/laughs.xml")
        << "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><l>&b;</l>";
    auto st = open_store(tmp.path);
    auto report = catalog::import_catalog(*st, tmp.path / "in");
    ASSERT_TRUE(report);
    EXPECT_EQ(report->imported, 5u);
    ASSERT_EQ(report->rejected.size(), 2u);
    for (const auto& r : report->rejected) EXPECT_FALSE(r.reason.empty());
    auto count = st->with_reader([](store::Connection& c) { return store::RevisionRepo(c).count(); });
    EXPECT_EQ(*count, 5);
}
