// The Client service end to end in memory: a scripted Windows Update Agent runs the whole WUA
// sequence (GetConfig → GetAuthorizationCookie → GetCookie → RegisterComputer → SyncUpdates pages →
// driver pass → GetExtendedUpdateInfo) against a store with a catalog and approvals.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "catalog/catalog_import.h"
#include "metadata/catalog_generator.h"
#include "services/client_service.h"
#include "services/client_sync_updates.h"
#include "services/simple_auth_service.h"
#include "store/computer_repo.h"
#include "store/deployment_repo.h"
#include "store/group_repo.h"
#include "store/revision_repo.h"

using namespace wsusd;
namespace fs = std::filesystem;

namespace {

constexpr const char* kClientNs = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
constexpr const char* kAuthNs = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService";

std::string envelope(const std::string& body) {
    return "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>" + body +
           "</s:Body></s:Envelope>";
}

std::string ints(const char* name, const std::set<int>& ids) {
    std::string out = "<" + std::string(name) + ">";
    for (int i : ids) out += "<int>" + std::to_string(i) + "</int>";
    return out + "</" + name + ">";
}

struct Reply {
    int status;
    pugi::xml_document doc;
    pugi::xml_node payload;
    std::string fault() const {
        return payload.child("detail").child_value("ErrorCode");
    }
};

// Namespace-agnostic child lookup by local name.
pugi::xml_node child(pugi::xml_node n, const char* local) {
    for (auto c : n.children()) {
        std::string name = c.name();
        auto colon = name.find(':');
        if ((colon == std::string::npos ? name : name.substr(colon + 1)) == local) return c;
    }
    return {};
}

struct Fixture {
    fs::path dir;
    std::shared_ptr<store::Store> store;
    std::shared_ptr<services::ClientServiceDeps> deps;
    std::unique_ptr<soap::Endpoint> client, auth;
    util::SysTime now = std::chrono::system_clock::now();

    explicit Fixture(std::size_t generated = 400) {
        dir = fs::temp_directory_path() / ("wsusd-scan-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::remove_all(dir);
        fs::create_directories(dir);
        store = std::shared_ptr<store::Store>(std::move(*store::Store::open(dir / "wsusd.db")));
        metadata::GeneratorOptions g;
        g.revisions = generated;
        g.seed = 11;
        g.output_dir = dir / "catalog";
        g.template_dir = fs::path(WSUSD_SHARED_DIR) / "captures/wsus-m0-wsusss/docs";
        g.max_file_size = 4096;
        EXPECT_TRUE(metadata::generate_catalog(g));
        auto imported = catalog::import_catalog(*store, dir / "catalog");
        EXPECT_TRUE(imported && imported->rejected.empty());
        deps = std::make_shared<services::ClientServiceDeps>();
        deps->config_last_change = std::chrono::floor<std::chrono::milliseconds>(now);
        deps->cookies = std::make_shared<core::CookieCodec>(core::CookieCodec::from_keys({{1, std::string(32, 'x')}}));
        deps->store = store;
        deps->planner = std::make_shared<services::ScanPlanner>(store);
        deps->config.sync_page_size = 50;
        deps->now = [this] { return now; };
        client = services::make_client_endpoint(deps, {});
        auth = services::make_simple_auth_endpoint(deps, {});
    }
    ~Fixture() { fs::remove_all(dir); }

    Reply call(soap::Endpoint& ep, const std::string& body) {
        soap::Call c;
        c.host = "wsus.example.test:8530";
        auto r = ep.handle(envelope(body), c);
        Reply out;
        out.status = r.status;
        EXPECT_TRUE(out.doc.load_string(r.body.c_str())) << r.body;
        out.payload = child(child(out.doc.first_child(), "Body"), r.is_fault ? "Fault" : "");
        if (!r.is_fault) out.payload = child(out.doc.first_child(), "Body").first_child();
        return out;
    }

    store::TimePoint tp() { return std::chrono::floor<std::chrono::milliseconds>(now); }

    std::string make_group(const std::string& name) {
        auto g = store->with_writer([&](store::Connection& c) {
            return store::GroupRepo(c).create(name, store::kAllComputersGroupId, tp());
        });
        EXPECT_TRUE(g) << g.error().message;
        return g->id;
    }

    void approve(const std::string& group, const std::string& update, store::DeploymentAction action,
                 std::optional<store::TimePoint> deadline = {}) {
        auto r = store->with_writer([&](store::Connection& c) -> Result<store::Deployment> {
            auto rev = store::RevisionRepo(c).latest(update);
            if (!rev) return std::unexpected(rev.error());
            return store::DeploymentRepo(c).set({group, rev->id, action, deadline, "test"}, tp());
        });
        ASSERT_TRUE(r) << r.error().message;
    }

    std::vector<store::Revision> latest_of_type(store::UpdateType t) {
        auto all = store->with_reader([](store::Connection& c) {
            return store::RevisionRepo(c).changed_since(0, 1 << 30);
        });
        std::vector<store::Revision> out;
        for (auto& r : *all)
            if (r.update_type == t && !r.is_bundle) out.push_back(r);
        return out;
    }
};

// A scripted WUA: evaluates every category and detectoid as installed, every software update as
// "not installed" (cached as other), and remembers what it was offered.
struct Wua {
    Fixture& f;
    std::string client_id;
    std::string cookie_exp, cookie_data, last_change;
    std::set<int> installed_non_leaf, other_cached;
    std::map<int, std::string> offered_action;  // revision id → Deployment/Action
    std::map<int, std::string> deadline;
    int trips = 0;

