#include "store/revision_repo.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "store/compress.h"
#include "store/schema.h"
#include "store/settings_repo.h"
#include "store/text_list.h"
#include "store/try.h"

namespace wsusd::store {
namespace {

// Column order of WSUSD_REVISION_COLUMNS in schema.h.
Revision read_revision(const Statement& st) {
    Revision r;
    r.id = st.int64(0);
    r.update_id = st.text(1);
    r.revision_number = st.int32(2);
    r.update_type = static_cast<UpdateType>(st.int32(3));
    r.category_type = st.opt_text(4);
    r.title = st.text(5);
    r.kb = st.opt_text(6);
    r.msrc_severity = st.opt_text(7);
    r.classification_id = st.opt_text(8);
    r.creation_date = st.opt_time(9);
    r.is_leaf = st.flag(10);
    r.is_bundle = st.flag(11);
    r.is_latest = st.flag(12);
    r.declined = st.flag(13);
    r.expired = st.flag(14);
    r.change_seq = st.int64(15);
    r.imported_at = st.time(16);
    return r;
}

Result<std::vector<Revision>> collect(Statement& st) {
    std::vector<Revision> out;
    while (true) {
        STORE_ASSIGN(const bool row, st.step());
        if (!row) return out;
        out.push_back(read_revision(st));
    }
}

Result<Revision> collect_one(Statement& st, std::string what) {
    STORE_ASSIGN(const bool row, st.step());
    if (!row) return fail(Errc::not_found, "no revision " + what);
    return read_revision(st);
}

Result<std::string> normalize_hex(std::string_view text, std::size_t length, std::string_view what) {
    if (text.size() != length) {
        return fail(Errc::invalid_argument, std::string(what) + " must be " + std::to_string(length) +
                                                " hex digits: '" + std::string(text) + "'");
    }
    std::string out(text);
    for (char& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (!std::isxdigit(u)) {
            return fail(Errc::invalid_argument, std::string(what) + " is not hex: '" + std::string(text) + "'");
        }
        c = static_cast<char>(std::tolower(u));
    }
    return out;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

DriverRecord read_driver(const Statement& st) {
    // Columns: revision_id, hardware_id, compatible_ids, driver_version, driver_date, driver_class.
    return DriverRecord{st.text(1), split_lines(st.text_view(2)), st.text(3), st.text(4), st.text(5)};
}

Result<std::string> read_blob_text(Statement& st) {
    return inflate_text(st.blob(1), static_cast<std::size_t>(st.int64(0)));
}

Result<void> insert_category(Connection& conn, RevisionId id, std::string_view category, CategoryKind kind) {
    STORE_ASSIGN(auto guid, normalize_guid(category));
    STORE_ASSIGN(auto st, conn.statement(sql::revision_category_insert3));
    st->bind_all(id, guid, static_cast<int>(kind));
    return st->run();
}

}  // namespace

Result<InsertedRevision> RevisionRepo::insert(const NewRevision& revision, TimePoint now) {
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    STORE_ASSIGN(auto inserted, insert_one(revision, now));
    STORE_TRY(tx.commit());
    return inserted;
}

Result<std::vector<InsertedRevision>> RevisionRepo::insert_batch(std::span<const NewRevision> revisions,
                                                                 TimePoint now) {
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    std::vector<InsertedRevision> out;
    out.reserve(revisions.size());
    for (const auto& revision : revisions) {
        STORE_ASSIGN(auto inserted, insert_one(revision, now));
        out.push_back(inserted);
    }
    STORE_TRY(tx.commit());
    return out;
}

Result<InsertedRevision> RevisionRepo::insert_one(const NewRevision& in, TimePoint now) {
    STORE_ASSIGN(const auto update_id, normalize_guid(in.update_id));
    if (in.revision_number < 0) return fail(Errc::invalid_argument, "negative revision number for " + update_id);
    std::optional<std::string> classification;
    if (in.classification_id) {
        STORE_ASSIGN(classification, normalize_guid(*in.classification_id));
    }

    {
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_id2));
        st->bind_all(update_id, in.revision_number);
        STORE_ASSIGN(const bool exists, st->step());
        if (exists) return InsertedRevision{st->int64(0), false};
    }

