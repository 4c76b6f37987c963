// Installation status per computer × update (the state a WSUS administrator sees), derived from the
// client events of ReportEventBatch as they are stored.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/event_repo.h"
#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

enum class UpdateState {
    unknown = 0,
    not_applicable = 1,
    needed = 2,
    downloaded = 3,
    installed = 4,
    installed_pending_reboot = 5,
    failed = 6,
};

const char* update_state_name(UpdateState s);

/// MS-WSUSSS §3.1.4.17.3.4 SummarizationState (0 not applicable, 2 not installed, 3 downloaded, 4 installed,
/// 5 failed, 6 installed pending reboot) from a state; nullopt for unknown, which the protocol cannot say.
std::optional<int> summarization_state(UpdateState s);
/// The state of a SummarizationState; nullopt for a value the protocol does not define.
std::optional<UpdateState> state_of_summarization(int value);

struct UpdateStatus {
    std::string update_id;
    UpdateState state = UpdateState::unknown;
    std::int32_t win32_hresult = 0;
    TimePoint event_time;
    TimePoint changed_at;
};

struct FailedInstall {
    ComputerId computer = 0;
    std::string client_id;
    std::string dns_name;
    std::string update_id;
    std::int32_t win32_hresult = 0;
    TimePoint event_time;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class StatusRepo {
public:
    explicit StatusRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Applies stored client events in time order: download/install events (161, 162, 167, 181–184,
    /// 201, 203) set the state of their update; 202 (reboot completed) turns every pending reboot of
    /// the computer into installed; 156's U/V lists mark needed and installed updates. An event older
    /// than the one that set the current state changes nothing (batches may arrive out of order).
    Result<void> apply(ComputerId computer, std::span<const ClientEvent> events, TimePoint now);

    Result<std::vector<UpdateStatus>> for_computer(ComputerId computer);
    /// Number of updates per state for each computer with an id in [first, last] (one aggregate query).
    Result<std::map<ComputerId, std::map<UpdateState, std::int64_t>>> state_counts(ComputerId first, ComputerId last);
    /// Number of computers per state for one update.
    Result<std::map<UpdateState, std::int64_t>> summary(std::string_view update_id);
    /// The same among the members of one target group (computer_group; not for All Computers).
    Result<std::map<UpdateState, std::int64_t>> summary_in_group(std::string_view update_id, std::string_view group_id);
    /// Computers in the store, or in one group; what has not reported a state for an update counts as unknown.
    Result<std::int64_t> computer_count(std::optional<std::string_view> group_id = std::nullopt);
    /// Failed installations after (computer, update) in that order, at most `limit` (keyset paging).
    Result<std::vector<FailedInstall>> failures(ComputerId after_computer, std::string_view after_update,
                                                std::int64_t limit);

private:
    Result<void> set(ComputerId computer, const std::string& update_id, UpdateState state, std::int32_t hresult,
                     TimePoint event_time, TimePoint now);

    Connection& conn_;
};

}  // namespace wsusd::store
