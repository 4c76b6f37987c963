// DependencyGate: decides when a fetched revision may be committed. A revision waits while an update it needs (a
// prerequisite, or a bundle member) is still to come in this sync; once that arrives, it is released right after
// it. Committing only what the gate releases, in release order, keeps every committed batch closed under its
// dependencies: a client never sees an update before its prerequisites and bundle members (MS-WSUSO §5.1.2).
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace wsusd::sync {

class DependencyGate {
  public:
    /// `expected`: update ids this sync will still fetch (listed by the upstream and not yet stored).
    explicit DependencyGate(std::unordered_set<std::string> expected);

    /// A fetched revision (its caller-side index) and the update ids it needs. Returns the indices that are now
    /// ready, each after everything it needs.
    std::vector<std::size_t> add(std::size_t index, const std::string& update_id, const std::vector<std::string>& needs);
    /// The upstream will not deliver this update (it no longer has it): nothing waits for it any more.
    std::vector<std::size_t> give_up(const std::string& update_id);
    /// At the end of the list: whatever still waits (a dependency cycle in the metadata), in arrival order.
    std::vector<std::size_t> drain();

    std::size_t waiting() const { return waiting_count_; }

  private:
    void release(const std::string& update_id, std::vector<std::size_t>& out);

    struct Waiter {
        std::size_t index = 0;
        std::string update_id;
        std::size_t blockers = 0;
        bool done = false;
    };
    std::unordered_set<std::string> expected_;
    std::vector<Waiter> waiters_;
    std::unordered_map<std::string, std::vector<std::size_t>> blocked_on_;  // update id → waiter slots
    std::size_t waiting_count_ = 0;
};

}  // namespace wsusd::sync
