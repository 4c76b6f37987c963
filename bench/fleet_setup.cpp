// wsus-fleet-setup: prepares a wsusd data directory for the fleet simulator, before the daemon starts
// (or while it runs: SQLite WAL admits another writer process). Through the store API only:
//   1. imports a catalog folder (optional; `wsusd catalog generate` writes one),
//   2. creates target groups "Fleet Ring 0..G-1",
//   3. approves a deterministic (seeded) share of the software updates for All Computers and a few per
//      ring, plus some drivers for All Computers,
//   4. registers C computers with the ids the simulator uses (fleet_ids.h), spread over the rings,
//   5. writes a manifest: per targeting group, what a client must be offered — computed here from the
//      catalog graph and the MS-WUSP evaluation rule, independently of the server's scan planner.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "catalog/catalog_import.h"
#include "core/cookie_codec.h"
#include "fleet/fleet_ids.h"
#include "store/computer_repo.h"
#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"
#include "store/settings_repo.h"
#include "store/store.h"
#include "store/types.h"
#include "util/encoding.h"

using namespace wsusd;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct Options {
    fs::path data_dir;
    fs::path import_dir;
    fs::path manifest;
    int groups = 4;
    int approve = 2000;           // software updates approved for All Computers
    int approve_per_group = 50;   // further software updates approved per ring
    int approve_drivers = 20;     // drivers approved for All Computers
    std::int64_t computers = 0;   // pre-registered computers (fleet_ids: registered_client_id)
    fs::path cookies;             // where to write each registered computer's cookie of "yesterday's" scan
    std::uint64_t seed = 1;
};

store::TimePoint now() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

[[noreturn]] void die(const std::string& what) {
    std::cerr << "wsus-fleet-setup: " << what << "\n";
    std::exit(1);
}

template <class T>
T must(Result<T> r, const char* what) {
    if (!r) die(std::string(what) + ": " + r.error().message);
    if constexpr (!std::is_void_v<T>) return std::move(*r);
}

// Deterministic on every platform (std::shuffle's algorithm is not specified).
struct SplitMix {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
};

template <class T>
void shuffle(std::vector<T>& v, std::uint64_t seed) {
    SplitMix rng{seed};
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.next() % i]);
}

// The latest revisions and their edges, as the store holds them.
struct Catalog {
    std::vector<store::Revision> revisions;
    std::unordered_map<std::string, std::size_t> by_update;
    std::unordered_map<store::RevisionId, std::size_t> by_revision;
    std::vector<std::vector<std::vector<std::string>>> prerequisites;  // per revision: AND of OR-groups
    std::vector<std::vector<std::string>> bundle_members;
    std::unordered_set<std::string> bundled;      // update ids that are members of some bundle
    std::unordered_set<std::string> prerequired;  // update ids some latest revision requires (non-leaf)
};

Catalog load_catalog(store::Store& st) {
    return must(st.with_reader([](store::Connection& c) -> Result<Catalog> {
                    store::RevisionRepo repo(c);
                    Catalog cat;
                    auto revs = repo.changed_since(0, std::numeric_limits<int>::max());
                    if (!revs) return std::unexpected(revs.error());
                    cat.revisions = std::move(*revs);
                    cat.prerequisites.resize(cat.revisions.size());
                    cat.bundle_members.resize(cat.revisions.size());
                    for (std::size_t i = 0; i < cat.revisions.size(); ++i) {
                        cat.by_update[cat.revisions[i].update_id] = i;
                        cat.by_revision[cat.revisions[i].id] = i;
                    }
                    auto edges = repo.latest_prerequisite_edges();
                    if (!edges) return std::unexpected(edges.error());
                    for (const auto& e : *edges) {
                        auto it = cat.by_revision.find(e.revision_id);
                        if (it == cat.by_revision.end()) continue;
                        auto& groups = cat.prerequisites[it->second];
                        if (groups.size() <= static_cast<std::size_t>(e.group_index)) groups.resize(e.group_index + 1);
                        groups[e.group_index].push_back(e.update_id);
                        cat.prerequired.insert(e.update_id);
                    }
                    auto bundles = repo.latest_bundle_edges();
                    if (!bundles) return std::unexpected(bundles.error());
                    for (const auto& b : *bundles) {
                        auto it = cat.by_revision.find(b.bundle_revision_id);
                        if (it == cat.by_revision.end()) continue;
                        cat.bundle_members[it->second].push_back(b.member_update_id);
                        cat.bundled.insert(b.member_update_id);
                    }
                    return cat;
                }),
                "reading the catalog");
}

