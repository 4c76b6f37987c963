#include "store/status_repo.h"

#include <algorithm>
#include <cctype>

#include "store/schema.h"
#include "store/try.h"

namespace wsusd::store {

namespace {

// Windows Update's "success, restart required" (WU_S_REBOOT_REQUIRED, 0x00240005).
constexpr std::int32_t kRebootRequired = 0x00240005;

std::optional<UpdateState> state_of_event(const ClientEvent& e) {
    if (e.namespace_id != 1) return std::nullopt;
    switch (e.event_id) {
        case 161: return UpdateState::failed;      // download failed
        case 162: return UpdateState::downloaded;  // download succeeded
        case 167: return UpdateState::needed;      // download started
        case 181: return std::nullopt;             // installation started: no outcome yet
        case 182: return UpdateState::failed;      // installation failure
        case 183: return UpdateState::installed;
        case 184: return UpdateState::installed_pending_reboot;
        case 201: return e.win32_hresult == kRebootRequired ? UpdateState::installed_pending_reboot : UpdateState::needed;
        case 203: return UpdateState::installed;  // succeeded after reboot
        default: return std::nullopt;
    }
}

// MiscData of event 156: "U=ID;ID;..." (needed) and "V=ID;..." (installed), one string per list.
std::vector<std::pair<std::string, UpdateState>> status_lists(const ClientEvent& e) {
    std::vector<std::pair<std::string, UpdateState>> out;
    std::size_t start = 0;
    const std::string& m = e.misc_data;
    while (start < m.size()) {
        auto end = m.find('\n', start);
        if (end == std::string::npos) end = m.size();
        std::string_view line(m.data() + start, end - start);
        if (line.size() > 2 && (line[0] == 'U' || line[0] == 'V') && line[1] == '=') {
            UpdateState st = line[0] == 'U' ? UpdateState::needed : UpdateState::installed;
            std::string_view ids = line.substr(2);
            std::size_t p = 0;
            while (p < ids.size()) {
                auto q = ids.find(';', p);
                if (q == std::string_view::npos) q = ids.size();
                auto g = normalize_guid(ids.substr(p, q - p));
                if (g) out.emplace_back(std::move(*g), st);
                p = q + 1;
            }
        }
        start = end + 1;
    }
    return out;
}

}  // namespace

const char* update_state_name(UpdateState s) {
    switch (s) {
        case UpdateState::unknown: return "unknown";
        case UpdateState::not_applicable: return "not_applicable";
        case UpdateState::needed: return "needed";
        case UpdateState::downloaded: return "downloaded";
        case UpdateState::installed: return "installed";
        case UpdateState::installed_pending_reboot: return "installed_pending_reboot";
        case UpdateState::failed: return "failed";
    }
    return "unknown";
}

std::optional<int> summarization_state(UpdateState s) {
    switch (s) {
        case UpdateState::unknown: return std::nullopt;
        case UpdateState::not_applicable: return 0;
        case UpdateState::needed: return 2;
        case UpdateState::downloaded: return 3;
        case UpdateState::installed: return 4;
        case UpdateState::failed: return 5;
        case UpdateState::installed_pending_reboot: return 6;
    }
    return std::nullopt;
}

std::optional<UpdateState> state_of_summarization(int value) {
    switch (value) {
        case 0: return UpdateState::not_applicable;
        case 2: return UpdateState::needed;
        case 3: return UpdateState::downloaded;
        case 4: return UpdateState::installed;
        case 5: return UpdateState::failed;
        case 6: return UpdateState::installed_pending_reboot;
        default: return std::nullopt;
    }
}

Result<void> StatusRepo::set(ComputerId computer, const std::string& update_id, UpdateState state,
                             std::int32_t hresult, TimePoint event_time, TimePoint now) {
    STORE_ASSIGN(auto q, conn_.statement(sql::update_status_select2));
    q->bind_all(computer, update_id);
    STORE_ASSIGN(const bool row, q->step());
    if (row && q->time(2) > event_time) return {};  // a newer event already decided
    STORE_ASSIGN(auto st, conn_.statement(sql::update_status_upsert6));
    st->bind_all(computer, update_id, static_cast<int>(state), hresult, event_time, now);
    return st->run();
}

Result<void> StatusRepo::apply(ComputerId computer, std::span<const ClientEvent> events, TimePoint now) {
    std::vector<const ClientEvent*> ordered;
    for (const auto& e : events) ordered.push_back(&e);
    std::stable_sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->time < b->time; });
    for (const auto* e : ordered) {
        if (e->namespace_id == 1 && e->event_id == 202) {
            STORE_ASSIGN(auto st, conn_.statement(sql::update_status_pending_to_installed3));
            st->bind_all(computer, e->time, now);
            STORE_TRY(st->run());
            continue;
        }
        if (e->namespace_id == 1 && e->event_id == 156) {
            for (const auto& [id, state] : status_lists(*e)) {
                // A status report does not override a failure or a pending reboot it cannot see.
                STORE_ASSIGN(auto q, conn_.statement(sql::update_status_select2));
                q->bind_all(computer, id);
                STORE_ASSIGN(const bool row, q->step());
                if (row && state == UpdateState::needed &&
                    (q->int32(0) == static_cast<int>(UpdateState::failed) ||
                     q->int32(0) == static_cast<int>(UpdateState::installed_pending_reboot)))
                    continue;
                STORE_TRY(set(computer, id, state, 0, e->time, now));
            }
            continue;
        }
        auto st = state_of_event(*e);
        if (!st || !e->update_id) continue;
        STORE_TRY(set(computer, *e->update_id, *st, e->win32_hresult, e->time, now));
    }
    return {};
}

