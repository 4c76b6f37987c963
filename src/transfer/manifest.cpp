#include "transfer/manifest.h"

#include <cstdio>

#include "util/guid.h"

namespace wsusd::transfer {

namespace {

nlohmann::json anchor_json(const store::AirgapAnchor& a) {
    return {{"catalog", a.catalog}, {"deployments", a.deployments}};
}

Result<store::AirgapAnchor> anchor_of(const nlohmann::json& j, const char* name) {
    if (!j.is_object() || !j.contains("catalog") || !j.contains("deployments") ||
        !j["catalog"].is_number_integer() || !j["deployments"].is_number_integer())
        return fail(Errc::invalid_argument, std::string("manifest.json: \"") + name +
                                                "\" must be {\"catalog\": integer, \"deployments\": integer}");
    return store::AirgapAnchor{j["catalog"].get<std::int64_t>(), j["deployments"].get<std::int64_t>()};
}

bool is_hex(const std::string& s, std::size_t n) {
    return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string part_name(int index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "part-%05d.wsp", index);
    return buf;
}

nlohmann::json to_json(const Manifest& m) {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& p : m.parts)
        parts.push_back({{"name", p.name},
                         {"size", p.size},
                         {"sha256", p.sha256},
                         {"revisions", p.revisions},
                         {"files", p.files},
                         {"state", p.state}});
    return {{"format", kFormat},
            {"bundle_id", m.bundle_id},
            {"key_id", m.key_id},
            {"sequence", m.sequence},
            {"created_at", m.created_at},
            {"since", m.since ? anchor_json(*m.since) : nlohmann::json(nullptr)},
            {"upto", anchor_json(m.upto)},
            {"selection", m.selection},
            {"counts", m.counts},
            {"parts", parts}};
}

Result<Manifest> parse_manifest(std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(Errc::invalid_argument, "manifest.json: not a JSON object");
    auto bad = [](const std::string& what) { return fail(Errc::invalid_argument, "manifest.json: " + what); };
    if (j.value("format", "") != kFormat)
        return bad(std::string("\"format\" must be \"") + kFormat + "\" (made by another version of wsusd?)");
    Manifest m;
    auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
    m.bundle_id = str("bundle_id");
    if (!util::is_guid(m.bundle_id)) return bad("\"bundle_id\" must be a GUID");
    m.key_id = str("key_id");
    if (!is_hex(m.key_id, 32)) return bad("\"key_id\" must be 32 hex digits");
    if (!j.contains("sequence") || !j["sequence"].is_number_integer() || j["sequence"].get<std::int64_t>() < 1)
        return bad("\"sequence\" must be a positive integer");
    m.sequence = j["sequence"].get<std::int64_t>();
    m.created_at = str("created_at");
    if (j.contains("since") && !j["since"].is_null()) {
        auto a = anchor_of(j["since"], "since");
        if (!a) return std::unexpected(a.error());
        m.since = *a;
    }
    auto upto = anchor_of(j.value("upto", nlohmann::json()), "upto");
    if (!upto) return std::unexpected(upto.error());
    m.upto = *upto;
    m.selection = j.value("selection", nlohmann::json::object());
    m.counts = j.value("counts", nlohmann::json::object());
    if (!j.contains("parts") || !j["parts"].is_array() || j["parts"].empty())
        return bad("\"parts\" must be a non-empty array");
    int index = 0;
    for (const auto& p : j["parts"]) {
        ++index;
        PartEntry e;
        if (!p.is_object()) return bad("part " + std::to_string(index) + " is not an object");
        e.name = p.value("name", "");
        // Names are fixed by index, so a manifest can never point outside the bundle folder.
        if (e.name != part_name(index)) return bad("part " + std::to_string(index) + " must be named " + part_name(index));
        if (!p.contains("size") || !p["size"].is_number_unsigned()) return bad(e.name + ": \"size\" missing");
        e.size = p["size"].get<std::uint64_t>();
        e.sha256 = p.value("sha256", "");
        if (!is_hex(e.sha256, 64)) return bad(e.name + ": \"sha256\" must be 64 lower-case hex digits");
        e.revisions = p.value("revisions", 0);
        e.files = p.value("files", 0);
        e.state = p.value("state", false);
        m.parts.push_back(std::move(e));
    }
    return m;
}

}  // namespace wsusd::transfer
