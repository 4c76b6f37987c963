#include "metadata/fragments.h"

#include <array>
#include <pugixml.hpp>
#include <utility>

namespace wsusd::metadata {

namespace {

using xml::local_name;
using xml::namespace_of;

// Properties attributes the Core fragment keeps, and those the Extended fragment drops (MS-WUSP §3.1.1.1).
constexpr std::array<std::string_view, 5> kCoreProperties = {"UpdateType", "ExplicitlyDeployable",
                                                             "AutoSelectOnWebSites", "OSUpgrade", "EulaID"};
constexpr std::array<std::string_view, 11> kNotExtendedProperties = {"UpdateType",
                                                                     "ExplicitlyDeployable",
                                                                     "AutoSelectOnWebSites",
                                                                     "EulaID",
                                                                     "PublicationState",
                                                                     "PublisherID",
                                                                     "CreationDate",
                                                                     "IsPublic",
                                                                     "LegacyName",
                                                                     "DetectoidType",
                                                                     "OSUpgrade"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view name) {
    for (auto n : list)
        if (n == name) return true;
    return false;
}

bool is_xmlns(std::string_view attr_name) {
    return attr_name == "xmlns" || (attr_name.size() > 6 && attr_name.substr(0, 6) == "xmlns:");
}

// Escaping as .NET's XmlNode.OuterXml writes it (which is what WSUS stores): &, <, > in text; also " and the
// whitespace characters that attribute normalization would otherwise eat, in attribute values.
void append_text(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '\r':
                out += "&#xD;";
                break;
            default:
                out += c;
        }
    }
}

void append_attr_value(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\t':
                out += "&#x9;";
                break;
            case '\n':
                out += "&#xA;";
                break;
            case '\r':
                out += "&#xD;";
                break;
            default:
                out += c;
        }
    }
}

void append_attr(std::string& out, std::string_view name, std::string_view value) {
    out += ' ';
    out += local_name(name);
    out += "=\"";
    append_attr_value(out, value);
    out += '"';
}

bool has_content(const pugi::xml_node& n) {
    for (pugi::xml_node c : n.children()) {
        auto t = c.type();
        if (t == pugi::node_element || t == pugi::node_pcdata || t == pugi::node_cdata) return true;
    }
    return false;
}

// Writes subtrees with namespaces stripped (and, for Core, the b./m./d. prefixes). Iterative, so its stack use does
// not depend on the document's nesting.
class Writer {
  public:
    Writer(std::string& out, bool core_prefixes) : out_(out), core_prefixes_(core_prefixes) {}

    void write(const pugi::xml_node& root) {
        seed_scope(root.parent());
        write_subtree(root);
    }

    void write_children(const pugi::xml_node& parent) {
        seed_scope(parent);
        for (pugi::xml_node c : parent.children()) write_subtree(c);
    }

  private:
    void seed_scope(pugi::xml_node n) {
        scope_.clear();
        std::vector<pugi::xml_node> chain;
        for (; n && n.type() == pugi::node_element; n = n.parent()) chain.push_back(n);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) declare(*it);
    }

    void declare(const pugi::xml_node& n) {
        for (pugi::xml_attribute a : n.attributes()) {
            std::string_view an = a.name();
            if (an == "xmlns")
                scope_.emplace_back(std::string_view{}, a.value());
            else if (is_xmlns(an))
                scope_.emplace_back(an.substr(6), a.value());
        }
    }

    std::string_view resolve(std::string_view prefix) const {
        for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
            if (it->first == prefix) return it->second;
        return {};
    }

    void write_subtree(const pugi::xml_node& root) {
        pugi::xml_node cur = root;
        for (;;) {
            if (open(cur)) {
                cur = cur.first_child();
                continue;
            }
            while (cur != root && !cur.next_sibling()) {
                cur = cur.parent();
                close(cur);
            }
            if (cur == root) return;
            cur = cur.next_sibling();
        }
    }

    // Writes the start of `n`; true when its children are to be visited (close() then ends it).
    bool open(const pugi::xml_node& n) {
        switch (n.type()) {
            case pugi::node_pcdata:
            case pugi::node_cdata:
                append_text(out_, n.value());
                return false;
            case pugi::node_element:
                break;
            default:
                return false;  // comments and processing instructions are not kept by the parser
        }
        marks_.push_back(scope_.size());
        declare(n);
        out_ += '<';
        write_name(n);
        for (pugi::xml_attribute a : n.attributes())
            if (!is_xmlns(a.name())) append_attr(out_, a.name(), a.value());
        if (n.first_child()) {
            out_ += '>';
            return true;
        }
        out_ += " />";
        pop_scope();
        return false;
    }

    void close(const pugi::xml_node& n) {
        out_ += "</";
        write_name(n);
        out_ += '>';
        pop_scope();
    }

    void pop_scope() {
        scope_.resize(marks_.back());
        marks_.pop_back();
    }

    void write_name(const pugi::xml_node& n) {
        std::string_view qn = n.name();
        if (core_prefixes_) {
            auto colon = qn.find(':');
            std::string_view uri = resolve(colon == std::string_view::npos ? std::string_view{} : qn.substr(0, colon));
            if (uri == ns::kBaseApplicabilityRules)
                out_ += "b.";
            else if (uri == ns::kMsiApplicabilityRules)
                out_ += "m.";
            else if (uri == ns::kWindowsDriver)
                out_ += "d.";
        }
        out_ += local_name(qn);
    }

    std::string& out_;
    bool core_prefixes_;
    std::vector<std::pair<std::string_view, std::string_view>> scope_;  // prefix → URI, innermost last
    std::vector<std::size_t> marks_;
};

