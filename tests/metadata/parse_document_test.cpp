// Parsing real update documents and refusing hostile ones. The documents are real Microsoft Update metadata from
// /work/shared/captures/wsus-m0-wsusss/docs (provenance: /work/shared/captures/PROVENANCE.md).
#include "metadata/parse_document.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace wsusd::metadata {
namespace {

const std::string kDocs = std::string(WSUSD_SHARED_DIR) + "/captures/wsus-m0-wsusss/docs/";

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    EXPECT_TRUE(f.good()) << path;
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

UpdateDocument parse_real(const std::string& name) {
    auto r = parse_update_document(slurp(kDocs + name));
    EXPECT_TRUE(r.has_value()) << name << ": " << (r ? "" : r.error().message);
    return r ? std::move(*r) : UpdateDocument{};
}

// A minimal valid document; `props_extra` and `body` are spliced in for the negative cases.
std::string minimal_doc(const std::string& id = "1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", const std::string& rev = "1",
                        const std::string& body = "") {
    return "<upd:Update xmlns:upd=\"http://schemas.microsoft.com/msus/2002/12/Update\"><upd:UpdateIdentity "
           "UpdateID=\"" +
           id + "\" RevisionNumber=\"" + rev + "\" /><upd:Properties UpdateType=\"Software\" />" + body +
           "</upd:Update>";
}

TEST(ParseDocument, BundleDocument) {
    UpdateDocument d = parse_real("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583-r200.xml");
    EXPECT_EQ(d.update_id, "1f9bd9bb-7390-4aa3-bbdb-ded99fac2583");
    EXPECT_EQ(d.revision_number, 200);
    EXPECT_EQ(d.update_type, "Software");
    EXPECT_EQ(d.kind, UpdateKind::software);
    EXPECT_EQ(d.default_language, "en");
    EXPECT_EQ(d.publication_state, "Published");
    EXPECT_EQ(d.creation_date, "2026-09-02T08:19:36.190Z");
    EXPECT_EQ(d.publisher_id, "bccf8ca0-2819-4598-8d15-c1506e363e92");
    EXPECT_TRUE(d.handler.empty());
    ASSERT_EQ(d.localized.size(), 1u);
    EXPECT_EQ(d.localized[0].language, "en");
    EXPECT_EQ(d.localized[0].title, "HIDDEN: Defender Engine 1.1.26080.3 for EngineBroad (Installer 1.1.24010.2001-Q)");
    EXPECT_TRUE(d.localized[0].description.empty());
    ASSERT_NE(d.localized_for("EN"), nullptr);

    ASSERT_EQ(d.prerequisites.size(), 2u);
    EXPECT_TRUE(d.prerequisites[0].at_least_one);
    EXPECT_FALSE(d.prerequisites[0].is_category);
    EXPECT_EQ(d.prerequisites[0].update_ids, std::vector<std::string>{"e0789628-ce08-4437-be74-2495b842f43b"});
    EXPECT_EQ(d.prerequisites[1].update_ids, std::vector<std::string>{"8c3fcc84-7410-4a95-8b89-a166a0190486"});
    EXPECT_TRUE(d.category_ids.empty());  // no IsCategory in this document

    ASSERT_EQ(d.bundled_groups.size(), 1u);
    ASSERT_EQ(d.bundled_updates.size(), 24u);
    EXPECT_EQ(d.bundled_updates.front().update_id, "f0f101fb-5f20-46fb-949f-3da68bd6f77d");
    EXPECT_EQ(d.bundled_updates.front().revision_number, 200);
    EXPECT_EQ(d.bundled_updates.back().update_id, "a05b85ab-86f5-453c-a0b2-61b8a053d8d3");
    EXPECT_TRUE(d.is_bundle);
    EXPECT_FALSE(d.is_leaf);
    EXPECT_TRUE(d.files.empty());
    EXPECT_TRUE(d.superseded_update_ids.empty());
    EXPECT_FALSE(d.category.has_value());
    EXPECT_EQ(d.raw_xml.size(), 3246u);
}

TEST(ParseDocument, LeafWithFile) {
    UpdateDocument d = parse_real("266f6222-c89d-43f2-9f8a-69340271e677-r200.xml");
    EXPECT_EQ(d.update_id, "266f6222-c89d-43f2-9f8a-69340271e677");
    EXPECT_EQ(d.revision_number, 200);
    EXPECT_EQ(d.kind, UpdateKind::software);
    EXPECT_EQ(d.handler, "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/CommandLineInstallation");
    EXPECT_EQ(d.max_download_size, 11606440u);
    EXPECT_EQ(d.min_download_size, 0u);
    EXPECT_EQ(d.creation_date, "2026-10-04T12:00:58.287Z");
    ASSERT_TRUE(d.installation.has_value());
    EXPECT_EQ(d.installation->impact, "Minor");
    EXPECT_FALSE(d.uninstallation.has_value());
    ASSERT_EQ(d.localized.size(), 1u);
    EXPECT_EQ(d.localized[0].title,
              "Full Deltas 1.459.547.0 for Defender amd64fre [Ring0, Ring1, Ring2, Ring3, Ring4, Broad, Delayed]");

    ASSERT_EQ(d.prerequisites.size(), 4u);
    EXPECT_FALSE(d.prerequisites[0].at_least_one);
    EXPECT_EQ(d.prerequisites[0].update_ids, std::vector<std::string>{"be4048db-157c-4532-9582-7f05099590c9"});
    EXPECT_EQ(d.prerequisites[1].update_ids, std::vector<std::string>{"59653007-e2e9-4f71-8525-2ff588527978"});
    EXPECT_EQ(d.prerequisites[2].update_ids, std::vector<std::string>{"0aac58ee-82a0-4452-a7fa-19f68398f1fa"});
    EXPECT_TRUE(d.prerequisites[3].at_least_one);
    EXPECT_EQ(d.prerequisites[3].update_ids, std::vector<std::string>{"8c3fcc84-7410-4a95-8b89-a166a0190486"});

    ASSERT_EQ(d.files.size(), 1u);
    const UpdateFile& f = d.files[0];
    EXPECT_EQ(f.file_name, "AM_Delta.exe");
    EXPECT_EQ(f.digest.algorithm, "SHA1");
    EXPECT_EQ(f.digest.value, "h/W9BGlYUAaqXTp30cZi/SiV3c0=");
    EXPECT_EQ(f.size, 11606440u);
    EXPECT_EQ(f.modified, "2026-10-04T09:39:26Z");
    ASSERT_EQ(f.additional_digests.size(), 1u);
    ASSERT_NE(f.find_digest("sha256"), nullptr);
    EXPECT_EQ(f.find_digest("SHA256")->value, "Amt0qymy5KsROiwIXm4QIIV75Ju4r+Cl28Pg8gaLXUA=");
    EXPECT_TRUE(f.patching_type.empty());
    EXPECT_TRUE(f.origin_uri.empty());
    EXPECT_EQ(d.handler_specific_type, "cmd:CommandLineInstallation");
    EXPECT_FALSE(d.is_bundle);
    EXPECT_TRUE(d.is_leaf);
    EXPECT_TRUE(d.drivers.empty());
}

TEST(ParseDocument, SecondLeafRevision) {
    UpdateDocument d = parse_real("7366a74a-ef29-44e1-b738-570b516aca1f-r200.xml");
    EXPECT_EQ(d.update_id, "7366a74a-ef29-44e1-b738-570b516aca1f");
    ASSERT_EQ(d.files.size(), 1u);
    EXPECT_EQ(d.files[0].digest.value, "6LHXWIXPjwU6Ewe9ycP4e/DPeto=");
    EXPECT_EQ(d.files[0].size, 11610576u);
    EXPECT_EQ(d.files[0].modified, "2026-10-03T19:37:36Z");
    EXPECT_EQ(d.files[0].find_digest("SHA256")->value, "z53OiKDgnskhUnDhQeuuixJreIqwZq1X7COvqZM4+Tk=");
    EXPECT_EQ(d.max_download_size, 11610576u);
}

TEST(ParseDocument, CompanyCategory) {
    UpdateDocument d = parse_real("56309036-4c77-4dd9-951a-99ee9c246a94-r101.xml");
    EXPECT_EQ(d.update_id, "56309036-4c77-4dd9-951a-99ee9c246a94");  // upper case in the document
    EXPECT_EQ(d.revision_number, 101);
    EXPECT_EQ(d.kind, UpdateKind::category);
    EXPECT_TRUE(d.is_category());
    EXPECT_EQ(d.is_public, true);
    EXPECT_EQ(d.handler, "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Category");
    EXPECT_EQ(d.creation_date, "2005-09-22T00:05:11.471Z");
    EXPECT_EQ(d.publisher_id, "42f20e12-2856-447d-a8b2-68f06c2e9b45");
    ASSERT_TRUE(d.category.has_value());
    EXPECT_EQ(d.category_type(), "Company");
    EXPECT_FALSE(d.category->prohibits_subcategories);
    EXPECT_TRUE(d.category->prohibits_updates);
    EXPECT_EQ(d.category->display_order, 1);
    EXPECT_EQ(d.handler_specific_type, "cat:Category");
    EXPECT_EQ(d.localized.size(), 24u);
    ASSERT_NE(d.localized_for("en"), nullptr);
    EXPECT_EQ(d.localized_for("en")->title, "Microsoft");
    EXPECT_EQ(d.localized_for("en")->description, "Microsoft");
    ASSERT_NE(d.localized_for("zh-tw"), nullptr);
    EXPECT_TRUE(d.prerequisites.empty());
    EXPECT_FALSE(d.is_leaf);  // WSUS sent IsLeaf=false for it
}

TEST(ParseDocument, ProductFamilyCategory) {
    UpdateDocument d = parse_real("6964aab4-c5b5-43bd-a17d-ffb4346a8e1d-r100.xml");
    EXPECT_EQ(d.update_id, "6964aab4-c5b5-43bd-a17d-ffb4346a8e1d");
    EXPECT_EQ(d.revision_number, 100);
    EXPECT_EQ(d.category_type(), "ProductFamily");
    EXPECT_EQ(d.category->display_order, 2);
    ASSERT_EQ(d.prerequisites.size(), 1u);
    EXPECT_TRUE(d.prerequisites[0].is_category);
    EXPECT_EQ(d.category_ids, std::vector<std::string>{"56309036-4c77-4dd9-951a-99ee9c246a94"});
    EXPECT_EQ(d.localized_for("en")->title, "Windows");
    EXPECT_FALSE(d.is_leaf);  // WSUS sent IsLeaf=false for it
}

TEST(ParseDocument, AssignCategoriesByLookup) {
    UpdateDocument d = parse_real("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583-r200.xml");
    assign_categories(d, [](std::string_view id) -> std::optional<std::string> {
        if (id == "e0789628-ce08-4437-be74-2495b842f43b") return "UpdateClassification";
        if (id == "8c3fcc84-7410-4a95-8b89-a166a0190486") return "Product";
        return std::nullopt;
    });
    EXPECT_EQ(d.classification_ids, std::vector<std::string>{"e0789628-ce08-4437-be74-2495b842f43b"});
    EXPECT_EQ(d.product_ids, std::vector<std::string>{"8c3fcc84-7410-4a95-8b89-a166a0190486"});
    EXPECT_EQ(d.category_ids.size(), 2u);
}

TEST(ParseDocument, DriverAndOptionalParts) {
    std::string body =
        "<upd:LocalizedPropertiesCollection><upd:LocalizedProperties><upd:Language>en</upd:Language>"
        "<upd:Title>T &amp; U</upd:Title><upd:SupportUrl>http://example.invalid/?LinkId=1</upd:SupportUrl>"
        "</upd:LocalizedProperties><upd:EulaFile Digest=\"AAAA\" DigestAlgorithm=\"SHA1\" FileName=\"e.txt\" "
        "Size=\"12\" Language=\"en\" GeoId=\"USA\" /></upd:LocalizedPropertiesCollection>"
        "<upd:Relationships><upd:SupersededUpdates><upd:UpdateIdentity "
        "UpdateID=\"AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE\" />"
        "</upd:SupersededUpdates></upd:Relationships>"
        "<upd:ApplicabilityRules><upd:Metadata><drv:WindowsDriverMetaData "
        "xmlns:drv=\"http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/WindowsDriver\" "
        "HardwareID=\"PCI\\VEN_1&amp;DEV_2\" "
        "WhqlDriverID=\"7\" Class=\"Net\" Company=\"C\" Provider=\"P\" Manufacturer=\"M\" Model=\"X\" "
        "DriverVerDate=\"2024-01-02\" DriverVerVersion=\"1.2.3.4\"><drv:FeatureScore OperatingSystem=\"x64.10.0\" "
        "FeatureScore=\"255\" /></drv:WindowsDriverMetaData></upd:Metadata></upd:ApplicabilityRules>";
    std::string xml = minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "3", body);
    auto r = parse_update_document(xml);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->localized[0].title, "T & U");
    EXPECT_EQ(r->localized[0].support_url, "http://example.invalid/?LinkId=1");
    ASSERT_EQ(r->eula_files.size(), 1u);
    EXPECT_EQ(r->eula_files[0].geo_id, "USA");
    EXPECT_EQ(r->eula_files[0].size, 12u);
    EXPECT_EQ(r->superseded_update_ids, std::vector<std::string>{"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"});
    ASSERT_EQ(r->drivers.size(), 1u);
    EXPECT_EQ(r->drivers[0].hardware_id, "PCI\\VEN_1&DEV_2");
    EXPECT_EQ(r->drivers[0].driver_ver_version, "1.2.3.4");
    ASSERT_EQ(r->drivers[0].feature_scores.size(), 1u);
    EXPECT_EQ(r->drivers[0].feature_scores[0].score, "255");
}

