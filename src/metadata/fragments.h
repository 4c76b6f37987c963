// The MS-WUSP metadata fragments of a revision, derived once from its full update document (MS-WUSP §3.1.1.1,
// Metadata Table) and stored; these strings are what SyncUpdates (Core, in UpdateInfo/Xml) and
// GetExtendedUpdateInfo (Extended, LocalizedProperties, Eula) serve.
//
// Derivation, as real WSUS does it (checked against the fragments a real WSUS sent a real client):
//  - Core: UpdateIdentity; Properties reduced to UpdateType, ExplicitlyDeployable, AutoSelectOnWebSites, OSUpgrade
//    and EulaID, without children; Relationships; ApplicabilityRules. Elements of the BaseApplicabilityRules,
//    MsiApplicabilityRules and WindowsDriver namespaces get the "b.", "m.", "d." name prefixes.
//  - Extended: Properties renamed ExtendedProperties, minus UpdateType, ExplicitlyDeployable, AutoSelectOnWebSites,
//    EulaID, PublicationState, PublisherID, CreationDate, IsPublic, LegacyName, DetectoidType, OSUpgrade (children
//    kept); Files; HandlerSpecificData.
//  - LocalizedProperties: each LocalizedProperties element, keyed by its Language text.
//  - Eula: each LocalizedPropertiesCollection/EulaFile, keyed by its Language and GeoId attributes.
// Everywhere: namespace declarations dropped, prefixes dropped from element and attribute names (xsi:type → type;
// attribute values such as "cmd:CommandLineInstallation" are kept), empty elements written as `<X a="v" />`.
// The result is a sequence of elements, not one well-formed document.
//
// File locations (GetExtendedUpdateInfo FileLocations) are not fragments: they come from the content store.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/parse_document.h"
#include "metadata/update_document.h"
#include "wsusd/result.h"

namespace wsusd::metadata {

struct EulaFragment {
    std::string language;  ///< EulaFile/@Language
    std::string geo_id;    ///< EulaFile/@GeoId, empty = rest of world
    std::string xml;
};

struct Fragments {
    std::string core;
    std::string
        extended;  ///< always derived (the spec has exactly one per revision; WSUS sends one even for categories)
    std::map<std::string, std::string> localized;  ///< Language text as written → fragment; first one wins
    std::vector<EulaFragment> eulas;
};

/// Derives the fragments from an element tree that parse_update_document validated (`update` is its root
/// element). Never fails on such a tree.
Fragments derive_fragments(const pugi::xml_node& update);

/// Derives the fragments of a parsed document from its raw_xml (one more parse; prefer parse_and_derive).
Result<Fragments> derive_fragments(const UpdateDocument& doc, const ParseLimits& limits = {});

struct ParsedUpdate {
    UpdateDocument document;
    Fragments fragments;
};

/// Parses, validates and derives the fragments with a single parse: the import path.
Result<ParsedUpdate> parse_and_derive(std::string_view xml, const ParseLimits& limits = {});

}  // namespace wsusd::metadata