pugi::xml_node upd_child(const pugi::xml_node& parent, std::string_view local) {
    for (pugi::xml_node c : parent.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == local && namespace_of(c) == ns::kUpdate) return c;
    return {};
}

std::string derive_core(const pugi::xml_node& update) {
    std::string out;
    Writer writer(out, /*core_prefixes=*/true);
    if (pugi::xml_node identity = upd_child(update, "UpdateIdentity")) writer.write(identity);
    if (pugi::xml_node props = upd_child(update, "Properties")) {
        out += "<Properties";
        for (pugi::xml_attribute a : props.attributes())
            if (in(kCoreProperties, a.name())) append_attr(out, a.name(), a.value());
        out += " />";
    }
    if (pugi::xml_node rel = upd_child(update, "Relationships")) writer.write(rel);
    if (pugi::xml_node rules = upd_child(update, "ApplicabilityRules")) writer.write(rules);
    return out;
}

std::string derive_extended(const pugi::xml_node& update) {
    std::string out;
    Writer writer(out, /*core_prefixes=*/false);
    if (pugi::xml_node props = upd_child(update, "Properties")) {
        out += "<ExtendedProperties";
        for (pugi::xml_attribute a : props.attributes())
            if (!is_xmlns(a.name()) && !in(kNotExtendedProperties, a.name())) append_attr(out, a.name(), a.value());
        if (has_content(props)) {
            out += '>';
            writer.write_children(props);
            out += "</ExtendedProperties>";
        } else {
            out += " />";
        }
    }
    if (pugi::xml_node files = upd_child(update, "Files")) writer.write(files);
    if (pugi::xml_node hsd = upd_child(update, "HandlerSpecificData")) writer.write(hsd);
    return out;
}

}  // namespace

Fragments derive_fragments(const pugi::xml_node& update) {
    Fragments f;
    f.core = derive_core(update);
    f.extended = derive_extended(update);
    if (pugi::xml_node collection = upd_child(update, "LocalizedPropertiesCollection")) {
        for (pugi::xml_node c : collection.children()) {
            if (c.type() != pugi::node_element || namespace_of(c) != ns::kUpdate) continue;
            std::string_view name = local_name(c.name());
            if (name == "LocalizedProperties") {
                std::string language = upd_child(c, "Language").text().get();
                if (f.localized.contains(language)) continue;
                std::string xml;
                Writer(xml, false).write(c);
                f.localized.emplace(std::move(language), std::move(xml));
            } else if (name == "EulaFile") {
                EulaFragment e{c.attribute("Language").value(), c.attribute("GeoId").value(), {}};
                Writer(e.xml, false).write(c);
                f.eulas.push_back(std::move(e));
            }
        }
    }
    return f;
}

Result<Fragments> derive_fragments(const UpdateDocument& doc, const ParseLimits& limits) {
    pugi::xml_document tree;
    auto parsed = parse_update_document(doc.raw_xml, limits, tree);
    if (!parsed) return std::unexpected(parsed.error());
    return derive_fragments(tree.document_element());
}

Result<ParsedUpdate> parse_and_derive(std::string_view xml, const ParseLimits& limits) {
    pugi::xml_document tree;
    auto parsed = parse_update_document(xml, limits, tree);
    if (!parsed) return std::unexpected(parsed.error());
    ParsedUpdate out{std::move(*parsed), {}};
    out.fragments = derive_fragments(tree.document_element());
    return out;
}

}  // namespace wsusd::metadata
