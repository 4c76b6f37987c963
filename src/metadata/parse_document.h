// Parsing a full update XML document (MS-WSUSSS GetUpdateData XmlUpdateBlob) into an UpdateDocument.
//
// The input comes from an upstream server or an import file, so it is treated as hostile: size, nesting, node count
// and attribute/text sizes are bounded (ParseLimits), any DOCTYPE or ENTITY declaration is refused outright (no
// entity expansion, no external entities), and the identity, GUIDs and numbers are validated. Every failure is an
// Error with a sentence naming the problem; nothing here throws or crashes on bad input.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "metadata/update_document.h"
#include "wsusd/result.h"

namespace pugi {
class xml_document;
class xml_node;
}  // namespace pugi

namespace wsusd::metadata {

/// Namespace URIs of the update document schema (MS-WUSP §3.1.1.1 and footnote <42>).
namespace ns {
inline constexpr std::string_view kUpdate = "http://schemas.microsoft.com/msus/2002/12/Update";
inline constexpr std::string_view kBaseApplicabilityRules =
    "http://schemas.microsoft.com/msus/2002/12/BaseApplicabilityRules";
inline constexpr std::string_view kMsiApplicabilityRules =
    "http://schemas.microsoft.com/msus/2002/12/MsiApplicabilityRules";
inline constexpr std::string_view kLogicalApplicabilityRules =
    "http://schemas.microsoft.com/msus/2002/12/LogicalApplicabilityRules";
inline constexpr std::string_view kWindowsDriver =
    "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/WindowsDriver";
inline constexpr std::string_view kCategoryHandler =
    "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Category";
inline constexpr std::string_view kCommandLineHandler =
    "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/CommandLineInstallation";
inline constexpr std::string_view kPublishing = "http://schemas.microsoft.com/msus/2002/12/Publishing";
inline constexpr std::string_view kXsi = "http://www.w3.org/2001/XMLSchema-instance";
}  // namespace ns

/// Bounds applied before and while parsing. The defaults leave ample room for real documents: the largest
/// Microsoft Update documents (cumulative updates with long rule sets, drivers with many hardware ids) are a few
/// MiB, nest a few dozen levels deep and hold tens of thousands of nodes.
struct ParseLimits {
    std::size_t max_document_bytes = 16 * 1024 * 1024;  ///< whole input, checked before parsing
    std::size_t max_depth = 256;                        ///< element nesting; real documents stay under 40
    std::size_t max_nodes = 1'000'000;                  ///< elements + text nodes
    std::size_t max_attributes_per_element = 256;       ///< real elements have at most ~15
    std::size_t max_attribute_bytes = 64 * 1024;        ///< one attribute value (rule strings, WQL queries)
    std::size_t max_text_bytes = 1024 * 1024;           ///< one text node (descriptions, release notes)
};

/// Parses and validates one document. Errors: Errc::limit_exceeded for a bound of `limits`, Errc::invalid_argument
/// for anything malformed (not well-formed XML, DOCTYPE, wrong root, missing or bad identity, bad GUID or number).
Result<UpdateDocument> parse_update_document(std::string_view xml, const ParseLimits& limits = {});

/// Same, leaving the validated tree in `tree` so fragments can be derived without a second parse
/// (see parse_and_derive in fragments.h). `tree` is reset first; on error its content is unspecified.
Result<UpdateDocument> parse_update_document(std::string_view xml, const ParseLimits& limits, pugi::xml_document& tree);

/// Tells the category type ("Product", "UpdateClassification", ...) of a known category id (lower-case GUID), or
/// nullopt when the id is not a known category.
using CategoryTypeLookup = std::function<std::optional<std::string>(std::string_view update_id)>;

/// Fills category_ids, classification_ids and product_ids the way WSUS does: every prerequisite id that names a
/// known category makes the update a member of it (IsCategory is not required: real Defender documents omit it).
/// Explicit IsCategory ids stay in category_ids even when unknown.
void assign_categories(UpdateDocument& doc, const CategoryTypeLookup& category_type_of);

/// True for the 8-4-4-4-12 hexadecimal form (either case, no braces).
bool is_guid(std::string_view text);

/// Small XML helpers shared by the module (they work on pugixml nodes of a parsed document).
namespace xml {
/// The part of a qualified name after the colon ("upd:Update" → "Update").
std::string_view local_name(std::string_view qualified_name);
/// The namespace URI bound to the element's prefix (or the default namespace), from the in-scope xmlns
/// declarations; empty if unbound.
std::string_view namespace_of(const pugi::xml_node& element);
}  // namespace xml

}  // namespace wsusd::metadata