// --- Hostile and malformed input -------------------------------------------------------------------------------

void expect_rejected(std::string_view xml, Errc code, std::string_view message_part, const ParseLimits& limits = {}) {
    auto r = parse_update_document(xml, limits);
    ASSERT_FALSE(r.has_value()) << "accepted: " << xml.substr(0, 200);
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(message_part), std::string::npos) << r.error().message;
}

TEST(ParseDocument, LanguageSpecificUpdate) {
    std::string xml = minimal_doc();
    xml.replace(xml.find("<upd:Properties UpdateType=\"Software\" />"),
                std::string("<upd:Properties UpdateType=\"Software\" />").size(),
                "<upd:Properties UpdateType=\"Software\"><upd:Language>de</upd:Language><upd:Language>pt-br"
                "</upd:Language><upd:Language></upd:Language></upd:Properties>");
    auto r = parse_update_document(xml);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->languages, (std::vector<std::string>{"de", "pt-br"}));
    auto neutral = parse_update_document(minimal_doc());
    ASSERT_TRUE(neutral) << neutral.error().message;
    EXPECT_TRUE(neutral->languages.empty());
}

TEST(ParseDocumentHostile, BillionLaughs) {
    std::string xml = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    for (int i = 1; i <= 9; ++i) {
        xml += "<!ENTITY lol" + std::to_string(i) + " \"";
        for (int j = 0; j < 10; ++j) xml += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
        xml += "\">";
    }
    xml += "]>" + minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", "<upd:X>&lol9;</upd:X>");
    expect_rejected(xml, Errc::invalid_argument, "DOCTYPE");
}

