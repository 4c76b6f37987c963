#include "fleet/responses.h"

#include <pugixml.hpp>

#include <charconv>
#include <cstring>

namespace wsusd::fleet {

namespace {

const char* local(const char* name) {
    const char* colon = std::strchr(name, ':');
    return colon ? colon + 1 : name;
}

pugi::xml_node child(pugi::xml_node n, const char* name) {
    for (auto c = n.first_child(); c; c = c.next_sibling())
        if (std::strcmp(local(c.name()), name) == 0) return c;
    return {};
}

int to_int(const char* text) {
    int v = 0;
    std::from_chars(text, text + std::strlen(text), v);
    return v;
}

// Parses the envelope and returns the element under Body (the response or the Fault).
struct Doc {
    pugi::xml_document doc;
    pugi::xml_node payload;
};

Result<pugi::xml_node> open(Doc& d, std::string& body) {
    auto r = d.doc.load_buffer_inplace(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!r) return fail(Errc::invalid_argument, std::string("XML: ") + r.description());
    pugi::xml_node payload;
    for (auto c = child(d.doc.first_child(), "Body").first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element) {
            payload = c;
            break;
        }
    if (!payload) return fail(Errc::invalid_argument, "no SOAP body");
    if (std::strcmp(local(payload.name()), "Fault") == 0) {
        std::string code = child(child(payload, "detail"), "ErrorCode").child_value();
        return fail(Errc::conflict, code.empty() ? "fault" : code);
    }
    return payload;
}

Action action_of(const char* text) {
    switch (text[0]) {
        case 'I': return Action::install;
        case 'U': return Action::uninstall;
        case 'E': return Action::evaluate;
        default: return Action::other;
    }
}

void read_updates(pugi::xml_node list, std::vector<OfferedUpdate>& out) {
    for (auto u = list.first_child(); u; u = u.next_sibling()) {
        OfferedUpdate o;
        o.id = to_int(child(u, "ID").child_value());
        o.is_leaf = std::strcmp(child(u, "IsLeaf").child_value(), "true") == 0;
        o.action = action_of(child(child(u, "Deployment"), "Action").child_value());
        const char* xml = child(u, "Xml").child_value();
        o.category_or_detectoid = std::strstr(xml, "UpdateType=\"Category\"") || std::strstr(xml, "UpdateType=\"Detectoid\"");
        out.push_back(o);
    }
}

void read_ints(pugi::xml_node list, std::vector<int>& out) {
    for (auto i = list.first_child(); i; i = i.next_sibling()) out.push_back(to_int(i.child_value()));
}

}  // namespace

Result<std::string> parse_get_config(std::string& body) {
    Doc d;
    auto p = open(d, body);
    if (!p) return std::unexpected(p.error());
    std::string v = child(child(*p, "GetConfigResult"), "LastChange").child_value();
    if (v.empty()) return fail(Errc::invalid_argument, "no LastChange");
    return v;
}

Result<std::string> parse_authorization_cookie(std::string& body) {
    Doc d;
    auto p = open(d, body);
    if (!p) return std::unexpected(p.error());
    std::string v = child(child(*p, "GetAuthorizationCookieResult"), "CookieData").child_value();
    if (v.empty()) return fail(Errc::invalid_argument, "no CookieData");
    return v;
}

Result<CookieReply> parse_get_cookie(std::string& body) {
    Doc d;
    auto p = open(d, body);
    if (!p) return std::unexpected(p.error());
    auto r = child(*p, "GetCookieResult");
    CookieReply c{child(r, "Expiration").child_value(), child(r, "EncryptedData").child_value()};
    if (c.encrypted_data.empty()) return fail(Errc::invalid_argument, "no cookie");
    return c;
}

Result<void> parse_register(std::string& body) {
    Doc d;
    auto p = open(d, body);
    if (!p) return std::unexpected(p.error());
    return {};
}

Result<SyncReply> parse_sync(std::string& body) {
    Doc d;
    auto p = open(d, body);
    if (!p) return std::unexpected(p.error());
    auto r = child(*p, "SyncUpdatesResult");
    if (!r) return fail(Errc::invalid_argument, "no SyncUpdatesResult");
    SyncReply s;
    read_updates(child(r, "NewUpdates"), s.new_updates);
    read_updates(child(r, "ChangedUpdates"), s.changed_updates);
    read_ints(child(r, "OutOfScopeRevisionIDs"), s.out_of_scope);
    s.truncated = std::strcmp(child(r, "Truncated").child_value(), "true") == 0;
    s.driver_sync_not_needed = std::strcmp(child(r, "DriverSyncNotNeeded").child_value(), "true") == 0;
    s.new_cookie = child(child(r, "NewCookie"), "EncryptedData").child_value();
    if (s.new_cookie.empty()) return fail(Errc::invalid_argument, "no NewCookie");
    return s;
}

Result<ExtendedReply> parse_extended(std::string& body) {
    Doc d;
    auto p = open(d, body);
    if (!p) return std::unexpected(p.error());
    auto r = child(*p, "GetExtendedUpdateInfoResult");
    if (!r) return fail(Errc::invalid_argument, "no GetExtendedUpdateInfoResult");
    ExtendedReply e;
    for (auto u = child(r, "Updates").first_child(); u; u = u.next_sibling()) ++e.fragments;
    read_ints(child(r, "OutOfScopeRevisionIDs"), e.out_of_scope);
    return e;
}

}  // namespace wsusd::fleet
