#include "store/uss_repo.h"

#include <cctype>
#include <unordered_set>

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

Result<std::unordered_map<std::int64_t, std::string>> UssRepo::live_deployment_guids(
    std::span<const std::int64_t> ids) {
    std::unordered_map<std::int64_t, std::string> out;
    if (ids.empty()) return out;
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_guid_select_live1));
    st->bind(1, json_array(ids));
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.emplace(st->int64(0), st->text(1));
    }
    return out;
}

Result<std::vector<std::string>> UssRepo::dead_deployment_guids(std::int64_t after, std::int64_t upto) {
    std::vector<std::string> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::deployment_guid_select_dead2));
    st->bind_all(after, upto);
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.push_back(st->text(0));
    }
    return out;
}

namespace {

std::string json_ids(const std::vector<RevisionIdFilter::Item>& items, bool only_full) {
    std::string out = "[";
    for (const auto& i : items) {
        if (only_full && !i.full) continue;
        if (out.size() > 1) out += ',';
        out += '"';
        for (char c : i.id)  // ids are GUIDs (checked by the service); drop anything that could break the JSON
            if (std::isxdigit(static_cast<unsigned char>(c)) || c == '-') out += static_cast<char>(std::tolower(c));
        out += '"';
    }
    return out + "]";
}

}  // namespace

Result<std::vector<RevisionIdentity>> UssRepo::revision_ids(const RevisionIdFilter& f) {
    std::vector<RevisionIdentity> out;
    if (!f.config && (f.categories.empty() != f.classifications.empty())) return out;
    std::string sql = "SELECT r.update_id, r.revision_number, r.id, r.is_bundle FROM revision r WHERE r.is_latest = 1 ";
    const bool filtered = !f.config && !f.categories.empty();
    if (f.config) {
        sql += "AND r.update_type IN (2, 3) AND r.change_seq > ?1";
    } else if (!filtered) {
        sql += "AND r.update_type IN (0, 1) AND r.change_seq > ?1";
    } else {
        // ?2 categories, ?3 classifications, ?4 / ?5 the newly added ones among them.
        const std::string in_cat = "EXISTS (SELECT 1 FROM revision_category rc WHERE rc.revision_id = r.id AND "
                                   "rc.category_id IN (SELECT value FROM json_each(?N)))";
        const std::string in_cls = "(r.classification_id IN (SELECT value FROM json_each(?N)) OR " + in_cat + ")";
        auto with = [](std::string text, const char* n) {
            for (std::size_t p; (p = text.find("?N")) != std::string::npos;) text.replace(p, 2, n);
            return text;
        };
        sql += "AND r.update_type IN (0, 1) AND " + with(in_cat, "?2") + " AND " + with(in_cls, "?3") +
               " AND (r.change_seq > ?1 OR " + with(in_cat, "?4") + " OR " + with(in_cls, "?5") + ")";
    }
    sql += " ORDER BY r.change_seq, r.update_id";
    STORE_ASSIGN(auto st, conn_.statement(sql));
    st->bind(1, f.since);
    if (filtered) {
        st->bind(2, std::string_view(json_ids(f.categories, false)));
        const std::string cls = json_ids(f.classifications, false), cat_full = json_ids(f.categories, true),
                          cls_full = json_ids(f.classifications, true);
        st->bind(3, std::string_view(cls));
        st->bind(4, std::string_view(cat_full));
        st->bind(5, std::string_view(cls_full));
    }
    std::vector<std::int64_t> bundles;
    std::unordered_set<std::string> seen;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        RevisionIdentity id{st->text(0), st->int32(1)};
        if (st->flag(3)) bundles.push_back(st->int64(2));
        seen.insert(id.update_id);
        out.push_back(std::move(id));
    }
    if (!bundles.empty()) {
        // Bundled updates carry no categories of their own: a downstream server needs them with their bundle.
        STORE_ASSIGN(auto members, conn_.statement(
            "SELECT m.update_id, m.revision_number FROM revision_bundle b JOIN revision m ON "
            "m.update_id = b.member_update_id AND m.is_latest = 1 WHERE b.bundle_revision_id IN "
            "(SELECT value FROM json_each(?1)) ORDER BY m.update_id"));
        members->bind(1, json_array(std::span<const std::int64_t>(bundles)));
        while (true) {
            STORE_ASSIGN(const bool row, members->step());
            if (!row) break;
            std::string uid = members->text(0);
            if (seen.insert(uid).second) out.push_back({std::move(uid), members->int32(1)});
        }
    }
    return out;
}

Result<std::vector<std::string>> UssRepo::declined_update_ids() {
    std::vector<std::string> out;
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_declined_updates0));
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        out.push_back(st->text(0));
    }
    return out;
}

}  // namespace wsusd::store