TEST(ParseDocumentHostile, ExternalEntityAndLowerCaseDoctype) {
    expect_rejected("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + minimal_doc(), Errc::invalid_argument,
                    "DOCTYPE");
    expect_rejected("<!doctype x>" + minimal_doc(), Errc::invalid_argument, "DOCTYPE");
    expect_rejected(minimal_doc() + "<!ENTITY x \"y\">", Errc::invalid_argument, "ENTITY");
}

// Found by fuzz/update_document_fuzz: fragments drop namespace prefixes, so a lenient-parser name such as xsi:4ype
// would reach clients as the invalid attribute name 4ype.
TEST(ParseDocumentHostile, NamesThatAreNotQNames) {
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", "<upd:X xsi:4ype=\"a\" />"),
                    Errc::invalid_argument, "not a QName");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", "<upd:9X />"), Errc::invalid_argument,
                    "not a QName");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", "<a:b:c />"), Errc::invalid_argument,
                    "not a QName");
    EXPECT_TRUE(parse_update_document(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1",
                                                  "<upd:X_1 a.b-c=\"1\" \xC3\xA9t\xC3\xA9=\"2\" />")));
}

TEST(ParseDocumentHostile, Utf16Rejected) {
    std::string utf8 = minimal_doc();
    std::string utf16 = "\xFF\xFE";
    for (char c : utf8) {
        utf16 += c;
        utf16 += '\0';
    }
    EXPECT_FALSE(parse_update_document(utf16).has_value());
    // A UTF-8 byte order mark is fine.
    EXPECT_TRUE(parse_update_document("\xEF\xBB\xBF" + utf8).has_value());
}

