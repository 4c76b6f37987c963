// Client reporting events (ReportEventBatch): stored once per (computer, time, instance id), so a client
// that retries a batch after a lost reply does not duplicate its history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/sqlite.h"
#include "store/types.h"
#include "wsusd/result.h"

namespace wsusd::store {

struct ClientEvent {
    TimePoint time;           ///< TimeAtTarget
    std::string instance_id;  ///< EventInstanceID (GUID)
    int event_id = 0;
    int namespace_id = 0;
    int source_id = 0;
    std::optional<std::string> update_id;
    std::optional<int> revision_number;
    std::int32_t win32_hresult = 0;
    std::string app_name;
    std::string device_id;
    std::string misc_data;
    std::vector<std::string> replacement_strings;
};

struct StoredEvent {
    std::int64_t id = 0;
    ComputerId computer_id = 0;
    ClientEvent event;
    TimePoint received_at;
};

/// Works on the connection it is given; writes need the writer (Store::with_writer).
class EventRepo {
  public:
    explicit EventRepo(Connection& conn) noexcept : conn_(conn) {}

    /// Stores a batch atomically, skipping events already stored. Returns how many were new.
    Result<std::size_t> insert_batch(ComputerId computer, std::span<const ClientEvent> events, TimePoint received_at);
    /// Newest first, events strictly before `before` (pass TimePoint::max() for the newest page).
    Result<std::vector<StoredEvent>> for_computer(ComputerId computer, TimePoint before, int limit);
    Result<std::int64_t> count_for_computer(ComputerId computer);
    /// Deletes up to `max_rows` events older than `cutoff`; call until it returns 0. Bounded so the write lock
    /// is never held for long.
    Result<std::size_t> prune(TimePoint cutoff, int max_rows);

  private:
    Connection& conn_;
};

}  // namespace wsusd::store