    Wua(Fixture& fx, std::string id) : f(fx), client_id(std::move(id)) {}

    std::string cookie_xml() const {
        return "<cookie><Expiration>" + cookie_exp + "</Expiration><EncryptedData>" + cookie_data +
               "</EncryptedData></cookie>";
    }

    // renew: GetCookie names the cookie held so far (expired overnight), as the agent does on its next day's scan.
    void handshake(const std::string& target_group = "", bool renew = false) {
        auto cfg = f.call(*f.client, std::string("<GetConfig xmlns=\"") + kClientNs + "\"><protocolVersion>2.90</protocolVersion></GetConfig>");
        ASSERT_EQ(cfg.status, 200);
        last_change = child(child(cfg.payload, "GetConfigResult"), "LastChange").child_value();
        std::string tg = target_group.empty() ? "" : "<targetGroupName>" + target_group + "</targetGroupName>";
        auto a = f.call(*f.auth, std::string("<GetAuthorizationCookie xmlns=\"") + kAuthNs + "\"><clientId>" + client_id +
                                     "</clientId>" + tg + "<dnsName>" + client_id.substr(0, 8) +
                                     ".example.test</dnsName></GetAuthorizationCookie>");
        ASSERT_EQ(a.status, 200);
        std::string auth_cookie = child(child(a.payload, "GetAuthorizationCookieResult"), "CookieData").child_value();
        auto c = f.call(*f.client, std::string("<GetCookie xmlns=\"") + kClientNs +
                                       "\"><authCookies><AuthorizationCookie><PlugInId>SimpleTargeting</PlugInId><CookieData>" +
                                       auth_cookie + "</CookieData></AuthorizationCookie></authCookies><oldCookie><Expiration>" +
                                       "2026-10-04T15:03:36Z</Expiration>" +
                                       (renew ? "<EncryptedData>" + cookie_data + "</EncryptedData>" : std::string()) +
                                       "</oldCookie><lastChange>" + last_change +
                                       "</lastChange><currentTime>2026-10-04T15:03:36Z</currentTime><protocolVersion>2.90</protocolVersion></GetCookie>");
        ASSERT_EQ(c.status, 200) << c.fault();
        auto res = child(c.payload, "GetCookieResult");
        cookie_exp = child(res, "Expiration").child_value();
        cookie_data = child(res, "EncryptedData").child_value();
    }