TEST(ParseDocumentHostile, DeepNesting) {
    std::string deep;
    for (int i = 0; i < 10000; ++i) deep += "<upd:A>";
    for (int i = 0; i < 10000; ++i) deep += "</upd:A>";
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", deep), Errc::limit_exceeded, "deeper");

    // A million levels (7 MB, under the size limit): pugixml and our checks are iterative, so no stack overflow.
    std::string deeper;
    deeper.reserve(7'000'000);
    for (int i = 0; i < 1'000'000; ++i) deeper += "<a>";
    for (int i = 0; i < 1'000'000; ++i) deeper += "</a>";
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", deeper), Errc::limit_exceeded, "deeper");
}

TEST(ParseDocumentHostile, HugeAttributeAndText) {
    std::string huge(10 * 1024 * 1024, 'a');
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", "<upd:X V=\"" + huge + "\" />"),
                    Errc::limit_exceeded, "attribute");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", "<upd:X>" + huge + "</upd:X>"),
                    Errc::limit_exceeded, "text node");
}

TEST(ParseDocumentHostile, SizeAndCountLimits) {
    std::string big(17 * 1024 * 1024, ' ');
    expect_rejected(minimal_doc() + big, Errc::limit_exceeded, "over the limit");
    ParseLimits small;
    small.max_nodes = 10;
    std::string many;
    for (int i = 0; i < 20; ++i) many += "<upd:X />";
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", many), Errc::limit_exceeded, "nodes",
                    small);
    std::string attrs = "<upd:X";
    for (int i = 0; i < 300; ++i) attrs += " a" + std::to_string(i) + "=\"1\"";
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1", attrs + " />"), Errc::limit_exceeded,
                    "attributes");
}