    bool is_latest = true;
    bool inherit_decline = false;
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_history1));
        st->bind(1, update_id);
        STORE_ASSIGN(const bool row, st->step());
        if (row && !st->is_null(0)) {
            // Revisions may arrive out of order (e.g. a resumed sync); only the highest number is latest.
            is_latest = in.revision_number > st->int64(0);
            inherit_decline = st->flag(1);  // declining is a decision about the update, not one revision
        }
    }

    STORE_ASSIGN(const auto seq, SettingsRepo(conn_).bump_counter(kCatalogVersionCounter));
    if (is_latest) {
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_update_clear_latest1));
        st->bind(1, update_id);
        STORE_TRY(st->run());
    }

    RevisionId id = 0;
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_insert16));
        st->bind_all(update_id, in.revision_number, static_cast<int>(in.update_type), in.category_type, in.title, in.kb,
                     in.msrc_severity, classification, in.creation_date, in.is_leaf, in.is_bundle, is_latest,
                     in.declined || inherit_decline, in.expired, seq, now);
        STORE_TRY(st->run());
        id = conn_.last_insert_rowid();
    }
    // MS-WUSP carries RevisionID as a 32-bit int; past that, clients could not name the revision.
    if (id > std::numeric_limits<std::int32_t>::max()) {
        return fail(Errc::limit_exceeded, "revision id space (int32) exhausted");
    }

    if (!in.xml.empty()) {
        STORE_ASSIGN(const auto blob, deflate_text(in.xml));
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_xml_insert3));
        st->bind_all(id, in.xml.size()).bind_blob(3, blob);
        STORE_TRY(st->run());
    }
    for (const auto& fragment : in.fragments) {
        const bool localized = fragment.kind == FragmentKind::localized;
        if (localized && fragment.language.empty()) {
            return fail(Errc::invalid_argument, "localized fragment without a language for " + update_id);
        }
        STORE_ASSIGN(const auto blob, deflate_text(fragment.xml));
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_fragment_insert5));
        st->bind_all(id, static_cast<int>(fragment.kind), localized ? lower(fragment.language) : std::string(),
                     fragment.xml.size())
            .bind_blob(5, blob);
        STORE_TRY(st->run());
    }

    for (const auto& product : in.product_ids) STORE_TRY(insert_category(conn_, id, product, CategoryKind::product));
    if (classification) STORE_TRY(insert_category(conn_, id, *classification, CategoryKind::classification));
    for (const auto& category : in.category_ids) {
        STORE_TRY(insert_category(conn_, id, category, CategoryKind::other));
    }

    for (std::size_t group = 0; group < in.prerequisites.size(); ++group) {
        for (const auto& prerequisite : in.prerequisites[group]) {
            STORE_ASSIGN(const auto guid, normalize_guid(prerequisite));
            STORE_ASSIGN(auto st, conn_.statement(sql::revision_prerequisite_insert3));
            st->bind_all(id, group, guid);
            STORE_TRY(st->run());
        }
    }
    for (const auto& member : in.bundled) {
        STORE_ASSIGN(const auto guid, normalize_guid(member.update_id));
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_bundle_insert3));
        st->bind_all(id, guid, member.revision_number);
        STORE_TRY(st->run());
    }
    for (const auto& superseded : in.supersedes) {
        STORE_ASSIGN(const auto guid, normalize_guid(superseded));
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_supersedes_insert2));
        st->bind_all(id, guid);
        STORE_TRY(st->run());
    }
    for (const auto& file : in.files) {
        STORE_ASSIGN(const auto sha1, normalize_hex(file.sha1, 40, "file sha1"));
        std::optional<std::string> sha256;
        if (file.sha256) {
            STORE_ASSIGN(sha256, normalize_hex(*file.sha256, 64, "file sha256"));
        }
        std::int64_t file_id = 0;
        {
            STORE_ASSIGN(auto st, conn_.statement(sql::file_upsert6));
            st->bind_all(sha1, sha256, file.size, file.name, file.url, file.patching_type);
            STORE_ASSIGN(const bool row, st->step());
            if (!row) return fail(Errc::internal, "file upsert returned no id");
            file_id = st->int64(0);
            STORE_TRY(st->run());
        }
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_file_insert2));
        st->bind_all(id, file_id);
        STORE_TRY(st->run());
    }
    for (const auto& language : in.languages) {
        std::string l = language;
        for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_language_insert2));
        st->bind_all(id, l);
        STORE_TRY(st->run());
    }
    for (const auto& driver : in.drivers) {
        STORE_ASSIGN(auto st, conn_.statement(sql::driver_insert6));
        st->bind_all(id, driver.hardware_id, join_lines(driver.compatible_ids), driver.version, driver.date,
                     driver.driver_class);
        STORE_TRY(st->run());
    }
    return InsertedRevision{id, true};
}