    // Server-side targeting: the computer's groups become exactly `groups`.
    void set_groups(store::ComputerId id, std::vector<std::string> groups) {
        ASSERT_TRUE(f.store->with_writer([&](store::Connection& c) { return store::ComputerRepo(c).set_groups(id, groups); }));
    }

    // Handshake, RegisterComputer and membership of `groups`: the computer's row id (0 after a failed step).
    store::ComputerId enroll(const std::vector<std::string>& groups) {
        handshake();
        EXPECT_EQ(register_computer().status, 200);
        auto id = f.store->with_reader([&](store::Connection& c) { return store::ComputerRepo(c).find_id(client_id); });
        EXPECT_TRUE(id);
        if (!id) return 0;
        set_groups(*id, groups);
        return *id;
    }

    Reply register_computer() {
        return f.call(*f.client, std::string("<RegisterComputer xmlns=\"") + kClientNs + "\">" + cookie_xml() +
                                     "<computerInfo><DnsName>" + client_id.substr(0, 8) +
                                     ".example.test</DnsName><OSMajorVersion>10</OSMajorVersion><OSMinorVersion>0</OSMinorVersion>"
                                     "<OSBuildNumber>26200</OSBuildNumber><OSServicePackMajorNumber>0</OSServicePackMajorNumber>"
                                     "<OSServicePackMinorNumber>0</OSServicePackMinorNumber><OSLocale>en-US</OSLocale>"
                                     "<ComputerManufacturer>QEMU</ComputerManufacturer><ComputerModel>Q35</ComputerModel>"
                                     "<BiosVersion>1</BiosVersion><BiosName>b</BiosName><BiosReleaseDate>2022-02-02T00:00:00Z</BiosReleaseDate>"
                                     "<ProcessorArchitecture>AMD64</ProcessorArchitecture><SuiteMask>256</SuiteMask><OldProductType>1</OldProductType>"
                                     "<NewProductType>48</NewProductType><SystemMetrics>0</SystemMetrics><ClientVersionMajorNumber>1507</ClientVersionMajorNumber>"
                                     "<ClientVersionMinorNumber>2601</ClientVersionMinorNumber><ClientVersionBuildNumber>30012</ClientVersionBuildNumber>"
                                     "<ClientVersionQfeNumber>0</ClientVersionQfeNumber></computerInfo></RegisterComputer>");
    }

    Reply sync_once() {
        ++trips;
        return f.call(*f.client, std::string("<SyncUpdates xmlns=\"") + kClientNs + "\">" + cookie_xml() +
                                     "<parameters><ExpressQuery>false</ExpressQuery>" + ints("InstalledNonLeafUpdateIDs", installed_non_leaf) +
                                     ints("OtherCachedUpdateIDs", other_cached) + "<SkipSoftwareSync>false</SkipSoftwareSync></parameters></SyncUpdates>");
    }

    // Runs software sync pages until NewUpdates is empty; returns the last reply.
    Reply sync_all(std::set<int>* out_of_scope = nullptr, std::map<int, std::string>* changed = nullptr) {
        for (int guard = 0; guard < 200; ++guard) {
            Reply r = sync_once();
            if (r.status != 200) return r;
            auto result = child(r.payload, "SyncUpdatesResult");
            cookie_data = child(child(result, "NewCookie"), "EncryptedData").child_value();
            if (auto oos = child(result, "OutOfScopeRevisionIDs"))
                for (auto i : oos.children()) {
                    int id = std::stoi(i.child_value());
                    if (out_of_scope) out_of_scope->insert(id);
                    installed_non_leaf.erase(id);
                    other_cached.erase(id);
                    offered_action.erase(id);
                }
            if (auto ch = child(result, "ChangedUpdates"))
                for (auto u : ch.children()) {
                    int id = std::stoi(child(u, "ID").child_value());
                    std::string action = child(child(u, "Deployment"), "Action").child_value();
                    offered_action[id] = action;
                    if (changed) (*changed)[id] = action;
                }
            auto news = child(result, "NewUpdates");
            if (!news || !news.first_child()) return r;
            for (auto u : news.children()) {
                int id = std::stoi(child(u, "ID").child_value());
                auto dep = child(u, "Deployment");
                offered_action[id] = child(dep, "Action").child_value();
                if (auto dl = child(dep, "Deadline")) deadline[id] = dl.child_value();
                bool leaf = std::string(child(u, "IsLeaf").child_value()) == "true";
                std::string core = child(u, "Xml").child_value();
                bool evaluates_installed = core.find("UpdateType=\"Category\"") != std::string::npos ||
                                           core.find("UpdateType=\"Detectoid\"") != std::string::npos;
                if (!leaf && evaluates_installed) installed_non_leaf.insert(id);
                else other_cached.insert(id);
            }
        }
        ADD_FAILURE() << "sync did not converge in 200 round trips";
        return Reply{};
    }

