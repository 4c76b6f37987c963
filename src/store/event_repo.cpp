#include "store/event_repo.h"

#include "store/schema.h"
#include "store/text_list.h"
#include "store/try.h"

namespace wsusd::store {
namespace {

// Column order of WSUSD_EVENT_COLUMNS in schema.h.
StoredEvent read_event(const Statement& st) {
    StoredEvent out;
    out.id = st.int64(0);
    out.computer_id = st.int64(1);
    out.event.time = st.time(2);
    out.event.instance_id = st.text(3);
    out.event.event_id = st.int32(4);
    out.event.namespace_id = st.int32(5);
    out.event.source_id = st.int32(6);
    out.event.update_id = st.opt_text(7);
    if (auto rev = st.opt_int64(8)) out.event.revision_number = static_cast<int>(*rev);
    out.event.win32_hresult = static_cast<std::int32_t>(st.int64(9));
    out.event.app_name = st.text(10);
    out.event.device_id = st.text(11);
    out.event.misc_data = st.text(12);
    out.event.replacement_strings = split_lines(st.text_view(13));
    out.received_at = st.time(14);
    return out;
}

}  // namespace

Result<std::size_t> EventRepo::insert_batch(ComputerId computer, std::span<const ClientEvent> events,
                                            TimePoint received_at) {
    STORE_ASSIGN(auto tx, Transaction::begin(conn_));
    std::size_t inserted = 0;
    for (const auto& e : events) {
        STORE_ASSIGN(const auto instance, normalize_guid(e.instance_id));
        std::optional<std::string> update_id;
        if (e.update_id) {
            STORE_ASSIGN(update_id, normalize_guid(*e.update_id));
        }
        STORE_ASSIGN(auto st, conn_.statement(sql::client_event_insert14));
        st->bind_all(computer, e.time, instance, e.event_id, e.namespace_id, e.source_id, update_id, e.revision_number,
                     e.win32_hresult, e.app_name, e.device_id, e.misc_data, join_lines(e.replacement_strings),
                     received_at);
        STORE_TRY(st->run());
        inserted += static_cast<std::size_t>(conn_.changes());  // 0 when OR IGNORE skipped a duplicate
    }
    STORE_TRY(tx.commit());
    return inserted;
}

Result<std::vector<StoredEvent>> EventRepo::for_computer(ComputerId computer, TimePoint before, int limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::client_event_select_by_computer3));
    st->bind_all(computer, before, limit);
    std::vector<StoredEvent> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back(read_event(*st));
    }
}

Result<std::int64_t> EventRepo::count_for_computer(ComputerId computer) {
    STORE_ASSIGN(auto st, conn_.statement(sql::client_event_count_by_computer1));
    st->bind(1, computer);
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

Result<std::size_t> EventRepo::prune(TimePoint cutoff, int max_rows) {
    STORE_ASSIGN(auto st, conn_.statement(sql::client_event_delete_older2));
    st->bind_all(cutoff, max_rows);
    STORE_TRY(st->run());
    return static_cast<std::size_t>(conn_.changes());
}

}  // namespace wsusd::store
