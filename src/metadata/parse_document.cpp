#include "metadata/parse_document.h"

#include "util/guid.h"

#include <charconv>
#include <cctype>
#include <cstring>
#include <limits>
#include <pugixml.hpp>
#include <string>
#include <utility>

namespace wsusd::metadata {

namespace xml {

std::string_view local_name(std::string_view qualified_name) {
    auto colon = qualified_name.find(':');
    return colon == std::string_view::npos ? qualified_name : qualified_name.substr(colon + 1);
}

std::string_view namespace_of(const pugi::xml_node& element) {
    std::string_view name = element.name();
    auto colon = name.find(':');
    std::string_view prefix = colon == std::string_view::npos ? std::string_view{} : name.substr(0, colon);
    if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
    for (pugi::xml_node n = element; n && n.type() == pugi::node_element; n = n.parent()) {
        for (pugi::xml_attribute a : n.attributes()) {
            std::string_view an = a.name();
            if (an.size() < 5 || an.substr(0, 5) != "xmlns") continue;
            if (prefix.empty() ? an.size() == 5
                               : (an.size() == 6 + prefix.size() && an[5] == ':' && an.substr(6) == prefix))
                return a.value();
        }
    }
    return {};
}

}  // namespace xml

namespace {

using xml::local_name;
using xml::namespace_of;

std::unexpected<Error> bad(std::string what) { return fail(Errc::invalid_argument, "update document: " + what); }

bool is_upd(const pugi::xml_node& n, std::string_view local) {
    return n.type() == pugi::node_element && local_name(n.name()) == local && namespace_of(n) == ns::kUpdate;
}

pugi::xml_node upd_child(const pugi::xml_node& parent, std::string_view local) {
    for (pugi::xml_node c : parent.children())
        if (is_upd(c, local)) return c;
    return {};
}

// Children of handler-specific and rule elements are matched by local name only: the XPATHs of MS-WUSP §3.1.1.1
// are unqualified and the handler namespaces vary.
pugi::xml_node child_local(const pugi::xml_node& parent, std::string_view local) {
    for (pugi::xml_node c : parent.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == local) return c;
    return {};
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Case-insensitive search for "<!" + word, used to refuse DOCTYPE and ENTITY declarations before pugixml sees them.
bool contains_markup_declaration(std::string_view xml, std::string_view word) {
    for (std::size_t pos = xml.find("<!"); pos != std::string_view::npos; pos = xml.find("<!", pos + 2)) {
        if (xml.size() - pos - 2 < word.size()) return false;
        bool same = true;
        for (std::size_t i = 0; i < word.size() && same; ++i) {
            char c = xml[pos + 2 + i];
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            same = c == word[i];
        }
        if (same) return true;
    }
    return false;
}

// A Namespaces-in-XML QName (prefix:local or local, each an NCName; non-ASCII accepted as name characters).
// pugixml is lenient about names, and fragments drop prefixes, so "xsi:4ype" would become the invalid name "4ype"
// in what clients parse; such documents are refused here.
bool valid_qname(std::string_view name) {
    auto start_char = [](unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; };
    auto name_char = [&](unsigned char c) { return start_char(c) || std::isdigit(c) || c == '-' || c == '.'; };
    std::size_t colon = name.find(':');
    if (colon != std::string_view::npos && name.find(':', colon + 1) != std::string_view::npos) return false;
    for (std::string_view part : {colon == std::string_view::npos ? name : name.substr(0, colon),
                                  colon == std::string_view::npos ? std::string_view("x") : name.substr(colon + 1)}) {
        if (part.empty() || !start_char(static_cast<unsigned char>(part[0]))) return false;
        for (unsigned char c : part)
            if (!name_char(c)) return false;
    }
    return true;
}

// Bounds the parsed tree without recursion (pugixml itself parses iteratively, so deep input cannot overflow it).
Result<void> check_tree(const pugi::xml_document& doc, const ParseLimits& limits) {
    std::size_t nodes = 0;
    std::size_t depth = 1;
    pugi::xml_node cur = doc.first_child();
    while (cur) {
        if (++nodes > limits.max_nodes)
            return fail(Errc::limit_exceeded,
                        "update document: more than " + std::to_string(limits.max_nodes) + " nodes");
        if (cur.type() == pugi::node_element) {
            if (!valid_qname(cur.name()))
                return fail(Errc::invalid_argument,
                            "update document: element name '" + std::string(cur.name()).substr(0, 64) + "' is not a QName");
            if (depth > limits.max_depth)
                return fail(Errc::limit_exceeded,
                            "update document: elements nest deeper than " + std::to_string(limits.max_depth));
            std::size_t count = 0;
            for (pugi::xml_attribute a : cur.attributes()) {
                if (++count > limits.max_attributes_per_element)
                    return fail(Errc::limit_exceeded,
                                "update document: element <" + std::string(cur.name()) + "> has more than " +
                                    std::to_string(limits.max_attributes_per_element) + " attributes");
                if (!valid_qname(a.name()))
                    return fail(Errc::invalid_argument, "update document: attribute name '" +
                                                            std::string(a.name()).substr(0, 64) + "' of <" +
                                                            std::string(cur.name()).substr(0, 64) + "> is not a QName");
                if (std::strlen(a.value()) > limits.max_attribute_bytes ||
                    std::strlen(a.name()) > limits.max_attribute_bytes)
                    return fail(Errc::limit_exceeded, "update document: attribute " +
                                                          std::string(a.name()).substr(0, 64) + " of <" +
                                                          std::string(cur.name()).substr(0, 64) + "> is longer than " +
                                                          std::to_string(limits.max_attribute_bytes) + " bytes");
            }
        } else if (cur.type() == pugi::node_pcdata || cur.type() == pugi::node_cdata) {
            if (std::strlen(cur.value()) > limits.max_text_bytes)
                return fail(Errc::limit_exceeded, "update document: a text node is longer than " +
                                                      std::to_string(limits.max_text_bytes) + " bytes");
        }
        if (pugi::xml_node child = cur.first_child()) {
            cur = child;
            ++depth;
            continue;
        }
        while (cur && !cur.next_sibling()) {
            cur = cur.parent();
            --depth;
            if (cur == doc) cur = {};
        }
        if (cur) cur = cur.next_sibling();
    }
    return {};
}

Result<std::string> guid_attr(const pugi::xml_node& n, const char* attr, std::string_view where) {
    pugi::xml_attribute a = n.attribute(attr);
    if (!a) return bad(std::string(where) + " has no " + attr);
    std::string_view v = a.value();
    if (!is_guid(v))
        return bad(std::string(where) + "/@" + attr + " \"" + std::string(v.substr(0, 64)) + "\" is not a GUID");
    return lower(v);
}

template <class Int>
Result<Int> parse_uint(std::string_view text, std::string_view where) {
    Int value{};
    bool digits_only = !text.empty() && text.size() <= 20;
    for (char c : text) digits_only = digits_only && c >= '0' && c <= '9';
    if (digits_only) {
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec == std::errc() && end == text.data() + text.size()) return value;
    }
    return bad(std::string(where) + " \"" + std::string(text.substr(0, 64)) + "\" is not a valid number");
}

Result<std::int32_t> parse_revision(std::string_view text, std::string_view where) {
    auto v = parse_uint<std::uint32_t>(text, where);
    if (!v) return std::unexpected(v.error());
    if (*v > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()))
        return bad(std::string(where) + " \"" + std::string(text) + "\" is out of range");
    return static_cast<std::int32_t>(*v);
}

Result<bool> parse_bool(std::string_view text, std::string_view where) {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    return bad(std::string(where) + " \"" + std::string(text.substr(0, 64)) + "\" is not a boolean");
}

// Shorthand: evaluate a Result expression, return its error from the enclosing function, else yield the value.
#define WSUSD_TRY(var, expr)                                         \
    auto var##_result = (expr);                                      \
    if (!var##_result) return std::unexpected(var##_result.error()); \
    auto var = std::move(*var##_result)

Result<UpdateRef> parse_ref(const pugi::xml_node& identity, std::string_view where) {
    WSUSD_TRY(id, guid_attr(identity, "UpdateID", where));
    UpdateRef ref{std::move(id), std::nullopt};
    if (pugi::xml_attribute rev = identity.attribute("RevisionNumber")) {
        WSUSD_TRY(r, parse_revision(rev.value(), std::string(where) + "/@RevisionNumber"));
        ref.revision_number = r;
    }
    return ref;
}

Result<Behavior> parse_behavior(const pugi::xml_node& n, std::string_view where) {
    Behavior b;
    b.reboot_behavior = n.attribute("RebootBehavior").value();
    b.impact = n.attribute("Impact").value();
    if (pugi::xml_attribute a = n.attribute("CanRequestUserInput")) {
        WSUSD_TRY(v, parse_bool(a.value(), std::string(where) + "/@CanRequestUserInput"));
        b.can_request_user_input = v;
    }
    if (pugi::xml_attribute a = n.attribute("RequiresNetworkConnectivity")) {
        WSUSD_TRY(v, parse_bool(a.value(), std::string(where) + "/@RequiresNetworkConnectivity"));
        b.requires_network_connectivity = v;
    }
    return b;
}

Result<void> parse_properties(const pugi::xml_node& props, UpdateDocument& doc) {
    auto opt_bool = [](const pugi::xml_attribute& a, std::optional<bool>& out) -> Result<void> {
        WSUSD_TRY(v, parse_bool(a.value(), std::string("Properties/@") + a.name()));
        out = v;
        return {};
    };
    auto opt_size = [](const pugi::xml_attribute& a, std::optional<std::uint64_t>& out) -> Result<void> {
        WSUSD_TRY(v, parse_uint<std::uint64_t>(a.value(), std::string("Properties/@") + a.name()));
        out = v;
        return {};
    };
    for (pugi::xml_attribute a : props.attributes()) {
        std::string_view name = a.name();
        Result<void> r;
        if (name == "UpdateType")
            doc.update_type = a.value();
        else if (name == "DefaultPropertiesLanguage")
            doc.default_language = a.value();
        else if (name == "Handler")
            doc.handler = a.value();
        else if (name == "PublicationState")
            doc.publication_state = a.value();
        else if (name == "CreationDate")
            doc.creation_date = a.value();
        else if (name == "PublisherID")
            doc.publisher_id = a.value();
        else if (name == "MsrcSeverity")
            doc.msrc_severity = a.value();
        else if (name == "EulaID")
            doc.eula_id = a.value();
        else if (name == "DetectoidType")
            doc.detectoid_type = a.value();
        else if (name == "LegacyName")
            doc.legacy_name = a.value();
        else if (name == "OSUpgrade")
            doc.os_upgrade = a.value();
        else if (name == "IsPublic")
            r = opt_bool(a, doc.is_public);
        else if (name == "IsBeta")
            r = opt_bool(a, doc.is_beta);
        else if (name == "ExplicitlyDeployable")
            r = opt_bool(a, doc.explicitly_deployable);
        else if (name == "AutoSelectOnWebSites")
            r = opt_bool(a, doc.auto_select_on_websites);
        else if (name == "PerUser")
            r = opt_bool(a, doc.per_user);
        else if (name == "RequiresReacceptanceOfEula")
            r = opt_bool(a, doc.requires_reacceptance_of_eula);
        else if (name == "MaxDownloadSize")
            r = opt_size(a, doc.max_download_size);
        else if (name == "MinDownloadSize")
            r = opt_size(a, doc.min_download_size);
        if (!r) return r;
    }
    if (doc.update_type.empty()) return bad("Properties has no UpdateType");
    if (doc.update_type == "Software")
        doc.kind = UpdateKind::software;
    else if (doc.update_type == "Driver")
        doc.kind = UpdateKind::driver;
    else if (doc.update_type == "Category")
        doc.kind = UpdateKind::category;
    else if (doc.update_type == "Detectoid")
        doc.kind = UpdateKind::detectoid;
    else
        doc.kind = UpdateKind::other;

    for (pugi::xml_node c : props.children()) {
        if (c.type() != pugi::node_element || namespace_of(c) != ns::kUpdate) continue;
        std::string_view name = local_name(c.name());
        if (name == "InstallationBehavior") {
            WSUSD_TRY(b, parse_behavior(c, "InstallationBehavior"));
            doc.installation = std::move(b);
        } else if (name == "UninstallationBehavior") {
            WSUSD_TRY(b, parse_behavior(c, "UninstallationBehavior"));
            doc.uninstallation = std::move(b);
        } else if (name == "KBArticleID") {
            doc.kb_article_id = c.text().get();
        } else if (name == "SecurityBulletinID") {
            doc.security_bulletin_id = c.text().get();
        } else if (name == "CveID") {
            doc.cve_ids.emplace_back(c.text().get());
        } else if (name == "Language") {
            if (std::string l = c.text().get(); !l.empty()) doc.languages.push_back(std::move(l));
        } else if (name == "SupportUrl") {
            doc.support_url = c.text().get();
        }
    }
    return {};
}

Result<std::vector<FileDigest>> parse_additional_digests(const pugi::xml_node& file) {
    std::vector<FileDigest> out;
    for (pugi::xml_node c : file.children()) {
        if (!is_upd(c, "AdditionalDigest")) continue;
        FileDigest d{c.attribute("Algorithm").value(), c.text().get()};
        if (d.algorithm.empty() || d.value.empty()) return bad("AdditionalDigest without Algorithm or value");
        out.push_back(std::move(d));
    }
    return out;
}

Result<void> parse_localized(const pugi::xml_node& collection, UpdateDocument& doc) {
    for (pugi::xml_node c : collection.children()) {
        if (is_upd(c, "LocalizedProperties")) {
            LocalizedText t;
            for (pugi::xml_node f : c.children()) {
                if (f.type() != pugi::node_element || namespace_of(f) != ns::kUpdate) continue;
                std::string_view name = local_name(f.name());
                std::string value = f.text().get();
                if (name == "Language")
                    t.language = std::move(value);
                else if (name == "Title")
                    t.title = std::move(value);
                else if (name == "Description")
                    t.description = std::move(value);
                else if (name == "UninstallNotes")
                    t.uninstall_notes = std::move(value);
                else if (name == "MoreInfoUrl")
                    t.more_info_url = std::move(value);
                else if (name == "SupportUrl")
                    t.support_url = std::move(value);
            }
            if (t.language.empty()) return bad("LocalizedProperties without Language");
            doc.localized.push_back(std::move(t));
        } else if (is_upd(c, "EulaFile")) {
            EulaFile e;
            e.language = c.attribute("Language").value();
            e.geo_id = c.attribute("GeoId").value();
            e.file_name = c.attribute("FileName").value();
            e.digest = {c.attribute("DigestAlgorithm").value(), c.attribute("Digest").value()};
            if (e.language.empty() || e.digest.value.empty()) return bad("EulaFile without Language or Digest");
            WSUSD_TRY(size, parse_uint<std::uint64_t>(c.attribute("Size").value(), "EulaFile/@Size"));
            e.size = size;
            WSUSD_TRY(extra, parse_additional_digests(c));
            e.additional_digests = std::move(extra);
            doc.eula_files.push_back(std::move(e));
        }
    }
    return {};
}

Result<void> parse_relationships(const pugi::xml_node& rel, UpdateDocument& doc) {
    if (pugi::xml_node pre = upd_child(rel, "Prerequisites")) {
        for (pugi::xml_node c : pre.children()) {
            if (is_upd(c, "UpdateIdentity")) {
                WSUSD_TRY(id, guid_attr(c, "UpdateID", "Prerequisites/UpdateIdentity"));
                doc.prerequisites.push_back(PrerequisiteGroup{{std::move(id)}, false, false});
            } else if (is_upd(c, "AtLeastOne")) {
                PrerequisiteGroup g;
                g.at_least_one = true;
                if (pugi::xml_attribute a = c.attribute("IsCategory")) {
                    WSUSD_TRY(v, parse_bool(a.value(), "AtLeastOne/@IsCategory"));
                    g.is_category = v;
                }
                for (pugi::xml_node m : c.children()) {
                    if (!is_upd(m, "UpdateIdentity")) continue;
                    WSUSD_TRY(id, guid_attr(m, "UpdateID", "Prerequisites/AtLeastOne/UpdateIdentity"));
                    if (g.is_category) doc.category_ids.push_back(id);
                    g.update_ids.push_back(std::move(id));
                }
                if (g.update_ids.empty()) return bad("Prerequisites/AtLeastOne is empty");
                doc.prerequisites.push_back(std::move(g));
            }
        }
    }
    if (pugi::xml_node bundled = upd_child(rel, "BundledUpdates")) {
        for (pugi::xml_node group : bundled.children()) {
            // The schema wraps bundled identities in AtLeastOne; a bare identity is kept as a one-member group.
            std::vector<UpdateRef> refs;
            if (is_upd(group, "AtLeastOne")) {
                for (pugi::xml_node m : group.children()) {
                    if (!is_upd(m, "UpdateIdentity")) continue;
                    WSUSD_TRY(ref, parse_ref(m, "BundledUpdates/AtLeastOne/UpdateIdentity"));
                    refs.push_back(std::move(ref));
                }
            } else if (is_upd(group, "UpdateIdentity")) {
                WSUSD_TRY(ref, parse_ref(group, "BundledUpdates/UpdateIdentity"));
                refs.push_back(std::move(ref));
            } else {
                continue;
            }
            if (refs.empty()) return bad("BundledUpdates/AtLeastOne is empty");
            doc.bundled_updates.insert(doc.bundled_updates.end(), refs.begin(), refs.end());
            doc.bundled_groups.push_back(std::move(refs));
        }
    }
    if (pugi::xml_node superseded = upd_child(rel, "SupersededUpdates")) {
        for (pugi::xml_node m : superseded.children()) {
            if (!is_upd(m, "UpdateIdentity")) continue;
            WSUSD_TRY(id, guid_attr(m, "UpdateID", "SupersededUpdates/UpdateIdentity"));
            doc.superseded_update_ids.push_back(std::move(id));
        }
    }
    return {};
}

Result<void> parse_files(const pugi::xml_node& files, UpdateDocument& doc) {
    for (pugi::xml_node f : files.children()) {
        if (!is_upd(f, "File")) continue;
        UpdateFile file;
        file.file_name = f.attribute("FileName").value();
        file.digest = {f.attribute("DigestAlgorithm").value(), f.attribute("Digest").value()};
        if (file.digest.value.empty() || file.digest.algorithm.empty())
            return bad("File without Digest or DigestAlgorithm");
        WSUSD_TRY(size, parse_uint<std::uint64_t>(f.attribute("Size").value(), "File/@Size"));
        file.size = size;
        file.modified = f.attribute("Modified").value();
        file.patching_type = f.attribute("PatchingType").value();
        if (pugi::xml_attribute a = f.attribute("IsEncrypted")) {
            WSUSD_TRY(v, parse_bool(a.value(), "File/@IsEncrypted"));
            file.is_encrypted = v;
        }
        WSUSD_TRY(extra, parse_additional_digests(f));
        file.additional_digests = std::move(extra);
        doc.files.push_back(std::move(file));
    }
    return {};
}

void parse_driver_metadata(const pugi::xml_node& rules, UpdateDocument& doc) {
    pugi::xml_node metadata = upd_child(rules, "Metadata");
    if (!metadata) return;
    for (pugi::xml_node m : metadata.children()) {
        if (m.type() != pugi::node_element || local_name(m.name()) != "WindowsDriverMetaData") continue;
        DriverMetadata d;
        d.hardware_id = m.attribute("HardwareID").value();
        d.whql_driver_id = m.attribute("WhqlDriverID").value();
        d.driver_class = m.attribute("Class").value();
        d.company = m.attribute("Company").value();
        d.provider = m.attribute("Provider").value();
        d.manufacturer = m.attribute("Manufacturer").value();
        d.model = m.attribute("Model").value();
        d.driver_ver_date = m.attribute("DriverVerDate").value();
        d.driver_ver_version = m.attribute("DriverVerVersion").value();
        for (pugi::xml_node c : m.children()) {
            if (c.type() != pugi::node_element) continue;
            std::string_view name = local_name(c.name());
            if (name == "CompatibleProvider")
                d.compatible_providers.emplace_back(c.text().get());
            else if (name == "FeatureScore")
                d.feature_scores.push_back(
                    {c.attribute("OperatingSystem").value(), c.attribute("FeatureScore").value()});
            else if (name == "DistributionComputerHardwareId")
                d.distribution_computer_hardware_ids.emplace_back(c.text().get());
            else if (name == "TargetComputerHardwareId")
                d.target_computer_hardware_ids.emplace_back(c.text().get());
        }
        doc.drivers.push_back(std::move(d));
    }
}

Result<void> parse_handler_data(const pugi::xml_node& hsd, UpdateDocument& doc) {
    for (pugi::xml_attribute a : hsd.attributes())
        if (local_name(a.name()) == "type" && std::string_view(a.name()) != "type")
            doc.handler_specific_type = a.value();
    if (pugi::xml_node info = child_local(hsd, "CategoryInformation")) {
        CategoryInfo c;
        c.category_type = info.attribute("CategoryType").value();
        auto flag = [&](const char* name, bool& out) -> Result<void> {
            if (pugi::xml_attribute a = info.attribute(name)) {
                WSUSD_TRY(v, parse_bool(a.value(), std::string("CategoryInformation/@") + name));
                out = v;
            }
            return {};
        };
        if (auto r = flag("ProhibitsSubcategories", c.prohibits_subcategories); !r) return r;
        if (auto r = flag("ProhibitsUpdates", c.prohibits_updates); !r) return r;
        if (auto r = flag("ExcludedByDefault", c.excluded_by_default); !r) return r;
        if (pugi::xml_attribute a = info.attribute("DisplayOrder")) {
            WSUSD_TRY(v, parse_revision(a.value(), "CategoryInformation/@DisplayOrder"));
            c.display_order = v;
        }
        doc.category = std::move(c);
    }
    return {};
}

}  // namespace

bool is_guid(std::string_view t) { return util::is_guid(t); }

Result<UpdateDocument> parse_update_document(std::string_view xml, const ParseLimits& limits) {
    pugi::xml_document tree;
    return parse_update_document(xml, limits, tree);
}

Result<UpdateDocument> parse_update_document(std::string_view xml, const ParseLimits& limits,
                                             pugi::xml_document& tree) {
    tree.reset();
    if (xml.size() > limits.max_document_bytes)
        return fail(Errc::limit_exceeded, "update document: " + std::to_string(xml.size()) +
                                              " bytes is over the limit of " +
                                              std::to_string(limits.max_document_bytes));
    if (xml.empty()) return bad("empty input");
    // pugixml never expands custom entities, but a DOCTYPE has no business in an update document: refuse it (and any
    // stray ENTITY declaration, even inside CDATA) so billion-laughs and external-entity payloads are rejected, not
    // silently skipped.
    if (contains_markup_declaration(xml, "DOCTYPE") || contains_markup_declaration(xml, "ENTITY"))
        return bad("DOCTYPE and ENTITY declarations are not allowed");

    // UTF-8 only: the importer converts the UTF-16 blobs, raw_xml is served as UTF-8, and the byte scan above
    // would not see a UTF-16 DOCTYPE. parse_doctype keeps any DOCTYPE pugixml finds, so it can be refused again.
    pugi::xml_parse_result parsed =
        tree.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_doctype, pugi::encoding_utf8);
    if (!parsed)
        return bad(std::string("not well-formed XML: ") + parsed.description() + " at offset " +
                   std::to_string(parsed.offset));
    for (pugi::xml_node c : tree.children())
        if (c.type() == pugi::node_doctype) return bad("DOCTYPE and ENTITY declarations are not allowed");
    if (auto r = check_tree(tree, limits); !r) return std::unexpected(r.error());

    pugi::xml_node root;
    for (pugi::xml_node c : tree.children()) {
        if (c.type() != pugi::node_element) continue;
        if (root) return bad("more than one root element");
        root = c;
    }
    if (!root) return bad("no root element");
    if (local_name(root.name()) != "Update" || namespace_of(root) != ns::kUpdate)
        return bad("root element is <" + std::string(root.name()).substr(0, 64) + ">, expected Update in namespace " +
                   std::string(ns::kUpdate));

    UpdateDocument doc;
    pugi::xml_node identity = upd_child(root, "UpdateIdentity");
    if (!identity) return bad("missing UpdateIdentity");
    WSUSD_TRY(id, guid_attr(identity, "UpdateID", "UpdateIdentity"));
    doc.update_id = std::move(id);
    pugi::xml_attribute rev = identity.attribute("RevisionNumber");
    if (!rev) return bad("UpdateIdentity has no RevisionNumber");
    WSUSD_TRY(revision, parse_revision(rev.value(), "UpdateIdentity/@RevisionNumber"));
    doc.revision_number = revision;

    pugi::xml_node props = upd_child(root, "Properties");
    if (!props) return bad("missing Properties");
    if (auto r = parse_properties(props, doc); !r) return std::unexpected(r.error());
    if (pugi::xml_node lp = upd_child(root, "LocalizedPropertiesCollection"))
        if (auto r = parse_localized(lp, doc); !r) return std::unexpected(r.error());
    if (pugi::xml_node rel = upd_child(root, "Relationships"))
        if (auto r = parse_relationships(rel, doc); !r) return std::unexpected(r.error());
    if (pugi::xml_node rules = upd_child(root, "ApplicabilityRules")) parse_driver_metadata(rules, doc);
    if (pugi::xml_node files = upd_child(root, "Files"))
        if (auto r = parse_files(files, doc); !r) return std::unexpected(r.error());
    if (pugi::xml_node hsd = upd_child(root, "HandlerSpecificData"))
        if (auto r = parse_handler_data(hsd, doc); !r) return std::unexpected(r.error());

    doc.is_bundle = !doc.bundled_updates.empty();
    doc.is_leaf = doc.category ? doc.category->prohibits_subcategories : !doc.is_bundle;
    doc.raw_xml.assign(xml);
    return doc;
}

void assign_categories(UpdateDocument& doc, const CategoryTypeLookup& category_type_of) {
    auto add_unique = [](std::vector<std::string>& list, const std::string& id) {
        for (const auto& x : list)
            if (x == id) return;
        list.push_back(id);
    };
    doc.classification_ids.clear();
    doc.product_ids.clear();
    for (const auto& group : doc.prerequisites) {
        for (const auto& id : group.update_ids) {
            std::optional<std::string> type = category_type_of ? category_type_of(id) : std::nullopt;
            if (!type) continue;
            add_unique(doc.category_ids, id);
            if (*type == "UpdateClassification")
                add_unique(doc.classification_ids, id);
            else if (*type == "Product")
                add_unique(doc.product_ids, id);
        }
    }
}

#undef WSUSD_TRY

}  // namespace wsusd::metadata
