// The full update XML ingester (the form GetUpdateData carries, hostile when an upstream or a bundle is): parse,
// validate, derive the client fragments. Whatever is accepted must yield fragments that are well-formed XML
// again, since clients receive them verbatim. Seeds: the real documents in captures/wsus-m0-wsusss/docs.
#include <pugixml.hpp>

#include <cstdlib>
#include <filesystem>

#include "driver/captures.h"
#include "driver/fuzz_driver.h"
#include "metadata/fragments.h"

namespace {

// Fragments are element sequences (the extended one is ExtendedProperties, Files, HandlerSpecificData), so each
// must be well-formed once wrapped in one root.
void require_xml(const std::string& fragment) {
    const std::string wrapped = "<r>" + fragment + "</r>";
    pugi::xml_document doc;
    if (!doc.load_buffer(wrapped.data(), wrapped.size())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    wsusd::metadata::ParseLimits limits;
    limits.max_document_bytes = 1 << 20;
    auto parsed = wsusd::metadata::parse_and_derive({reinterpret_cast<const char*>(data), size}, limits);
    if (!parsed) return 0;
    const auto& f = parsed->fragments;
    if (f.core.empty()) std::abort();
    require_xml(f.core);
    require_xml(f.extended);
    for (const auto& [language, xml] : f.localized) require_xml(xml);
    return 0;
}

namespace wsusd::fuzz {

std::vector<std::string> seeds() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(shared_dir() / "captures/wsus-m0-wsusss/docs", ec))
        if (e.path().extension() == ".xml") out.push_back(read_file(e.path()));
    return out;
}

std::vector<std::string> dictionary() {
    return {"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", "&a;", "&amp;", "&#x0;", "&#65;", "<![CDATA[", "]]>", "<?xml ",
            "xmlns=\"\"", "xmlns:x=\"urn:x\"", "RevisionNumber=\"-1\"", "UpdateID=\"", "<b.AtLeastOne>",
            "</upd:Update>", "\"", "<", "/>", "00000000-0000-0000-0000-000000000000"};
}

}  // namespace wsusd::fuzz