Result<Revision> RevisionRepo::get(std::string_view update_id, int revision_number) {
    STORE_ASSIGN(const auto guid, normalize_guid(update_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_by_update2));
    st->bind_all(guid, revision_number);
    return collect_one(*st, guid + " rev " + std::to_string(revision_number));
}

Result<Revision> RevisionRepo::get(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_by_id1));
    st->bind(1, id);
    return collect_one(*st, "with id " + std::to_string(id));
}

Result<Revision> RevisionRepo::latest(std::string_view update_id) {
    STORE_ASSIGN(const auto guid, normalize_guid(update_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_latest_by_update1));
    st->bind(1, guid);
    return collect_one(*st, "of update " + guid);
}

Result<std::vector<Revision>> RevisionRepo::history(std::string_view update_id) {
    STORE_ASSIGN(const auto guid, normalize_guid(update_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_all_by_update1));
    st->bind(1, guid);
    return collect(*st);
}

Result<std::vector<Revision>> RevisionRepo::get_many(std::span<const RevisionId> ids) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_by_ids1));
    st->bind(1, json_array(ids));
    STORE_ASSIGN(auto found, collect(*st));
    std::unordered_map<RevisionId, std::size_t> index;
    for (std::size_t i = 0; i < found.size(); ++i) index.emplace(found[i].id, i);
    std::vector<Revision> out;
    out.reserve(found.size());
    for (const auto id : ids) {
        if (auto it = index.find(id); it != index.end()) out.push_back(found[it->second]);
    }
    return out;
}

Result<std::vector<Revision>> RevisionRepo::latest_of(std::span<const std::string> update_ids) {
    std::vector<std::string> guids;
    guids.reserve(update_ids.size());
    for (const auto& id : update_ids) {
        STORE_ASSIGN(auto guid, normalize_guid(id));
        guids.push_back(std::move(guid));
    }
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_latest_by_updates1));
    st->bind(1, json_array(guids));
    STORE_ASSIGN(auto found, collect(*st));
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < found.size(); ++i) index.emplace(found[i].update_id, i);
    std::vector<Revision> out;
    out.reserve(found.size());
    for (const auto& guid : guids) {
        if (auto it = index.find(guid); it != index.end()) out.push_back(found[it->second]);
    }
    return out;
}

Result<std::vector<Revision>> RevisionRepo::changed_since(std::int64_t since, int limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_changed2));
    st->bind_all(since, limit);
    return collect(*st);
}

Result<std::vector<Revision>> RevisionRepo::changed_in_categories(std::span<const std::string> category_ids,
                                                                  std::int64_t since, int limit) {
    std::vector<std::string> guids;
    guids.reserve(category_ids.size());
    for (const auto& id : category_ids) {
        STORE_ASSIGN(auto guid, normalize_guid(id));
        guids.push_back(std::move(guid));
    }
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_changed_in_categories3));
    st->bind_all(json_array(guids), since, limit);
    return collect(*st);
}

Result<std::vector<PrerequisiteEdge>> RevisionRepo::latest_prerequisite_edges() {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_prerequisite_select_latest0));
    std::vector<PrerequisiteEdge> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->int64(0), st->int32(1), st->text(2)});
    }
}

Result<std::vector<BundleEdge>> RevisionRepo::latest_bundle_edges() {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_bundle_select_latest0));
    std::vector<BundleEdge> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->int64(0), st->text(1)});
    }
}

Result<std::vector<std::pair<RevisionId, std::string>>> RevisionRepo::latest_category_edges() {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_category_select_latest0));
    std::vector<std::pair<RevisionId, std::string>> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.emplace_back(st->int64(0), st->text(1));
    }
}

Result<std::string> RevisionRepo::xml(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_xml_select1));
    st->bind(1, id);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no XML stored for revision " + std::to_string(id));
    return read_blob_text(*st);
}