// What one targeting group must be offered.
struct Expected {
    std::set<store::RevisionId> approved;  // offered with Install
    std::set<store::RevisionId> software;  // every revision of the software pass
    std::set<store::RevisionId> drivers;   // the driver pass, for the manifest's devices
};

// MS-WUSP: the server offers the deployed revisions and everything they depend on (prerequisites, bundle
// members), each once its prerequisites are met by what the client reports as installed non-leaf. The
// simulated client reports categories and detectoids that are non-leaf (some latest revision requires them)
// as installed and caches the rest, so the software pass converges on this fixed point.
Expected expected_for(const Catalog& cat, const std::vector<std::size_t>& approved_software,
                      const std::vector<std::size_t>& approved_drivers, const std::vector<std::string>& device_ids,
                      const std::map<std::string, std::vector<std::size_t>>& drivers_by_hwid) {
    Expected out;
    std::set<std::size_t> closure;
    std::vector<std::size_t> stack;
    for (auto i : approved_software) stack.push_back(i);
    for (auto i : approved_drivers) stack.push_back(i);
    while (!stack.empty()) {
        auto i = stack.back();
        stack.pop_back();
        if (!closure.insert(i).second) continue;
        for (const auto& grp : cat.prerequisites[i])
            for (const auto& u : grp)
                if (auto it = cat.by_update.find(u); it != cat.by_update.end()) stack.push_back(it->second);
        for (const auto& u : cat.bundle_members[i])
            if (auto it = cat.by_update.find(u); it != cat.by_update.end()) stack.push_back(it->second);
    }
    auto met = [&](std::size_t i, const std::set<std::string>& installed) {
        for (const auto& grp : cat.prerequisites[i]) {
            bool any = false;
            for (const auto& u : grp) any = any || installed.count(u);
            if (!grp.empty() && !any) return false;
        }
        return true;
    };
    std::set<std::string> installed;
    for (;;) {
        std::set<std::string> next;
        out.software.clear();
        for (auto i : closure) {
            const auto& r = cat.revisions[i];
            if (r.update_type == store::UpdateType::driver || !met(i, installed)) continue;
            out.software.insert(r.id);
            bool evaluates_installed =
                r.update_type == store::UpdateType::category || r.update_type == store::UpdateType::detectoid;
            if (evaluates_installed && cat.prerequired.count(r.update_id)) next.insert(r.update_id);
        }
        if (next == installed) break;
        installed = std::move(next);
    }
    for (auto i : approved_software) out.approved.insert(cat.revisions[i].id);
    for (auto i : approved_drivers) out.approved.insert(cat.revisions[i].id);
    std::set<std::size_t> approved_driver_set(approved_drivers.begin(), approved_drivers.end());
    for (const auto& hw : device_ids)
        for (auto i : drivers_by_hwid.at(hw))
            if (approved_driver_set.count(i) && met(i, installed)) out.drivers.insert(cat.revisions[i].id);
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

// The cookie each registered computer holds after yesterday's up-to-date scan: sealed with the daemon's key (created
// here when missing, as wsusd would), expired an hour after it was issued, naming the deployments seen so far and
// the computer's groups as SyncUpdates records them (effective groups plus All Computers).
static void write_cookies(store::Store& st, const Options& o) {
    auto codec = core::CookieCodec::load_or_create(o.data_dir / "keys" / "cookie.keys");
    if (!codec) die("cookie keys: " + codec.error().message);
    auto anchor = must(st.with_reader([](store::Connection& c) {
                           return store::SettingsRepo(c).counter(store::kDeploymentSeqCounter);
                       }),
                       "deployment sequence");
    std::ofstream out(o.cookies);
    const auto issued = std::chrono::system_clock::now() - std::chrono::hours(24);
    constexpr std::int64_t kBatch = 5000;
    for (std::int64_t first = 0; first < o.computers; first += kBatch) {
        must(st.with_reader([&](store::Connection& c) -> Result<void> {
                 store::ComputerRepo computers(c);
                 for (std::int64_t i = first; i < std::min(o.computers, first + kBatch); ++i) {
                     core::CookiePayload p;
                     p.client_id = fleet::registered_client_id(i);
                     auto id = computers.find_id(p.client_id);
                     if (!id) return std::unexpected(id.error());
                     auto groups = computers.effective_groups(*id);
                     if (!groups) return std::unexpected(groups.error());
                     groups->emplace_back(store::kAllComputersGroupId);
                     p.issued = issued;
                     p.expires = issued + std::chrono::hours(1);
                     p.sync_anchor = anchor;
                     p.groups_hash = core::groups_fingerprint(std::move(*groups));
                     p.extra = "2.90";
                     out << util::base64_encode(codec->seal(core::CookieKind::client, p)) << "\n";
                 }
                 return {};
             }),
             "writing cookies");
    }
    if (!out) die("cannot write " + o.cookies.string());
    std::cerr << "cookies of " << o.computers << " computers written to " << o.cookies << "\n";
}

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"Prepares a wsusd data directory for wsus-fleet (catalog, groups, approvals, computers)"};
    app.add_option("--data-dir", o.data_dir, "wsusd data directory (created if missing)")->required();
    app.add_option("--import", o.import_dir, "catalog folder to import first (wsusd catalog generate output)");
    app.add_option("--manifest", o.manifest, "where to write the manifest JSON")->required();
    app.add_option("--groups", o.groups, "target groups 'Fleet Ring N' to create")->capture_default_str();
    app.add_option("--approve", o.approve, "software updates approved for All Computers")->capture_default_str();
    app.add_option("--approve-per-group", o.approve_per_group, "further software updates approved per ring")
        ->capture_default_str();
    app.add_option("--approve-drivers", o.approve_drivers, "drivers approved for All Computers")->capture_default_str();
    app.add_option("--computers", o.computers, "computers to register, spread over the rings")->capture_default_str();
    app.add_option("--seed", o.seed, "selection seed")->capture_default_str();
    app.add_option("--cookies", o.cookies,
                   "write, per registered computer, the expired cookie its last scan left (the agent names it in "
                   "GetCookie's oldCookie the next day): one base64 line per computer, in fleet_ids order");
    CLI11_PARSE(app, argc, argv);

    fs::create_directories(o.data_dir);
    auto opened = store::Store::open(o.data_dir / "wsusd.db");
    if (!opened) die(opened.error().message);
    auto& st = **opened;
    auto t0 = std::chrono::steady_clock::now();
    auto secs = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

    if (!o.import_dir.empty()) {
        auto rep = must(catalog::import_catalog(st, o.import_dir), "import");
        std::cerr << "imported " << rep.imported << " revisions (" << rep.unchanged << " already present, "
                  << rep.rejected.size() << " rejected) in " << secs() << " s\n";
    }
    Catalog cat = load_catalog(st);
    std::cerr << cat.revisions.size() << " latest revisions\n";

    // Deployable software: not a bundle member (those come with their bundle), not declined or expired.
    std::vector<std::size_t> software, drivers;
    for (std::size_t i = 0; i < cat.revisions.size(); ++i) {
        const auto& r = cat.revisions[i];
        if (r.declined || r.expired) continue;
        if (r.update_type == store::UpdateType::software && !cat.bundled.count(r.update_id)) software.push_back(i);
        if (r.update_type == store::UpdateType::driver) drivers.push_back(i);
    }
    shuffle(software, o.seed);
    shuffle(drivers, o.seed ^ 0xd1);
    std::size_t need = static_cast<std::size_t>(o.approve) + static_cast<std::size_t>(o.groups) * o.approve_per_group;
    if (need > software.size()) die("not enough software updates: " + std::to_string(software.size()) + " < " +
                                    std::to_string(need));
    if (static_cast<std::size_t>(o.approve_drivers) > drivers.size()) o.approve_drivers = static_cast<int>(drivers.size());
    std::vector<std::size_t> all_sw(software.begin(), software.begin() + o.approve);
    std::vector<std::vector<std::size_t>> ring_sw(o.groups);
    for (int g = 0; g < o.groups; ++g)
        ring_sw[g].assign(software.begin() + o.approve + g * o.approve_per_group,
                          software.begin() + o.approve + (g + 1) * o.approve_per_group);
    std::vector<std::size_t> all_drv(drivers.begin(), drivers.begin() + o.approve_drivers);

    // Groups and approvals, in one transaction (idempotent: existing groups are reused, equal approvals no-ops).
    std::vector<std::string> group_ids;
    must(st.with_writer([&](store::Connection& c) -> Result<void> {
             store::GroupRepo groups(c);
             store::DeploymentRepo deployments(c);
             for (int g = 0; g < o.groups; ++g) {
                 std::string name = fleet::ring_name(g);
                 auto found = groups.find_by_name(name);
                 if (found) {
                     group_ids.push_back(found->id);
                     continue;
                 }
                 auto made = groups.create(name, store::kAllComputersGroupId, now());
                 if (!made) return std::unexpected(made.error());
                 group_ids.push_back(made->id);
             }
             auto approve = [&](const std::string& group, std::size_t i) -> Result<void> {
                 auto d = deployments.set(
                     {group, cat.revisions[i].id, store::DeploymentAction::install, std::nullopt, "wsus-fleet-setup"},
                     now());
                 if (!d) return std::unexpected(d.error());
                 return {};
             };
             for (auto i : all_sw)
                 if (auto r = approve(std::string(store::kAllComputersGroupId), i); !r) return r;
             for (auto i : all_drv)
                 if (auto r = approve(std::string(store::kAllComputersGroupId), i); !r) return r;
             for (int g = 0; g < o.groups; ++g)
                 for (auto i : ring_sw[g])
                     if (auto r = approve(group_ids[g], i); !r) return r;
             return {};
         }),
         "groups and approvals");
    std::cerr << "approved " << all_sw.size() << " software updates and " << all_drv.size()
              << " drivers for All Computers, " << o.approve_per_group << " per ring (" << o.groups << " rings) in "
              << secs() << " s\n";

    // Devices of the simulated SystemSpec: one per approved driver, on a hardware id no other approved
    // driver declares, so exactly one driver is the best match.
    std::map<std::string, std::vector<std::size_t>> drivers_by_hwid;
    std::map<std::size_t, std::vector<std::string>> hwids_of;
    must(st.with_reader([&](store::Connection& c) -> Result<void> {
             store::RevisionRepo repo(c);
             for (auto i : all_drv) {
                 auto recs = repo.drivers(cat.revisions[i].id);
                 if (!recs) return std::unexpected(recs.error());
                 for (const auto& d : *recs) {
                     auto hw = lower(d.hardware_id);
                     drivers_by_hwid[hw].push_back(i);
                     hwids_of[i].push_back(hw);
                 }
             }
             return {};
         }),
         "driver metadata");
    std::vector<std::string> devices;
    for (auto i : all_drv)
        for (const auto& hw : hwids_of[i])
            if (drivers_by_hwid[hw].size() == 1) {
                devices.push_back(hw);
                break;
            }

    // Computers, in batches (one transaction each keeps the writer's lock short while wsusd runs).
    constexpr std::int64_t kBatch = 2000;
    for (std::int64_t first = 0; first < o.computers; first += kBatch) {
        must(st.with_writer([&](store::Connection& c) -> Result<void> {
                 store::ComputerRepo computers(c);
                 for (std::int64_t i = first; i < std::min(o.computers, first + kBatch); ++i) {
                     store::ComputerInfo info;
                     info.client_id = fleet::registered_client_id(i);
                     info.dns_name = fleet::dns_name(info.client_id);
                     info.os_version = "10.0.26200.0";
                     info.os_description = "Windows 11 (fleet)";
                     info.os_locale = "en-US";
                     info.processor_architecture = "AMD64";
                     info.make = "QEMU";
                     info.model = "Standard PC (Q35 + ICH9, 2009)";
                     info.client_version = "1507.2601.30012.0";
                     info.protocol_version = "2.90";
                     auto reg = computers.upsert(info, now());
                     if (!reg) return std::unexpected(reg.error());
                     if (o.groups > 0) {
                         std::vector<std::string> g{group_ids[fleet::ring_of(i, o.groups)]};
                         if (auto s = computers.set_groups(reg->id, g); !s) return s;
                     }
                 }
                 return {};
             }),
             "registering computers");
    }
    if (o.computers) std::cerr << "registered " << o.computers << " computers in " << secs() << " s\n";
    if (!o.cookies.empty()) write_cookies(st, o);

    json m;
    m["data_dir"] = fs::absolute(o.data_dir).string();
    m["latest_revisions"] = cat.revisions.size();
    m["groups"] = o.groups;
    m["group_ids"] = group_ids;
    m["computers"] = o.computers;
    m["approved_all"] = all_sw.size();
    m["approved_per_group"] = o.approve_per_group;
    m["approved_drivers"] = all_drv.size();
    m["devices"] = devices;
    auto put = [&](const std::string& key, const Expected& e) {
        m["expected"][key] = {{"approved", e.approved}, {"software", e.software}, {"drivers", e.drivers}};
        std::cerr << key << ": " << e.approved.size() << " approved, " << e.software.size()
                  << " revisions in the software pass, " << e.drivers.size() << " drivers\n";
    };
    put(fleet::kUnassigned, expected_for(cat, all_sw, all_drv, devices, drivers_by_hwid));
    for (int g = 0; g < o.groups; ++g) {
        std::vector<std::size_t> sw = all_sw;
        sw.insert(sw.end(), ring_sw[g].begin(), ring_sw[g].end());
        put(fleet::ring_key(g), expected_for(cat, sw, all_drv, devices, drivers_by_hwid));
    }
    std::ofstream(o.manifest) << m.dump(1) << "\n";
    std::cerr << "manifest " << o.manifest << " written in " << secs() << " s\n";
    return 0;
}
