// UpdateDocument: what the server needs to know about one revision, read from its full update XML document
// (the XmlUpdateBlob of MS-WSUSSS GetUpdateData, as real WSUS stores it per revision). Plain data, no I/O.
//
// Every update id is a lower-case GUID string ("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583") whatever the case in the
// document; the original text (and its case, which the client fragments keep) stays in `raw_xml`. Strings that are
// absent in the document are empty; optional values that the document may omit are std::optional.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsusd::metadata {

/// ASCII case-insensitive equality (algorithm names, language tags).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// /Update/Properties/@UpdateType. `other` keeps documents with a type we do not know (the text is in update_type).
enum class UpdateKind { software, driver, category, detectoid, other };

/// A reference to another update, as in Relationships. Prerequisites and supersedence name an update (the
/// highest revision is meant); bundles name an exact revision.
struct UpdateRef {
    std::string update_id;                        ///< lower-case GUID
    std::optional<std::int32_t> revision_number;  ///< present in BundledUpdates, absent in Prerequisites
};

/// One clause of the prerequisite CNF (MS-WUSP §3.1.1: Prerequisite Table). A bare <UpdateIdentity> under
/// <Prerequisites> is a one-member clause (at_least_one = false); <AtLeastOne> is satisfied by any member.
struct PrerequisiteGroup {
    std::vector<std::string> update_ids;  ///< lower-case GUIDs
    bool at_least_one = false;            ///< came from an <AtLeastOne> element
    bool is_category = false;             ///< AtLeastOne/@IsCategory="true"
};

struct FileDigest {
    std::string algorithm;  ///< "SHA1", "SHA256", as written
    std::string value;      ///< base64, as written
};

/// /Update/Files/File: a payload file of the revision.
struct UpdateFile {
    std::string file_name;
    FileDigest digest;                           ///< @Digest + @DigestAlgorithm (SHA1 in every real document)
    std::vector<FileDigest> additional_digests;  ///< AdditionalDigest children (SHA256 since Windows 8)
    std::uint64_t size = 0;
    std::string modified;       ///< @Modified, xsd:dateTime as written
    std::string patching_type;  ///< @PatchingType ("Express", ...) if present
    bool is_encrypted = false;  ///< @IsEncrypted
    /// Where the file can be fetched from. The document never carries it: GetUpdateData sends it beside the
    /// documents (ServerSyncUrlData/MUUrl), so the importer fills it; the parser leaves it empty.
    std::string origin_uri;

    /// The digest with this algorithm (case-insensitive), primary or additional; nullptr if none.
    const FileDigest* find_digest(std::string_view algorithm) const {
        if (ascii_iequals(digest.algorithm, algorithm)) return &digest;
        for (const auto& d : additional_digests)
            if (ascii_iequals(d.algorithm, algorithm)) return &d;
        return nullptr;
    }
};

/// /Update/LocalizedPropertiesCollection/EulaFile: one localized EULA (MS-WUSP §3.1.1.1, footnote <44>).
struct EulaFile {
    std::string language;  ///< @Language
    std::string geo_id;    ///< @GeoId, empty = rest of world
    std::string file_name;
    FileDigest digest;
    std::vector<FileDigest> additional_digests;
    std::uint64_t size = 0;
};

/// /Update/LocalizedPropertiesCollection/LocalizedProperties: the texts of one language.
struct LocalizedText {
    std::string language;  ///< as written ("en", "pt-br", "zh-tw")
    std::string title;
    std::string description;
    std::string uninstall_notes;
    std::string more_info_url;
    std::string support_url;
};

/// InstallationBehavior / UninstallationBehavior children of Properties.
struct Behavior {
    std::string reboot_behavior;  ///< NeverReboots, AlwaysRequiresReboot, CanRequestReboot
    std::string impact;           ///< Normal, Minor, RequiresExclusiveHandling
    bool can_request_user_input = false;
    bool requires_network_connectivity = false;
};

/// HandlerSpecificData/CategoryInformation of a category document.
struct CategoryInfo {
    std::string category_type;  ///< Company, ProductFamily, Product, UpdateClassification, ...
    bool prohibits_subcategories = false;
    bool prohibits_updates = false;
    bool excluded_by_default = false;
    std::optional<std::int32_t> display_order;
};

struct DriverFeatureScore {
    std::string operating_system;  ///< "[Arch].[Major].[Minor]"
    std::string score;             ///< as written (0-255)
};

