// The derived MS-WUSP fragments against what a real WSUS sent a real Windows client for the same documents
// (/work/shared/captures/wsus-m0-wsusss/{docs,wusp-reference} and wsus-m0-native/scan; provenance:
// /work/shared/captures/PROVENANCE.md).
#include "metadata/fragments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace wsusd::metadata {
namespace {

const std::string kCaptures = std::string(WSUSD_SHARED_DIR) + "/captures/";
const std::string kDocs = kCaptures + "wsus-m0-wsusss/docs/";
const std::string kRefs = kCaptures + "wsus-m0-wsusss/wusp-reference/";

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    EXPECT_TRUE(f.good()) << path;
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// The references have the SupportUrl LinkId sanitized to REDACTED; compare modulo that value.
std::string normalize_link_ids(std::string s) {
    const std::string key = "LinkId=";
    for (std::size_t pos = s.find(key); pos != std::string::npos; pos = s.find(key, pos + key.size())) {
        std::size_t end = s.find_first_of("&\"<", pos + key.size());
        s.replace(pos + key.size(), (end == std::string::npos ? s.size() : end) - pos - key.size(), "REDACTED");
    }
    return s;
}

// Canonical comparison: fragments are element sequences, so wrap them in one root, then compare element names,
// attributes as sorted (name, value) sets and text, in document order. Returns "" when equal, else where they differ.
std::string canonical_diff(const pugi::xml_node& a, const pugi::xml_node& b, const std::string& path) {
    if (a.type() != b.type()) return path + ": node types differ";
    if (a.type() == pugi::node_pcdata || a.type() == pugi::node_cdata)
        return std::string_view(a.value()) == b.value()
                   ? ""
                   : path + ": text \"" + a.value() + "\" vs \"" + b.value() + "\"";
    if (std::string_view(a.name()) != b.name()) return path + ": <" + a.name() + "> vs <" + b.name() + ">";
    auto attrs = [](const pugi::xml_node& n) {
        std::vector<std::pair<std::string, std::string>> v;
        for (auto at : n.attributes()) v.emplace_back(at.name(), at.value());
        std::sort(v.begin(), v.end());
        return v;
    };
    if (attrs(a) != attrs(b)) return path + "/" + a.name() + ": attributes differ";
    pugi::xml_node ca = a.first_child(), cb = b.first_child();
    for (int i = 0; ca || cb; ++i, ca = ca.next_sibling(), cb = cb.next_sibling()) {
        if (!ca || !cb) return path + "/" + a.name() + ": child counts differ";
        if (auto d = canonical_diff(ca, cb, path + "/" + a.name() + "[" + std::to_string(i) + "]"); !d.empty())
            return d;
    }
    return "";
}

std::string canonical_compare(const std::string& expected, const std::string& actual) {
    pugi::xml_document de, da;
    std::string we = "<fragment>" + normalize_link_ids(expected) + "</fragment>";
    std::string wa = "<fragment>" + normalize_link_ids(actual) + "</fragment>";
    if (!de.load_string(we.c_str())) return "expected fragment does not parse";
    if (!da.load_string(wa.c_str())) return "derived fragment does not parse";
    return canonical_diff(de.document_element(), da.document_element(), "");
}

std::vector<std::string> doc_stems() {
    std::vector<std::string> stems;
    for (const auto& e : std::filesystem::directory_iterator(kDocs))
        if (e.path().extension() == ".xml") stems.push_back(e.path().stem().string());
    std::sort(stems.begin(), stems.end());
    return stems;
}

TEST(Fragments, LinkIdNormalization) {
    EXPECT_EQ(normalize_link_ids("<SupportUrl>http://x/?LinkId=12345&amp;a=1</SupportUrl>"),
              "<SupportUrl>http://x/?LinkId=REDACTED&amp;a=1</SupportUrl>");
    EXPECT_EQ(normalize_link_ids("<SupportUrl>http://x/?LinkId=REDACTED</SupportUrl>"),
              "<SupportUrl>http://x/?LinkId=REDACTED</SupportUrl>");
}

TEST(Fragments, AllFiveDocumentsPresent) { EXPECT_EQ(doc_stems().size(), 5u); }

// Every reference fragment the capture holds equals ours: canonically and, in fact, byte for byte.
TEST(Fragments, MatchRealWsusReferences) {
    int compared = 0;
    for (const auto& stem : doc_stems()) {
        auto parsed = parse_and_derive(slurp(kDocs + stem + ".xml"));
        ASSERT_TRUE(parsed) << stem << ": " << parsed.error().message;
        const Fragments& f = parsed->fragments;
        std::map<std::string, std::string> ours = {{"core", f.core}, {"extended", f.extended}};
        for (const auto& [lang, xml] : f.localized) ours["localized-" + lang] = xml;
        for (const auto& [kind, derived] : ours) {
            std::string ref_path = kRefs + stem + "." + kind + ".xml";
            if (!std::filesystem::exists(ref_path)) continue;
            std::string ref = slurp(ref_path);
            EXPECT_EQ(canonical_compare(ref, derived), "") << stem << " " << kind;
            EXPECT_EQ(normalize_link_ids(ref), normalize_link_ids(derived)) << stem << " " << kind << " (bytes)";
            ++compared;
        }
    }
    EXPECT_EQ(compared, 10);  // 5 core, 2 extended, 3 localized-en
}

// Core keeps the original id case (WSUS copies the node), and the rule prefixes follow the namespace URI.
TEST(Fragments, CoreDetails) {
    auto p = parse_and_derive(slurp(kDocs + "56309036-4c77-4dd9-951a-99ee9c246a94-r101.xml"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->fragments.core,
              "<UpdateIdentity UpdateID=\"56309036-4C77-4DD9-951A-99EE9C246A94\" RevisionNumber=\"101\" />"
              "<Properties UpdateType=\"Category\" /><ApplicabilityRules><IsInstalled><True /></IsInstalled>"
              "</ApplicabilityRules>");
    EXPECT_EQ(p->fragments.localized.size(), 24u);

    std::string xml =
        "<u:Update xmlns:u=\"http://schemas.microsoft.com/msus/2002/12/Update\" "
        "xmlns:x=\"http://schemas.microsoft.com/msus/2002/12/BaseApplicabilityRules\">"
        "<u:UpdateIdentity UpdateID=\"1f9bd9bb-7390-4aa3-bbdb-ded99fac2583\" RevisionNumber=\"5\" />"
        "<u:Properties UpdateType=\"Driver\" ExplicitlyDeployable=\"true\" EulaID=\"e\" PublisherID=\"p\" "
        "MsrcSeverity=\"Critical\"><u:KBArticleID>123</u:KBArticleID></u:Properties>"
        "<u:ApplicabilityRules><u:IsInstalled><x:RegKeyExists Key=\"HKEY_LOCAL_MACHINE\" Subkey=\"A&amp;B\" "
        "/></u:IsInstalled>"
        "<u:IsInstallable><msi:ProductInstalled "
        "xmlns:msi=\"http://schemas.microsoft.com/msus/2002/12/MsiApplicabilityRules\" "
        "ProductCode=\"{X}\" /></u:IsInstallable><u:Metadata><d:WindowsDriverMetaData "
        "xmlns:d=\"http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/WindowsDriver\" HardwareID=\"h\" />"
        "</u:Metadata></u:ApplicabilityRules></u:Update>";
    auto d = parse_and_derive(xml);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(
        d->fragments.core,
        "<UpdateIdentity UpdateID=\"1f9bd9bb-7390-4aa3-bbdb-ded99fac2583\" RevisionNumber=\"5\" />"
        "<Properties UpdateType=\"Driver\" ExplicitlyDeployable=\"true\" EulaID=\"e\" /><ApplicabilityRules>"
        "<IsInstalled><b.RegKeyExists Key=\"HKEY_LOCAL_MACHINE\" Subkey=\"A&amp;B\" /></IsInstalled><IsInstallable>"
        "<m.ProductInstalled ProductCode=\"{X}\" /></IsInstallable><Metadata><d.WindowsDriverMetaData HardwareID=\"h\" "
        "/>"
        "</Metadata></ApplicabilityRules>");
    EXPECT_EQ(d->fragments.extended,
              "<ExtendedProperties MsrcSeverity=\"Critical\"><KBArticleID>123</KBArticleID>"
              "</ExtendedProperties>");
    EXPECT_EQ(d->document.msrc_severity, "Critical");
    EXPECT_EQ(d->document.kb_article_id, "123");
}

TEST(Fragments, EulaAndEscaping) {
    std::string xml =
        "<upd:Update xmlns:upd=\"http://schemas.microsoft.com/msus/2002/12/Update\">"
        "<upd:UpdateIdentity UpdateID=\"1f9bd9bb-7390-4aa3-bbdb-ded99fac2583\" RevisionNumber=\"1\" />"
        "<upd:Properties UpdateType=\"Software\" EulaID=\"x\" />"
        "<upd:LocalizedPropertiesCollection><upd:LocalizedProperties><upd:Language>de</upd:Language>"
        "<upd:Title>A &lt;b&gt; &amp; &quot;c&quot;</upd:Title></upd:LocalizedProperties>"
        "<upd:EulaFile Digest=\"AAAA\" DigestAlgorithm=\"SHA1\" FileName=\"e.txt\" Size=\"3\" Language=\"de\" "
        "GeoId=\"DEU\">"
        "<upd:AdditionalDigest Algorithm=\"SHA256\">BBBB</upd:AdditionalDigest></upd:EulaFile>"
        "</upd:LocalizedPropertiesCollection></upd:Update>";
    auto p = parse_and_derive(xml);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(
        p->fragments.localized.at("de"),
        "<LocalizedProperties><Language>de</Language><Title>A &lt;b&gt; &amp; \"c\"</Title></LocalizedProperties>");
    ASSERT_EQ(p->fragments.eulas.size(), 1u);
    EXPECT_EQ(p->fragments.eulas[0].language, "de");
    EXPECT_EQ(p->fragments.eulas[0].geo_id, "DEU");
    EXPECT_EQ(p->fragments.eulas[0].xml,
              "<EulaFile Digest=\"AAAA\" DigestAlgorithm=\"SHA1\" FileName=\"e.txt\" Size=\"3\" Language=\"de\" "
              "GeoId=\"DEU\"><AdditionalDigest Algorithm=\"SHA256\">BBBB</AdditionalDigest></EulaFile>");
    EXPECT_EQ(p->fragments.extended, "<ExtendedProperties />");
}

TEST(Fragments, DeriveFromDocumentEqualsSingleParse) {
    for (const auto& stem : doc_stems()) {
        std::string xml = slurp(kDocs + stem + ".xml");
        auto once = parse_and_derive(xml);
        auto doc = parse_update_document(xml);
        ASSERT_TRUE(once && doc);
        auto again = derive_fragments(*doc);
        ASSERT_TRUE(again);
        EXPECT_EQ(again->core, once->fragments.core);
        EXPECT_EQ(again->extended, once->fragments.extended);
        EXPECT_EQ(again->localized, once->fragments.localized);
    }
}

// The native client scan: SyncUpdates (core in UpdateInfo/Xml) and GetExtendedUpdateInfo (extended and
// localized for the two categories whose documents we hold). The capture has no reference file for the category
// extended fragments, so this is their oracle.
TEST(Fragments, MatchNativeScanResponses) {
    const std::string scan = kCaptures + "wsus-m0-native/scan/";
    std::map<std::string, std::string> revision_to_update;  // server revision id -> lower-case update id
    std::map<std::string, std::string> core_by_update;
    for (const char* exchange : {"000006", "000007", "000008"}) {
        pugi::xml_document resp;
        ASSERT_TRUE(resp.load_file((scan + exchange + "/response.body").c_str()));
        for (auto info : resp.select_nodes("//*[local-name()='UpdateInfo']")) {
            std::string id = info.node().child("ID").text().get();
            std::string core = info.node().child("Xml").text().get();
            std::size_t at = core.find("UpdateID=\"");
            ASSERT_NE(at, std::string::npos);
            std::string uid = core.substr(at + 10, 36);
            std::transform(uid.begin(), uid.end(), uid.begin(), ::tolower);
            revision_to_update[id] = uid;
            core_by_update[uid] = core;
        }
    }
    pugi::xml_document ext;
    ASSERT_TRUE(ext.load_file((scan + "000010/response.body").c_str()));
    int compared = 0;
    for (const auto& stem : doc_stems()) {
        auto p = parse_and_derive(slurp(kDocs + stem + ".xml"));
        ASSERT_TRUE(p);
        const std::string& uid = p->document.update_id;
        if (core_by_update.contains(uid)) {
            EXPECT_EQ(core_by_update[uid], p->fragments.core) << stem;
            ++compared;
        }
        for (auto u : ext.select_nodes("//*[local-name()='Update']")) {
            if (revision_to_update[u.node().child("ID").text().get()] != uid) continue;
            std::string xml = u.node().child("Xml").text().get();
            const std::string& ours =
                xml.starts_with("<ExtendedProperties") ? p->fragments.extended : p->fragments.localized.at("en");
            EXPECT_EQ(canonical_compare(xml, ours), "") << stem;
            EXPECT_EQ(xml, ours) << stem;
            ++compared;
        }
    }
    EXPECT_EQ(compared, 6);  // two cores, two extended, two localized
}

}  // namespace
}  // namespace wsusd::metadata