Result<std::vector<UpdateStatus>> StatusRepo::for_computer(ComputerId computer) {
    STORE_ASSIGN(auto st, conn_.statement(sql::update_status_select_computer1));
    st->bind(1, computer);
    std::vector<UpdateStatus> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->text(0), static_cast<UpdateState>(st->int32(1)), st->int32(2), st->time(3), st->time(4)});
    }
}

Result<std::map<ComputerId, std::map<UpdateState, std::int64_t>>> StatusRepo::state_counts(ComputerId first,
                                                                                            ComputerId last) {
    STORE_ASSIGN(auto st, conn_.statement(sql::update_status_counts_by_computer2));
    st->bind_all(first, last);
    std::map<ComputerId, std::map<UpdateState, std::int64_t>> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out[st->int64(0)][static_cast<UpdateState>(st->int32(1))] = st->int64(2);
    }
}

Result<std::map<UpdateState, std::int64_t>> StatusRepo::summary(std::string_view update_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::update_status_summary1));
    st->bind_all(std::string(update_id));
    std::map<UpdateState, std::int64_t> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out[static_cast<UpdateState>(st->int32(0))] = st->int64(1);
    }
}

Result<std::map<UpdateState, std::int64_t>> StatusRepo::summary_in_group(std::string_view update_id,
                                                                         std::string_view group_id) {
    STORE_ASSIGN(auto st, conn_.statement(sql::update_status_summary_group2));
    st->bind_all(std::string(update_id), std::string(group_id));
    std::map<UpdateState, std::int64_t> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out[static_cast<UpdateState>(st->int32(0))] = st->int64(1);
    }
}

Result<std::int64_t> StatusRepo::computer_count(std::optional<std::string_view> group_id) {
    STORE_ASSIGN(auto st, conn_.statement(group_id ? sql::computer_count_group1 : sql::computer_count0));
    if (group_id) st->bind_all(std::string(*group_id));
    STORE_ASSIGN(const bool row, st->step());
    return row ? st->int64(0) : 0;
}

Result<std::vector<FailedInstall>> StatusRepo::failures(ComputerId after_computer, std::string_view after_update,
                                                        std::int64_t limit) {
    STORE_ASSIGN(auto st, conn_.statement(sql::update_status_failures3));
    st->bind_all(after_computer, std::string(after_update), limit);
    std::vector<FailedInstall> out;
    while (true) {
        STORE_ASSIGN(const bool row, st->step());
        if (!row) return out;
        out.push_back({st->int64(0), st->text(1), st->text(2), st->text(3), st->int32(4), st->time(5)});
    }
}

}  // namespace wsusd::store