/// ApplicabilityRules/Metadata/WindowsDriverMetaData (MS-WUSP §3.1.1.1, Driver Table). A driver update has one
/// entry per hardware id it matches; compatible ids are listed the same way (the schema has no separate element).
struct DriverMetadata {
    std::string hardware_id;  ///< as written (case kept; matching is case-insensitive)
    std::string whql_driver_id;
    std::string driver_class;  ///< @Class
    std::string company;
    std::string provider;
    std::string manufacturer;
    std::string model;
    std::string driver_ver_date;     ///< xsd:date
    std::string driver_ver_version;  ///< a.b.c.d
    std::vector<std::string> compatible_providers;
    std::vector<DriverFeatureScore> feature_scores;
    std::vector<std::string> distribution_computer_hardware_ids;  ///< GUIDs, as written
    std::vector<std::string> target_computer_hardware_ids;        ///< GUIDs, as written
};

struct UpdateDocument {
    // Identity (/Update/UpdateIdentity).
    std::string update_id;  ///< lower-case GUID
    std::int32_t revision_number = 0;

    // /Update/Properties attributes.
    std::string update_type;  ///< as written: Software, Driver, Category, Detectoid
    UpdateKind kind = UpdateKind::other;
    std::string default_language;   ///< @DefaultPropertiesLanguage
    std::string handler;            ///< @Handler (a handler namespace URI); empty for bundles and detectoids
    std::string publication_state;  ///< Published, Expired, ...
    /// @CreationDate as written. WSUS shows it as the release date; the document has no other date.
    std::string creation_date;
    std::string publisher_id;
    std::string msrc_severity;  ///< @MsrcSeverity: Critical, Important, Moderate, Low (security updates)
    std::string eula_id;        ///< @EulaID
    std::string detectoid_type;
    std::string legacy_name;
    std::string os_upgrade;  ///< @OSUpgrade
    std::optional<bool> is_public;
    std::optional<bool> is_beta;
    std::optional<bool> explicitly_deployable;
    std::optional<bool> auto_select_on_websites;
    std::optional<bool> per_user;
    std::optional<bool> requires_reacceptance_of_eula;
    std::optional<std::uint64_t> max_download_size;
    std::optional<std::uint64_t> min_download_size;

    // /Update/Properties children.
    std::string kb_article_id;         ///< KBArticleID (digits, without "KB")
    std::string security_bulletin_id;  ///< SecurityBulletinID ("MS17-010")
    std::vector<std::string> cve_ids;  ///< CveID
    /// Properties/Language: the languages a language-specific update is for (language packs, per-language Office
    /// updates), as written; empty = the update is for every language. A server's language setting leaves the
    /// files of updates for other languages undownloaded.
    std::vector<std::string> languages;
    std::string support_url;           ///< Properties/SupportUrl (localized ones are in `localized`)
    std::optional<Behavior> installation;
    std::optional<Behavior> uninstallation;  ///< present = the update can be uninstalled

    // Texts.
    std::vector<LocalizedText> localized;

    // Relationships.
    std::vector<PrerequisiteGroup> prerequisites;
    /// Categories the update belongs to. After parsing: the members of AtLeastOne IsCategory="true" clauses.
    /// WSUS decides membership by looking the prerequisite ids up among known categories (many real documents,
    /// Defender's included, omit IsCategory); assign_categories() does that and fills the two lists below.
    std::vector<std::string> category_ids;
    std::vector<std::string> classification_ids;         ///< filled by assign_categories()
    std::vector<std::string> product_ids;                ///< filled by assign_categories()
    std::vector<std::vector<UpdateRef>> bundled_groups;  ///< one per BundledUpdates/AtLeastOne
    std::vector<UpdateRef> bundled_updates;              ///< all of bundled_groups, in document order
    std::vector<std::string> superseded_update_ids;      ///< SupersededUpdates/UpdateIdentity, lower-case

    // Content and handler.
    std::vector<UpdateFile> files;
    std::vector<EulaFile> eula_files;
    std::vector<DriverMetadata> drivers;
    std::optional<CategoryInfo> category;  ///< categories only
    std::string handler_specific_type;     ///< HandlerSpecificData/@xsi:type ("cmd:CommandLineInstallation")

    // Derived shape. is_bundle: it bundles other revisions. is_leaf: what WSUS sends as UpdateInfo/IsLeaf —
    // not a bundle, and for categories "cannot have subcategories" (the real scan shows IsLeaf false for a
    // Company and a ProductFamily, true for a Product with ProhibitsSubcategories="true").
    bool is_bundle = false;
    bool is_leaf = true;

    std::string raw_xml;  ///< the document as received (UTF-8)

    bool is_category() const { return kind == UpdateKind::category; }
    const std::string& category_type() const {
        static const std::string empty;
        return category ? category->category_type : empty;
    }
    /// The texts for `language` (exact, case-insensitive), else nullptr.
    const LocalizedText* localized_for(std::string_view language) const {
        for (const auto& l : localized)
            if (ascii_iequals(l.language, language)) return &l;
        return nullptr;
    }
};

}  // namespace wsusd::metadata
