#include "fleet/requests.h"

#include <fstream>
#include <sstream>

namespace wsusd::fleet {

namespace {

Result<std::string> read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return fail(Errc::not_found, "cannot read " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A hole in a template: [begin, end) of the body is replaced by a value at render time.
struct Hole {
    std::size_t begin, end;
};

std::string open_tag(std::string_view name) { return "<" + std::string(name) + ">"; }
std::string close_tag(std::string_view name) { return "</" + std::string(name) + ">"; }

// The text of the first <name>...</name> at or after `from`.
Result<Hole> inner(const std::string& body, std::string_view name, std::size_t from = 0) {
    auto b = body.find(open_tag(name), from);
    if (b == std::string::npos) return fail(Errc::invalid_argument, "capture has no <" + std::string(name) + ">");
    b += name.size() + 2;
    auto e = body.find(close_tag(name), b);
    if (e == std::string::npos) return fail(Errc::invalid_argument, "capture has no </" + std::string(name) + ">");
    return Hole{b, e};
}

// The whole first <name>...</name> element.
Result<Hole> whole(const std::string& body, std::string_view name) {
    auto h = inner(body, name);
    if (!h) return h;
    return Hole{h->begin - name.size() - 2, h->end + name.size() + 3};
}

// An empty hole right after `marker`.
Result<Hole> after(const std::string& body, std::string_view marker) {
    auto p = body.find(marker);
    if (p == std::string::npos) return fail(Errc::invalid_argument, "capture lacks " + std::string(marker));
    return Hole{p + marker.size(), p + marker.size()};
}

Result<Template> make(const std::string& body, std::vector<Result<Hole>> holes) {
    Template t;
    std::size_t pos = 0;
    for (auto& h : holes) {
        if (!h) return std::unexpected(h.error());
        if (h->begin < pos) return fail(Errc::internal, "template holes out of order");
        t.literals.push_back(body.substr(pos, h->begin - pos));
        pos = h->end;
    }
    t.literals.push_back(body.substr(pos));
    return t;
}

// Drops the first <name>...</name> (the captured scan is a category scan; the fleet scans everything).
void erase_element(std::string& body, std::string_view name) {
    if (auto h = whole(body, name)) body.erase(h->begin, h->end - h->begin);
}

std::string xml_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

std::string Template::render(std::initializer_list<std::string_view> values) const {
    std::size_t n = 0;
    for (const auto& l : literals) n += l.size();
    for (auto v : values) n += v.size();
    std::string out;
    out.reserve(n);
    auto v = values.begin();
    for (std::size_t i = 0; i < literals.size(); ++i) {
        out += literals[i];
        if (i + 1 < literals.size() && v != values.end()) out += *v++;
    }
    return out;
}

std::string int_array(std::string_view name, const std::vector<int>& ids) {
    if (ids.empty()) return {};
    std::string out = open_tag(name);
    out.reserve(ids.size() * 18 + 2 * name.size() + 5);
    for (int id : ids) {
        out += "<int>";
        out += std::to_string(id);
        out += "</int>";
    }
    out += close_tag(name);
    return out;
}

std::string cookie_xml(std::string_view expiration, std::string_view encrypted_data) {
    std::string out = "<cookie><Expiration>";
    out += expiration;
    out += "</Expiration><EncryptedData>";
    out += encrypted_data;
    out += "</EncryptedData></cookie>";
    return out;
}

Result<Requests> Requests::load(const std::filesystem::path& scan_dir, const std::vector<std::string>& devices) {
    std::vector<std::string> b(11);
    for (int i = 1; i <= 10; ++i) {
        char name[8];
        std::snprintf(name, sizeof name, "%06d", i);
        auto body = read_file(scan_dir / name / "request.body");
        if (!body) return std::unexpected(body.error());
        b[i] = std::move(*body);
    }
    Requests r;
    r.get_config_ = b[1];
    auto t = make(b[2], {inner(b[2], "clientId"), inner(b[2], "dnsName")});
    if (!t) return std::unexpected(t.error());
    r.auth_ = std::move(*t);
    t = make(b[3], {inner(b[3], "CookieData"), after(b[3], "</Expiration>"), inner(b[3], "lastChange")});
    if (!t) return std::unexpected(t.error());
    r.cookie_ = std::move(*t);
    t = make(b[4], {whole(b[4], "cookie"), inner(b[4], "DnsName")});
    if (!t) return std::unexpected(t.error());
    r.register_ = std::move(*t);

    // Software pass (000006 without its category filter): cached ids right after ExpressQuery.
    std::string sw = b[6];
    erase_element(sw, "FilterCategoryIds");
    t = make(sw, {whole(sw, "cookie"), after(sw, "<ExpressQuery>false</ExpressQuery>")});
    if (!t) return std::unexpected(t.error());
    r.software_ = std::move(*t);

    // Driver pass (000009: the captured 70-device SystemSpec), plus one device per fleet hardware id.
    std::string drv = b[9];
    erase_element(drv, "FilterCategoryIds");
    std::string extra;
    for (const auto& hw : devices)
        extra += "<Device><HardwareIDs><string>" + xml_escape(hw) + "</string></HardwareIDs></Device>";
    auto end_spec = drv.find("</SystemSpec>");
    if (end_spec == std::string::npos) return fail(Errc::invalid_argument, "driver capture has no SystemSpec");
    drv.insert(end_spec, extra);
    t = make(drv, {whole(drv, "cookie"), whole(drv, "InstalledNonLeafUpdateIDs"), after(drv, "</SystemSpec>")});
    if (!t) return std::unexpected(t.error());
    r.drivers_ = std::move(*t);

    t = make(b[10], {whole(b[10], "cookie"), whole(b[10], "revisionIDs")});
    if (!t) return std::unexpected(t.error());
    r.extended_ = std::move(*t);
    return r;
}

}  // namespace wsusd::fleet
