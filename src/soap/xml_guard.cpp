#include "soap/xml_guard.h"

#include <pugixml.hpp>

#include <vector>

namespace wsusd::soap {

std::string check_xml(std::string_view body, unsigned max_depth) {
    pugi::xml_document doc;
    // parse_doctype so that a DTD is seen (and refused) rather than silently skipped.
    auto res = doc.load_buffer(body.data(), body.size(), pugi::parse_minimal | pugi::parse_doctype,
                               pugi::encoding_auto);
    if (!res) return std::string("malformed XML at byte ") + std::to_string(res.offset) + ": " + res.description();
    std::vector<std::pair<pugi::xml_node, unsigned>> stack{{doc, 0}};
    while (!stack.empty()) {
        auto [node, depth] = stack.back();
        stack.pop_back();
        if (node.type() == pugi::node_doctype) return "DTDs are not accepted";
        if (depth > max_depth)
            return "XML nested deeper than " + std::to_string(max_depth) + " levels (limits.max_xml_depth)";
        for (auto child = node.first_child(); child; child = child.next_sibling()) stack.emplace_back(child, depth + 1);
    }
    return {};
}

}  // namespace wsusd::soap