    std::set<int> offered_with(const std::string& action) const {
        std::set<int> out;
        for (const auto& [id, a] : offered_action)
            if (a == action) out.insert(id);
        return out;
    }
};

std::string guid(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
    return buf;
}

}  // namespace

TEST(ClientScan, FullSequenceOffersExactlyTheGroupsApprovals) {
    Fixture f;
    std::string ring1 = f.make_group("Ring 1"), ring2 = f.make_group("Ring 2");
    auto software = f.latest_of_type(store::UpdateType::software);
    ASSERT_GT(software.size(), 10u);
    // Ring 1: two installs (one with a deadline) and one uninstall. Ring 2: one install.
    auto deadline = std::chrono::floor<std::chrono::milliseconds>(f.now + std::chrono::hours(72));
    f.approve(ring1, software[0].update_id, store::DeploymentAction::install);
    f.approve(ring1, software[1].update_id, store::DeploymentAction::install, deadline);
    f.approve(ring1, software[2].update_id, store::DeploymentAction::uninstall);
    f.approve(ring2, software[3].update_id, store::DeploymentAction::install);

    Wua pc1(f, "11111111-2222-4333-8444-555555555555");
    pc1.handshake();
    // Not registered yet: RegistrationRequired.
    auto early = pc1.sync_once();
    EXPECT_EQ(early.status, 500);
    EXPECT_EQ(early.fault(), "RegistrationRequired");
    ASSERT_EQ(pc1.register_computer().status, 200);
    auto cid = f.store->with_reader([&](store::Connection& c) { return store::ComputerRepo(c).find_id(pc1.client_id); });
    ASSERT_TRUE(cid);
    ASSERT_TRUE(f.store->with_writer([&](store::Connection& c) { return store::ComputerRepo(c).set_groups(*cid, std::vector<std::string>{ring1}); }));

    auto last = pc1.sync_all();
    ASSERT_EQ(last.status, 200);
    std::set<int> installs = pc1.offered_with("Install"), uninstalls = pc1.offered_with("Uninstall");
    EXPECT_EQ(installs, (std::set<int>{static_cast<int>(software[0].id), static_cast<int>(software[1].id)}));
    EXPECT_EQ(uninstalls, (std::set<int>{static_cast<int>(software[2].id)}));
    EXPECT_FALSE(pc1.offered_action.count(static_cast<int>(software[3].id))) << "Ring 2's approval leaked";
    EXPECT_EQ(pc1.deadline.count(static_cast<int>(software[1].id)), 1u);
    EXPECT_GT(pc1.offered_with("Evaluate").size(), 0u) << "categories/detectoids/prerequisites come as Evaluate";
    EXPECT_LE(pc1.trips, 12);

    // A differential scan of an up-to-date client offers nothing new.
    auto again = pc1.sync_once();
    ASSERT_EQ(again.status, 200);
    auto res = child(again.payload, "SyncUpdatesResult");
    EXPECT_FALSE(child(res, "NewUpdates"));
    EXPECT_EQ(std::string(child(res, "Truncated").child_value()), "false");

    // Decline one approved update: it is withdrawn (out of scope) on the next scan.
    ASSERT_TRUE(f.store->with_writer([&](store::Connection& c) { return store::RevisionRepo(c).set_declined(software[0].update_id, true); }));
    std::set<int> oos;
    pc1.sync_all(&oos);
    EXPECT_TRUE(oos.count(static_cast<int>(software[0].id)));

    // Change an approval from install to uninstall: reported in ChangedUpdates.
    std::map<int, std::string> changed;
    f.approve(ring1, software[1].update_id, store::DeploymentAction::uninstall);
    pc1.sync_all(nullptr, &changed);
    ASSERT_TRUE(changed.count(static_cast<int>(software[1].id)));
    EXPECT_EQ(changed[static_cast<int>(software[1].id)], "Uninstall");
}

// MS-WUSP §3.1.4.3: the server copies state from oldCookie. The deployments the agent has seen carry over to the
// renewed cookie, so a next-day scan is differential; after a move to another group they do not (that group's older
// approvals are new to this computer).
TEST(ClientScan, RenewedCookieKeepsTheDeploymentAnchorUntilTheGroupsChange) {
    Fixture f;
    std::string ring1 = f.make_group("Ring 1"), ring2 = f.make_group("Ring 2");
    auto software = f.latest_of_type(store::UpdateType::software);
    ASSERT_GT(software.size(), 10u);
    f.approve(ring1, software[0].update_id, store::DeploymentAction::install);
    f.approve(ring1, software[1].update_id, store::DeploymentAction::install);
    f.approve(ring2, software[1].update_id, store::DeploymentAction::uninstall);

    Wua pc(f, "21111111-2222-4333-8444-555555555555");
    const store::ComputerId cid = pc.enroll({ring1});
    ASSERT_NE(cid, 0);
    ASSERT_EQ(pc.sync_all().status, 200);
    ASSERT_EQ(pc.offered_with("Install"), (std::set<int>{static_cast<int>(software[0].id), static_cast<int>(software[1].id)}));

    // Next day, same groups: nothing changed, so nothing comes back.
    pc.handshake("", true);
    std::map<int, std::string> changed;
    ASSERT_EQ(pc.sync_all(nullptr, &changed).status, 200);
    EXPECT_TRUE(changed.empty()) << changed.size() << " deployments sent again after a cookie renewal";

    // Without the old cookie the server cannot know what the agent has seen: every cached deployment again.
    pc.handshake();
    changed.clear();
    ASSERT_EQ(pc.sync_all(nullptr, &changed).status, 200);
    EXPECT_TRUE(changed.count(static_cast<int>(software[0].id)));

    // Moved to Ring 2, whose uninstall of software[1] is older than the anchor: it still reaches the computer.
    pc.set_groups(cid, {ring2});
    pc.handshake("", true);
    changed.clear();
    ASSERT_EQ(pc.sync_all(nullptr, &changed).status, 200);
    ASSERT_TRUE(changed.count(static_cast<int>(software[1].id)));
    EXPECT_EQ(changed[static_cast<int>(software[1].id)], "Uninstall");
}

TEST(ClientScan, ChildGroupInheritsAndInstallBeatsUninstall) {
    Fixture f;
    std::string parent = f.make_group("Servers");
    auto child_group = f.store->with_writer([&](store::Connection& c) {
        return store::GroupRepo(c).create("Web servers", parent, f.tp());
    });
    ASSERT_TRUE(child_group);
    std::string other = f.make_group("Pilot");
    auto software = f.latest_of_type(store::UpdateType::software);
    f.approve(parent, software[4].update_id, store::DeploymentAction::install);
    f.approve(parent, software[5].update_id, store::DeploymentAction::uninstall);
    f.approve(other, software[5].update_id, store::DeploymentAction::install);
    Wua pc(f, "aaaaaaaa-2222-4333-8444-555555555555");
    ASSERT_NE(pc.enroll({child_group->id, other}), 0);
    pc.sync_all();
    EXPECT_EQ(pc.offered_action[static_cast<int>(software[4].id)], "Install") << "inherited from the parent group";
    EXPECT_EQ(pc.offered_action[static_cast<int>(software[5].id)], "Install") << "install beats uninstall";
}

TEST(ClientScan, ClientSideTargetingUsesCookieGroups) {
    Fixture f;
    f.deps->config.targeting = "client";
    std::string ring = f.make_group("Ring 9");
    auto software = f.latest_of_type(store::UpdateType::software);
    f.approve(ring, software[6].update_id, store::DeploymentAction::install);
    Wua in(f, "bbbbbbbb-2222-4333-8444-555555555555");
    in.handshake("Ring 9");
    ASSERT_EQ(in.register_computer().status, 200);
    in.sync_all();
    EXPECT_EQ(in.offered_with("Install"), (std::set<int>{static_cast<int>(software[6].id)}));
    Wua out(f, "cccccccc-2222-4333-8444-555555555555");
    out.handshake("No Such Group");
    ASSERT_EQ(out.register_computer().status, 200);
    out.sync_all();
    EXPECT_TRUE(out.offered_with("Install").empty());
}

TEST(ClientScan, CookieFaults) {
    Fixture f(50);
    Wua pc(f, "dddddddd-2222-4333-8444-555555555555");
    pc.handshake();
    // Tampered cookie → InvalidCookie.
    std::string good = pc.cookie_data;
    pc.cookie_data[10] = pc.cookie_data[10] == 'A' ? 'B' : 'A';
    EXPECT_EQ(pc.register_computer().fault(), "InvalidCookie");
    pc.cookie_data = good;
    // Expired cookie → CookieExpired.
    f.now += std::chrono::hours(2);
    EXPECT_EQ(pc.register_computer().fault(), "CookieExpired");
    f.now -= std::chrono::hours(2);
    // Configuration changed → ConfigChanged.
    f.deps->config_last_change += std::chrono::seconds(5);
    EXPECT_EQ(pc.register_computer().fault(), "ConfigChanged");
}

TEST(ClientScan, TooManyCachedIdsIsInvalidParameters) {
    Fixture f(50);
    f.deps->config.max_cached_update_ids = 10;
    Wua pc(f, "eeeeeeee-2222-4333-8444-555555555555");
    pc.handshake();
    ASSERT_EQ(pc.register_computer().status, 200);
    for (int i = 1; i <= 11; ++i) pc.other_cached.insert(i);
    auto r = pc.sync_once();
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.fault(), "InvalidParameters");
}

