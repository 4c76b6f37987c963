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

namespace {

// A minimal software update with optional prerequisites and bundle members (our own document, not a capture).
std::string relation_document(const std::string& id, const std::vector<std::string>& prerequisites,
                              const std::vector<std::string>& members) {
    std::string rel;
    if (!prerequisites.empty() || !members.empty()) {
        rel = "<upd:Relationships>";
        if (!prerequisites.empty()) {
            rel += "<upd:Prerequisites>";
            for (const auto& p : prerequisites) rel += "<upd:UpdateIdentity UpdateID=\"" + p + "\" />";
            rel += "</upd:Prerequisites>";
        }
        if (!members.empty()) {
            rel += "<upd:BundledUpdates><upd:AtLeastOne>";
            for (const auto& m : members) rel += "<upd:UpdateIdentity UpdateID=\"" + m + "\" RevisionNumber=\"100\" />";
            rel += "</upd:AtLeastOne></upd:BundledUpdates>";
        }
        rel += "</upd:Relationships>";
    }
    return "<upd:Update xmlns:upd=\"http://schemas.microsoft.com/msus/2002/12/Update\">"
           "<upd:UpdateIdentity UpdateID=\"" + id + "\" RevisionNumber=\"100\" />"
           "<upd:Properties UpdateType=\"Software\" DefaultPropertiesLanguage=\"en\" />"
           "<upd:LocalizedPropertiesCollection><upd:LocalizedProperties><upd:Language>en</upd:Language>"
           "<upd:Title>" + id + "</upd:Title></upd:LocalizedProperties></upd:LocalizedPropertiesCollection>" +
           rel + "</upd:Update>";
}

}  // namespace

// A kill between two batches must never leave a bundle without its members or an update without its prerequisites
// (the crash harness found this with file-name order): every committed batch is closed under what it needs.
TEST(CatalogImport, EveryCommittedBatchHoldsWhatItsUpdatesNeed) {
    TempDir tmp;
    fs::create_directories(tmp.path / "in");
    // File-name order puts each bundle and dependent update before what it needs.
    const std::string bundle = "0a000000-0000-4000-8000-000000000001";
    const std::string dependent = "0b000000-0000-4000-8000-000000000002";
    const std::string member1 = "fa000000-0000-4000-8000-000000000003";
    const std::string member2 = "fb000000-0000-4000-8000-000000000004";
    const std::string prereq = "fc000000-0000-4000-8000-000000000005";
    const std::vector<std::pair<std::string, std::string>> docs = {
        {bundle, relation_document(bundle, {}, {member1, member2})},
        {dependent, relation_document(dependent, {prereq}, {})},
        {member1, relation_document(member1, {prereq}, {})},
        {member2, relation_document(member2, {}, {})},
        {prereq, relation_document(prereq, {}, {})},
    };
    for (const auto& [id, xml] : docs) std::ofstream(tmp.path / "in" / (id + "-r100.xml")) << xml;
    auto st = open_store(tmp.path);
    catalog::ImportOptions opt;
    opt.batch_size = 1;  // a commit after every document: the finest points a kill can land between
    std::vector<std::string> violations;
    opt.progress = [&](std::size_t, std::size_t) {
        auto r = st->with_reader([&](store::Connection& c) -> Result<void> {
            store::RevisionRepo repo(c);
            auto has = [&](const std::string& id) { return repo.latest(id).has_value(); };
            if (has(bundle) && !(has(member1) && has(member2))) violations.push_back("bundle before its members");
            if (has(dependent) && !has(prereq)) violations.push_back("update before its prerequisite");
            if (has(member1) && !has(prereq)) violations.push_back("member before its prerequisite");
            return {};
        });
        ASSERT_TRUE(r);
    };
    auto report = catalog::import_catalog(*st, tmp.path / "in", opt);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->imported, 5u);
    EXPECT_TRUE(violations.empty()) << violations.front();
}

TEST(CatalogImport, DependencyOrderKeepsFileOrderAndSurvivesCycles) {
    std::vector<fs::path> files = {"a.xml", "b.xml", "c.xml", "d.xml"};
    // a needs c; c and d need each other (a cycle in bad metadata); b needs an update outside the set.
    std::vector<catalog::DocumentDeps> deps = {{"A", {"C"}}, {"B", {"X"}}, {"C", {"D"}}, {"D", {"C"}}};
    auto order = catalog::dependency_order(files, deps);
    EXPECT_EQ(order, (std::vector<fs::path>{"d.xml", "c.xml", "a.xml", "b.xml"}));
    // Two revisions of one update both come before what needs the update; unreadable documents keep their place.
    files = {"a.xml", "u-r1.xml", "u-r2.xml", "bad.xml"};
    deps = {{"A", {"U"}}, {"U", {}}, {"U", {}}, {"", {}}};
    order = catalog::dependency_order(files, deps);
    EXPECT_EQ(order, (std::vector<fs::path>{"u-r1.xml", "u-r2.xml", "a.xml", "bad.xml"}));
}
