// wsusd-test-seed: changes a data directory's store through the store API, for end-to-end tests that
// need approvals, groups and memberships before the admin API is involved. Works while wsusd runs
// (SQLite WAL: another process may write; the daemon sees the change on the next request).
//   wsusd-test-seed DIR group NAME [PARENT_NAME]          → prints the group id
//   wsusd-test-seed DIR approve UPDATE_ID GROUP_NAME install|uninstall|notapproved [DEADLINE]
//   wsusd-test-seed DIR decline UPDATE_ID
//   wsusd-test-seed DIR member CLIENT_ID GROUP_NAME...
#include <iostream>
#include <string>
#include <vector>

#include "store/computer_repo.h"
#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/store.h"
#include "util/time_format.h"

using namespace wsusd;

namespace {

int die(const std::string& what) {
    std::cerr << "wsusd-test-seed: " << what << "\n";
    return 1;
}

store::TimePoint now() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

Result<std::string> group_id(store::Connection& c, const std::string& name) {
    if (name == "All Computers") return std::string(store::kAllComputersGroupId);
    auto g = store::GroupRepo(c).find_by_name(name);
    if (!g) return std::unexpected(g.error());
    return g->id;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() < 2) return die("usage: DIR group|approve|decline|member ...");
    auto opened = store::Store::open(std::string(a[0]) + "/wsusd.db");
    if (!opened) return die(opened.error().message);
    auto& st = **opened;
    const std::string& cmd = a[1];
    Result<void> r;
    if (cmd == "group" && a.size() >= 3) {
        r = st.with_writer([&](store::Connection& c) -> Result<void> {
            std::string parent(store::kAllComputersGroupId);
            if (a.size() >= 4) {
                auto p = group_id(c, a[3]);
                if (!p) return std::unexpected(p.error());
                parent = *p;
            }
            auto g = store::GroupRepo(c).create(a[2], parent, now());
            if (!g) return std::unexpected(g.error());
            std::cout << g->id << "\n";
            return {};
        });
    } else if (cmd == "approve" && a.size() >= 5) {
        r = st.with_writer([&](store::Connection& c) -> Result<void> {
            auto rev = store::RevisionRepo(c).latest(a[2]);
            if (!rev) return std::unexpected(rev.error());
            auto g = group_id(c, a[3]);
            if (!g) return std::unexpected(g.error());
            store::DeploymentAction action = a[4] == "install"     ? store::DeploymentAction::install
                                             : a[4] == "uninstall" ? store::DeploymentAction::uninstall
                                                                   : store::DeploymentAction::not_approved;
            std::optional<store::TimePoint> deadline;
            if (a.size() >= 6) {
                auto t = util::parse_datetime(a[5]);
                if (!t) return fail(Errc::invalid_argument, "bad deadline");
                deadline = std::chrono::floor<std::chrono::milliseconds>(*t);
            }
            auto d = store::DeploymentRepo(c).set({*g, rev->id, action, deadline, "e2e"}, now());
            if (!d) return std::unexpected(d.error());
            return {};
        });
    } else if (cmd == "decline" && a.size() >= 3) {
        r = st.with_writer([&](store::Connection& c) { return store::RevisionRepo(c).set_declined(a[2], true); });
    } else if (cmd == "member" && a.size() >= 4) {
        r = st.with_writer([&](store::Connection& c) -> Result<void> {
            auto id = store::ComputerRepo(c).find_id(a[2]);
            if (!id) return std::unexpected(id.error());
            std::vector<std::string> groups;
            for (std::size_t i = 3; i < a.size(); ++i) {
                auto g = group_id(c, a[i]);
                if (!g) return std::unexpected(g.error());
                groups.push_back(*g);
            }
            return store::ComputerRepo(c).set_groups(*id, groups);
        });
    } else {
        return die("unknown command or missing arguments: " + cmd);
    }
    if (!r) return die(r.error().message);
    return 0;
}