TEST(ClientScan, ExtendedInfoAndFileLocationsForDeployedRevisionsOnly) {
    Fixture f;
    std::string ring = f.make_group("Ring X");
    auto software = f.latest_of_type(store::UpdateType::software);
    const store::Revision* with_file = nullptr;
    for (const auto& r : software) {
        auto files = f.store->with_reader([&](store::Connection& c) { return store::RevisionRepo(c).files(std::vector<store::RevisionId>{r.id}); });
        if (files && !files->empty()) {
            with_file = &r;
            break;
        }
    }
    ASSERT_NE(with_file, nullptr);
    f.approve(ring, with_file->update_id, store::DeploymentAction::install);
    Wua pc(f, "ffffffff-2222-4333-8444-555555555555");
    ASSERT_NE(pc.enroll({ring}), 0);
    pc.sync_all();
    int other = static_cast<int>(software.back().id == with_file->id ? software.front().id : software.back().id);
    auto r = f.call(*f.client, std::string("<GetExtendedUpdateInfo xmlns=\"") + kClientNs + "\">" + pc.cookie_xml() +
                                   "<revisionIDs><int>" + std::to_string(with_file->id) + "</int><int>" + std::to_string(other) +
                                   "</int></revisionIDs><infoTypes><XmlUpdateFragmentType>Extended</XmlUpdateFragmentType>"
                                   "<XmlUpdateFragmentType>LocalizedProperties</XmlUpdateFragmentType></infoTypes>"
                                   "<locales><string>de-DE</string><string>en</string></locales></GetExtendedUpdateInfo>");
    ASSERT_EQ(r.status, 200) << r.fault();
    auto res = child(r.payload, "GetExtendedUpdateInfoResult");
    int extended = 0, localized = 0;
    for (auto u : child(res, "Updates").children()) {
        EXPECT_EQ(std::stoi(child(u, "ID").child_value()), with_file->id);
        std::string xml = child(u, "Xml").child_value();
        if (xml.rfind("<ExtendedProperties", 0) == 0) ++extended;
        if (xml.rfind("<LocalizedProperties", 0) == 0) {
            ++localized;
            EXPECT_NE(xml.find("<Language>de</Language>"), std::string::npos) << "de-DE falls back to de";
        }
    }
    EXPECT_EQ(extended, 1);
    EXPECT_EQ(localized, 1);
    EXPECT_EQ(std::stoi(child(child(res, "OutOfScopeRevisionIDs"), "int").child_value()), other);
    std::string url = child(child(child(res, "FileLocations"), "FileLocation"), "Url").child_value();
    EXPECT_EQ(url.rfind("http://wsus.example.test:8530/Content/", 0), 0u) << url;
    // Too many revisions in one request.
    std::string many;
    for (int i = 0; i < 51; ++i) many += "<int>" + std::to_string(i + 1) + "</int>";
    auto tm = f.call(*f.client, std::string("<GetExtendedUpdateInfo xmlns=\"") + kClientNs + "\">" + pc.cookie_xml() +
                                    "<revisionIDs>" + many + "</revisionIDs><infoTypes><XmlUpdateFragmentType>Extended</XmlUpdateFragmentType></infoTypes></GetExtendedUpdateInfo>");
    EXPECT_EQ(tm.fault(), "InvalidParameters");
}

