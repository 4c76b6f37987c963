#include "sync/dependency_gate.h"

namespace wsusd::sync {

DependencyGate::DependencyGate(std::unordered_set<std::string> expected) : expected_(std::move(expected)) {}

std::vector<std::size_t> DependencyGate::add(std::size_t index, const std::string& update_id,
                                             const std::vector<std::string>& needs) {
    std::vector<std::size_t> out;
    const std::size_t slot = waiters_.size();
    waiters_.push_back(Waiter{index, update_id, 0, false});
    std::unordered_set<std::string> seen;
    for (const auto& n : needs) {
        if (n == update_id || !expected_.count(n) || !seen.insert(n).second) continue;
        blocked_on_[n].push_back(slot);
        ++waiters_[slot].blockers;
    }
    if (waiters_[slot].blockers == 0) {
        waiters_[slot].done = true;
        out.push_back(index);
        release(update_id, out);
    } else {
        ++waiting_count_;
    }
    return out;
}

std::vector<std::size_t> DependencyGate::give_up(const std::string& update_id) {
    std::vector<std::size_t> out;
    release(update_id, out);
    return out;
}

void DependencyGate::release(const std::string& first, std::vector<std::size_t>& out) {
    // Iterative: long prerequisite chains must not recurse deeply.
    std::vector<std::string> todo{first};
    while (!todo.empty()) {
        std::string id = std::move(todo.back());
        todo.pop_back();
        // Another revision of the same update may still be expected; one arrival is enough for visibility.
        if (!expected_.erase(id)) continue;
        auto it = blocked_on_.find(id);
        if (it == blocked_on_.end()) continue;
        auto slots = std::move(it->second);
        blocked_on_.erase(it);
        for (auto s : slots) {
            auto& w = waiters_[s];
            if (w.done || --w.blockers > 0) continue;
            w.done = true;
            --waiting_count_;
            out.push_back(w.index);
            todo.push_back(w.update_id);
        }
    }
}

std::vector<std::size_t> DependencyGate::drain() {
    std::vector<std::size_t> out;
    for (auto& w : waiters_) {
        if (w.done) continue;
        w.done = true;
        out.push_back(w.index);
    }
    waiting_count_ = 0;
    blocked_on_.clear();
    return out;
}

}  // namespace wsusd::sync
