#include "store/airgap_repo.h"

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {
namespace {

std::optional<AirgapAnchor> opt_anchor(const Statement& st, int col) {
    if (st.is_null(col)) return std::nullopt;
    return AirgapAnchor{st.int64(col), st.int64(col + 1)};
}

// Column order of WSUSD_AIRGAP_IMPORT_COLUMNS in schema.h.
AirgapImport read_import(const Statement& st) {
    AirgapImport i;
    i.bundle_id = st.text(0);
    i.key_id = st.text(1);
    i.sequence = st.int64(2);
    i.since = opt_anchor(st, 3);
    i.upto = AirgapAnchor{st.int64(5), st.int64(6)};
    i.parts_total = st.int32(7);
    i.parts_done = st.int32(8);
    i.complete = st.int32(9) == 1;
    i.started_at = st.time(10);
    i.finished_at = st.opt_time(11);
    return i;
}

Result<std::optional<AirgapImport>> one_import(Connection& conn, std::string_view sql, std::string_view key) {
    STORE_ASSIGN(auto st, conn.statement(sql));
    st->bind(1, key);
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::optional<AirgapImport>();
    return std::optional<AirgapImport>(read_import(*st));
}

}  // namespace

Result<std::optional<AirgapExport>> AirgapRepo::last_export() {
    STORE_ASSIGN(auto st, conn_.statement(sql::airgap_export_select_last0));
    STORE_ASSIGN(const bool row, st->step());
    if (!row) return std::optional<AirgapExport>();
    AirgapExport e;
    e.sequence = st->int64(0);
    e.bundle_id = st->text(1);
    e.created_at = st->time(2);
    e.since = opt_anchor(*st, 3);
    e.upto = AirgapAnchor{st->int64(5), st->int64(6)};
    e.path = st->text(7);
    e.summary = st->text(8);
    return std::optional<AirgapExport>(std::move(e));
}

Result<void> AirgapRepo::record_export(const AirgapExport& e) {
    STORE_ASSIGN(auto st, conn_.statement(sql::airgap_export_insert9));
    std::optional<std::int64_t> sc, sd;
    if (e.since) sc = e.since->catalog, sd = e.since->deployments;
    st->bind_all(e.sequence, std::string_view(e.bundle_id), e.created_at, sc, sd, e.upto.catalog, e.upto.deployments,
                 std::string_view(e.path), std::string_view(e.summary));
    return st->run();
}

Result<std::optional<AirgapImport>> AirgapRepo::import_of(std::string_view bundle_id) {
    return one_import(conn_, sql::airgap_import_select1, bundle_id);
}

Result<std::optional<AirgapImport>> AirgapRepo::last_import(std::string_view key_id) {
    return one_import(conn_, sql::airgap_import_select_last1, key_id);
}

Result<std::optional<AirgapImport>> AirgapRepo::last_complete_import(std::string_view key_id) {
    return one_import(conn_, sql::airgap_import_select_last_complete1, key_id);
}

Result<void> AirgapRepo::begin_import(const AirgapImport& i) {
    STORE_ASSIGN(auto st, conn_.statement(sql::airgap_import_insert9));
    std::optional<std::int64_t> sc, sd;
    if (i.since) sc = i.since->catalog, sd = i.since->deployments;
    st->bind_all(std::string_view(i.bundle_id), std::string_view(i.key_id), i.sequence, sc, sd, i.upto.catalog,
                 i.upto.deployments, i.parts_total, i.started_at);
    return st->run();
}

Result<void> AirgapRepo::mark_part_done(std::string_view bundle_id, int part) {
    STORE_ASSIGN(auto st, conn_.statement(sql::airgap_import_part_done2));
    st->bind_all(bundle_id, part);
    STORE_TRY(st->run());
    if (conn_.changes() != 1)
        return fail(Errc::conflict, "bundle " + std::string(bundle_id) + ": part " + std::to_string(part) +
                                        " does not follow the last committed part");
    return {};
}

Result<void> AirgapRepo::complete_import(std::string_view bundle_id, TimePoint now) {
    STORE_ASSIGN(auto st, conn_.statement(sql::airgap_import_complete2));
    st->bind_all(bundle_id, now);
    return st->run();
}

Result<int> AirgapRepo::interrupt_import_runs(std::string_view source, std::string_view reason, TimePoint now) {
    STORE_ASSIGN(auto st, conn_.statement(sql::sync_history_interrupt_import3));
    st->bind_all(now, reason, source);
    STORE_TRY(st->run());
    return conn_.changes();
}

}  // namespace wsusd::store