TEST(ClientScan, RefreshCacheMapsIdentitiesToOurRevisionIds) {
    Fixture f;
    std::string ring = f.make_group("Movers");
    auto software = f.latest_of_type(store::UpdateType::software);
    f.approve(ring, software[7].update_id, store::DeploymentAction::install);
    Wua pc(f, "12121212-2222-4333-8444-555555555555");
    ASSERT_NE(pc.enroll({ring}), 0);
    auto r = f.call(*f.client, std::string("<RefreshCache xmlns=\"") + kClientNs + "\">" + pc.cookie_xml() +
                                   "<globalIDs><UpdateIdentity><UpdateID>" + software[7].update_id + "</UpdateID><RevisionNumber>" +
                                   std::to_string(software[7].revision_number) + "</RevisionNumber></UpdateIdentity><UpdateIdentity><UpdateID>" +
                                   guid(99) + "</UpdateID><RevisionNumber>1</RevisionNumber></UpdateIdentity></globalIDs></RefreshCache>");
    ASSERT_EQ(r.status, 200) << r.fault();
    auto results = child(r.payload, "RefreshCacheResult");
    int n = 0;
    for (auto item : results.children()) {
        ++n;
        EXPECT_EQ(std::stoi(child(item, "RevisionID").child_value()), software[7].id);
        EXPECT_EQ(std::string(child(child(item, "Deployment"), "Action").child_value()), "Install");
    }
    EXPECT_EQ(n, 1);
}

