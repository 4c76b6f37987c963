#include "store/update_query.h"

#include <cctype>

#include "store/try.h"

namespace wsusd::store {

namespace {

// A category named by id or by title; the title comparison is case-insensitive as in the WSUS console.
constexpr std::string_view kCategoryMatch =
    "(SELECT update_id FROM revision WHERE is_latest = 1 AND update_type = 2 AND "
    "(update_id = lower(?N) OR title = ?N COLLATE NOCASE))";

std::string with_param(std::string_view sql, int n) {
    std::string out(sql);
    for (std::size_t pos; (pos = out.find("?N")) != std::string::npos;) out.replace(pos, 2, "?" + std::to_string(n));
    return out;
}

std::string kb_digits(std::string_view kb) {
    if (kb.size() >= 2 && std::toupper(static_cast<unsigned char>(kb[0])) == 'K' &&
        std::toupper(static_cast<unsigned char>(kb[1])) == 'B')
        kb.remove_prefix(2);
    return std::string(kb);
}

std::string like_pattern(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out + "%";
}

}  // namespace

Result<std::vector<UpdateSummary>> UpdateQuery::search(const UpdateFilter& f) {
    std::string sql =
        "SELECT r.id, r.update_id, r.revision_number, r.update_type, r.title, r.kb, r.msrc_severity, "
        "r.classification_id, r.creation_date, r.declined, r.expired, r.change_seq, r.imported_at, "
        "(SELECT c.title FROM revision c WHERE c.update_id = r.classification_id AND c.is_latest = 1), "
        "(SELECT COUNT(*) FROM deployment d WHERE d.update_id = r.update_id AND d.action IN (0, 1)) "
        "FROM revision r WHERE r.is_latest = 1 AND r.update_type IN (0, 1) AND r.update_id > ?1";
    std::vector<std::string> params{f.after_update_id};
    auto param = [&](std::string value) {
        params.push_back(std::move(value));
        return static_cast<int>(params.size());
    };
    if (!f.text.empty()) {
        int like = param(like_pattern(f.text)), exact = param(kb_digits(f.text)), id = param(f.text);
        sql += " AND (r.title LIKE ?" + std::to_string(like) + " ESCAPE '\\' OR r.kb = ?" + std::to_string(exact) +
               " OR r.update_id = lower(?" + std::to_string(id) + "))";
    }
    if (!f.kb.empty()) sql += " AND r.kb = ?" + std::to_string(param(kb_digits(f.kb)));
    if (!f.classification.empty())
        sql += " AND r.classification_id IN " + with_param(kCategoryMatch, param(f.classification));
    if (!f.product.empty())
        sql += " AND EXISTS (SELECT 1 FROM revision_category rc WHERE rc.revision_id = r.id AND rc.kind = 1 AND "
               "rc.category_id IN " + with_param(kCategoryMatch, param(f.product)) + ")";
    switch (f.approval) {
        case ApprovalFilter::any: break;
        case ApprovalFilter::approved:
            sql += " AND r.declined = 0 AND EXISTS (SELECT 1 FROM deployment d WHERE d.update_id = r.update_id AND "
                   "d.action IN (0, 1))";
            break;
        case ApprovalFilter::unapproved:
            sql += " AND r.declined = 0 AND NOT EXISTS (SELECT 1 FROM deployment d WHERE d.update_id = r.update_id "
                   "AND d.action IN (0, 1))";
            break;
        case ApprovalFilter::declined: sql += " AND r.declined = 1"; break;
    }
    sql += " ORDER BY r.update_id LIMIT " + std::to_string(std::max(1, f.limit));

    STORE_ASSIGN(auto st, conn_.statement(sql));
    for (std::size_t i = 0; i < params.size(); ++i) st->bind(static_cast<int>(i + 1), std::string_view(params[i]));
    std::vector<UpdateSummary> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) break;
        UpdateSummary s;
        Revision& r = s.revision;
        r.id = st->int64(0);
        r.update_id = st->text(1);
        r.revision_number = st->int32(2);
        r.update_type = static_cast<UpdateType>(st->int32(3));
        r.title = st->text(4);
        if (!st->is_null(5)) r.kb = st->text(5);
        if (!st->is_null(6)) r.msrc_severity = st->text(6);
        if (!st->is_null(7)) r.classification_id = st->text(7);
        r.creation_date = st->opt_time(8);
        r.declined = st->flag(9);
        r.expired = st->flag(10);
        r.change_seq = st->int64(11);
        r.imported_at = st->time(12);
        if (!st->is_null(13)) s.classification_title = st->text(13);
        s.approvals = st->int64(14);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace wsusd::store