Result<std::string> RevisionRepo::fragment(RevisionId id, FragmentKind kind, std::string_view language) {
    const bool localized = kind == FragmentKind::localized;
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_fragment_select3));
    st->bind_all(id, static_cast<int>(kind), localized ? lower(language) : std::string());
    STORE_ASSIGN(const bool row, st->step());
    if (!row) {
        return fail(Errc::not_found, "no fragment of kind " + std::to_string(static_cast<int>(kind)) +
                                         (localized ? " (" + std::string(language) + ")" : std::string()) +
                                         " for revision " + std::to_string(id));
    }
    return read_blob_text(*st);
}

Result<std::vector<std::string>> RevisionRepo::fragment_languages(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_fragment_select_languages1));
    st->bind(1, id);
    std::vector<std::string> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->text(0));
    }
}

Result<std::vector<RevisionCategory>> RevisionRepo::categories(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_category_select1));
    st->bind(1, id);
    std::vector<RevisionCategory> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(RevisionCategory{st->text(0), static_cast<CategoryKind>(st->int32(1))});
    }
}

Result<std::vector<std::vector<std::string>>> RevisionRepo::prerequisites(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_prerequisite_select1));
    st->bind(1, id);
    std::vector<std::vector<std::string>> groups;
    std::int64_t current = -1;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return groups;
        if (st->int64(0) != current || groups.empty()) {
            current = st->int64(0);
            groups.emplace_back();
        }
        groups.back().push_back(st->text(1));
    }
}

Result<PrerequisiteClosure> RevisionRepo::prerequisite_closure(std::span<const std::string> update_ids) {
    // Iterative depth-first search with post-order output: an update is emitted only after all its
    // prerequisites, which is the order a client must evaluate/install them in. An explicit stack keeps deep
    // chains from exhausting the thread stack.
    enum class State { visiting, done };
    std::unordered_map<std::string, State> state;
    PrerequisiteClosure out;
    struct Frame {
        std::string update_id;
        bool expanded;
    };
    std::vector<Frame> stack;

    for (auto it = update_ids.rbegin(); it != update_ids.rend(); ++it) {
        STORE_ASSIGN(auto guid, normalize_guid(*it));
        stack.push_back(Frame{std::move(guid), false});
    }
    while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.expanded) {
            state[top.update_id] = State::done;
            out.ordered.push_back(std::move(top.update_id));
            stack.pop_back();
            continue;
        }
        if (state.contains(top.update_id)) {  // already emitted, or a cycle back to an ancestor: skip
            stack.pop_back();
            continue;
        }
        std::optional<RevisionId> latest_id;
        {
            STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_latest_id1));
            st->bind(1, top.update_id);
            STORE_ASSIGN(const bool row, st->step());
            if (row) latest_id = st->int64(0);
        }
        if (!latest_id) {
            state[top.update_id] = State::done;
            out.unknown.push_back(std::move(top.update_id));
            stack.pop_back();
            continue;
        }
        state[top.update_id] = State::visiting;
        top.expanded = true;
        STORE_ASSIGN(const auto groups, prerequisites(*latest_id));
        std::vector<std::string> next;
        for (const auto& group : groups) {
            for (const auto& id : group) next.push_back(id);
        }
        // `top` may dangle once we push; it is not used below.
        for (auto it = next.rbegin(); it != next.rend(); ++it) {
            if (!state.contains(*it)) stack.push_back(Frame{*it, false});
        }
    }
    return out;
}

Result<std::vector<BundleMember>> RevisionRepo::bundle_members(RevisionId bundle) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_bundle_select1));
    st->bind(1, bundle);
    std::vector<BundleMember> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(BundleMember{st->text(0), st->int32(1)});
    }
}

Result<std::vector<Revision>> RevisionRepo::bundles_containing(std::string_view update_id) {
    STORE_ASSIGN(const auto guid, normalize_guid(update_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_bundles_containing1));
    st->bind(1, guid);
    return collect(*st);
}

Result<std::vector<std::string>> RevisionRepo::superseded_by_revision(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_supersedes_select1));
    st->bind(1, id);
    std::vector<std::string> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->text(0));
    }
}