TEST(DriverRanking, EarlierIdThenNewerDateThenVersionAndBetterThanInstalled) {
    services::DeviceSpec dev;
    dev.ids = {"pci\\ven_1&dev_2&subsys_3", "pci\\ven_1&dev_2", "pci\\cc_0200"};
    std::vector<services::DriverCandidate> c = {
        {1, "pci\\ven_1&dev_2", "2024-01-01", services::driver_version_number("1.0.0.0")},
        {2, "pci\\ven_1&dev_2&subsys_3", "2020-01-01", services::driver_version_number("1.0.0.0")},
        {3, "pci\\ven_1&dev_2&subsys_3", "2020-01-01", services::driver_version_number("2.0.0.0")},
        {4, "usb\\other", "2030-01-01", 0},
    };
    EXPECT_EQ(services::best_driver(dev, c), 2);
    dev.has_installed = true;
    dev.installed_date = "2021-01-01";
    EXPECT_EQ(services::best_driver(dev, c), 0) << "only the 2024 driver beats the installed one";
    dev.installed_date = "2025-01-01";
    EXPECT_EQ(services::best_driver(dev, c), -1);
    EXPECT_EQ(services::driver_version_number("10.0.26100.1"), (10LL << 48) | (0LL << 32) | (26100LL << 16) | 1);
    EXPECT_EQ(services::driver_version_number("1.2.3"), 0);
}