TEST(ParseDocumentHostile, TruncatedAtEveryOffset) {
    std::string xml = slurp(kDocs + "1f9bd9bb-7390-4aa3-bbdb-ded99fac2583-r200.xml");
    for (std::size_t n = 0; n < xml.size(); ++n) {
        auto r = parse_update_document(std::string_view(xml).substr(0, n));
        ASSERT_FALSE(r.has_value()) << "a document cut at " << n << " bytes was accepted";
    }
    EXPECT_TRUE(parse_update_document(xml).has_value());
}

TEST(ParseDocumentHostile, RandomCorruptionNeverCrashes) {
    std::string xml = slurp(kDocs + "266f6222-c89d-43f2-9f8a-69340271e677-r200.xml");
    std::uint64_t state = 12345;
    auto next = [&state] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 33;
    };
    const char alphabet[] = "<>&\"'=/:;!?x \x01\xff";
    int accepted = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string m = xml;
        for (int k = 0; k < 4; ++k) m[next() % m.size()] = alphabet[next() % (sizeof alphabet - 1)];
        if (parse_update_document(m)) ++accepted;  // some mutations land in text and stay valid
    }
    SUCCEED() << accepted << " of 2000 corrupted documents still parsed";
}

TEST(ParseDocumentHostile, WrongRootAndIdentity) {
    expect_rejected("", Errc::invalid_argument, "empty");
    expect_rejected("<Foo />", Errc::invalid_argument, "root element");
    expect_rejected(
        "<upd:Update xmlns:upd=\"urn:wrong\"><upd:UpdateIdentity UpdateID=\"1f9bd9bb-7390-4aa3-bbdb-ded99fac2583\" "
        "RevisionNumber=\"1\" /><upd:Properties UpdateType=\"Software\" /></upd:Update>",
        Errc::invalid_argument, "root element");
    expect_rejected(minimal_doc() + "<upd:Update xmlns:upd=\"http://schemas.microsoft.com/msus/2002/12/Update\" />",
                    Errc::invalid_argument, "more than one root");
    expect_rejected("just text", Errc::invalid_argument, "");
    expect_rejected(
        "<upd:Update xmlns:upd=\"http://schemas.microsoft.com/msus/2002/12/Update\"><upd:Properties "
        "UpdateType=\"Software\" /></upd:Update>",
        Errc::invalid_argument, "missing UpdateIdentity");
    expect_rejected(minimal_doc("not-a-guid"), Errc::invalid_argument, "not a GUID");
    expect_rejected(minimal_doc("{1f9bd9bb-7390-4aa3-bbdb-ded99fac2583}"), Errc::invalid_argument, "not a GUID");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac258g"), Errc::invalid_argument, "not a GUID");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "abc"), Errc::invalid_argument,
                    "not a valid number");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "-1"), Errc::invalid_argument,
                    "not a valid number");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "4294967296"), Errc::invalid_argument, "");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "2147483648"), Errc::invalid_argument,
                    "out of range");
    expect_rejected(minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1",
                                "<upd:Relationships><upd:Prerequisites><upd:UpdateIdentity UpdateID=\"x\" />"
                                "</upd:Prerequisites></upd:Relationships>"),
                    Errc::invalid_argument, "Prerequisites/UpdateIdentity");
    expect_rejected(
        minimal_doc("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", "1",
                    "<upd:Files><upd:File Digest=\"AA==\" DigestAlgorithm=\"SHA1\" Size=\"12x\" /></upd:Files>"),
        Errc::invalid_argument, "File/@Size");
    expect_rejected(
        "<upd:Update xmlns:upd=\"http://schemas.microsoft.com/msus/2002/12/Update\"><upd:UpdateIdentity "
        "UpdateID=\"1f9bd9bb-7390-4aa3-bbdb-ded99fac2583\" RevisionNumber=\"1\" /></upd:Update>",
        Errc::invalid_argument, "missing Properties");
}

}  // namespace
}  // namespace wsusd::metadata