Result<std::vector<Revision>> RevisionRepo::superseding(std::string_view update_id) {
    STORE_ASSIGN(const auto guid, normalize_guid(update_id));
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_superseding1));
    st->bind(1, guid);
    return collect(*st);
}

Result<std::vector<RevisionFile>> RevisionRepo::files(std::span<const RevisionId> ids) {
    STORE_ASSIGN(auto st, conn_.statement(sql::file_select_by_revisions1));
    st->bind(1, json_array(ids));
    std::vector<RevisionFile> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(RevisionFile{st->int64(0), FileRecord{st->text(1), st->opt_text(2), st->int64(3), st->text(4),
                                                            st->text(5), st->text(6)}});
    }
}

Result<FileRecord> RevisionRepo::file_by_sha1(std::string_view sha1_hex) {
    STORE_ASSIGN(const auto sha1, normalize_hex(sha1_hex, 40, "file sha1"));
    STORE_ASSIGN(auto st, conn_.statement(sql::file_select_by_sha1_1));
    st->bind(1, sha1);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return fail(Errc::not_found, "no file with sha1 " + sha1);
    return FileRecord{st->text(0), st->opt_text(1), st->int64(2), st->text(3), st->text(4), st->text(5)};
}

Result<std::vector<FileRecord>> RevisionRepo::files_page(std::string_view after_sha1, int limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::file_select_page2));
    st->bind(1, after_sha1);
    st->bind(2, static_cast<std::int64_t>(limit));
    std::vector<FileRecord> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(FileRecord{st->text(0), st->opt_text(1), st->int64(2), st->text(3), st->text(4), st->text(5)});
    }
}

Result<std::vector<std::pair<RevisionId, std::string>>> RevisionRepo::languages() {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_language_select_all0));
    std::vector<std::pair<RevisionId, std::string>> out;
    for (;;) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.emplace_back(st->int64(0), st->text(1));
    }
}

Result<std::vector<RevisionId>> RevisionRepo::revisions_of_file(std::string_view sha1_hex) {
    STORE_ASSIGN(const auto sha1, normalize_hex(sha1_hex, 40, "file sha1"));
    STORE_ASSIGN(auto st, conn_.statement(sql::file_revisions_select1));
    st->bind_all(sha1);
    std::vector<RevisionId> out;
    for (;;) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(st->int64(0));
    }
}

Result<std::vector<DriverRecord>> RevisionRepo::drivers(RevisionId id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::driver_select_by_revision1));
    st->bind(1, id);
    std::vector<DriverRecord> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(read_driver(*st));
    }
}

Result<std::vector<DriverOfRevision>> RevisionRepo::drivers_for_hardware_id(std::string_view hardware_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::driver_select_latest_by_hardware_id1));
    st->bind(1, hardware_id);
    std::vector<DriverOfRevision> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(DriverOfRevision{st->int64(0), read_driver(*st)});
    }
}

Result<void> RevisionRepo::set_flag(std::string_view update_id, std::string_view update_sql, bool value) {
    STORE_ASSIGN(const auto guid, normalize_guid(update_id));
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    {
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_select_latest_id1));
        st->bind(1, guid);
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return fail(Errc::not_found, "no update " + guid);
    }
    int changed = 0;
    {
        STORE_ASSIGN(auto st, conn_.statement(update_sql));
        st->bind_all(guid, value);
        STORE_TRY(st->run());
        changed = conn_.changes();
    }
    if (changed > 0) {
        STORE_ASSIGN(const auto seq, SettingsRepo(conn_).bump_counter(kCatalogVersionCounter));
        STORE_ASSIGN(auto st, conn_.statement(sql::revision_update_change_seq2));
        st->bind_all(guid, seq);
        STORE_TRY(st->run());
    }
    return tx.commit();
}

Result<void> RevisionRepo::set_declined(std::string_view update_id, bool declined) {
    return set_flag(update_id, sql::revision_update_declined2, declined);
}

Result<void> RevisionRepo::set_expired(std::string_view update_id, bool expired) {
    return set_flag(update_id, sql::revision_update_expired2, expired);
}

Result<std::int64_t> RevisionRepo::count() {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_count0));
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

Result<std::int64_t> RevisionRepo::count_latest() {
    STORE_ASSIGN(auto st, conn_.statement(sql::revision_count_latest0));
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

}  // namespace wsusd::store