TEST(ClientScan, CategoryScanRestrictsToTheProduct) {
    Fixture f;
    auto software = f.latest_of_type(store::UpdateType::software);
    // Two approved updates in different products.
    auto cats = [&](const store::Revision& r) {
        return *f.store->with_reader([&](store::Connection& c) { return store::RevisionRepo(c).categories(r.id); });
    };
    const store::Revision* a = nullptr;
    const store::Revision* b = nullptr;
    std::string product_a;
    for (const auto& r : software) {
        for (const auto& c : cats(r)) {
            if (c.kind != store::CategoryKind::product) continue;
            if (!a) {
                a = &r;
                product_a = c.category_id;
            } else if (c.category_id != product_a && !b) {
                b = &r;
            }
        }
    }
    ASSERT_TRUE(a && b);
    f.approve(std::string(store::kAllComputersGroupId), a->update_id, store::DeploymentAction::install);
    f.approve(std::string(store::kAllComputersGroupId), b->update_id, store::DeploymentAction::install);
    Wua pc(f, "34343434-2222-4333-8444-555555555555");
    pc.handshake();
    ASSERT_EQ(pc.register_computer().status, 200);
    // StartCategoryScan: a product is preferred; an unknown category is reported in error.
    auto scs = f.call(*f.client, std::string("<StartCategoryScan xmlns=\"") + kClientNs +
                                     "\"><requestedCategories><CategoryRelationship><IndexOfAndGroup>0</IndexOfAndGroup><CategoryId>" +
                                     product_a + "</CategoryId></CategoryRelationship><CategoryRelationship><IndexOfAndGroup>1</IndexOfAndGroup>"
                                     "<CategoryId>" + guid(42) + "</CategoryId></CategoryRelationship></requestedCategories></StartCategoryScan>");
    ASSERT_EQ(scs.status, 200) << scs.fault();
    EXPECT_EQ(std::string(child(child(scs.payload, "preferredCategoryIds"), "guid").child_value()), product_a);
    EXPECT_EQ(std::string(child(child(scs.payload, "requestedCategoryIdsInError"), "guid").child_value()), guid(42));
    // A category scan for that product offers a but not b.
    std::string filter = "<FilterCategoryIds><CategoryIdentifier><Id>" + product_a + "</Id></CategoryIdentifier></FilterCategoryIds>";
    for (int trip = 0; trip < 20; ++trip) {
        auto r = f.call(*f.client, std::string("<SyncUpdates xmlns=\"") + kClientNs + "\">" + pc.cookie_xml() +
                                       "<parameters><ExpressQuery>false</ExpressQuery>" + ints("InstalledNonLeafUpdateIDs", pc.installed_non_leaf) +
                                       ints("OtherCachedUpdateIDs", pc.other_cached) + "<SkipSoftwareSync>false</SkipSoftwareSync>" + filter +
                                       "</parameters></SyncUpdates>");
        ASSERT_EQ(r.status, 200) << r.fault();
        auto news = child(child(r.payload, "SyncUpdatesResult"), "NewUpdates");
        if (!news) break;
        for (auto u : news.children()) {
            int id = std::stoi(child(u, "ID").child_value());
            pc.offered_action[id] = child(child(u, "Deployment"), "Action").child_value();
            std::string core = child(u, "Xml").child_value();
            bool nonleaf = std::string(child(u, "IsLeaf").child_value()) == "false";
            if (nonleaf && (core.find("\"Category\"") != std::string::npos || core.find("\"Detectoid\"") != std::string::npos))
                pc.installed_non_leaf.insert(id);
            else
                pc.other_cached.insert(id);
        }
    }
    EXPECT_EQ(pc.offered_with("Install"), (std::set<int>{static_cast<int>(a->id)}));
}
