#include "sync/sync_engine.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "DssauthH.h"
#include "ServersyncH.h"
#include "catalog/catalog_import.h"
#include "codec/cabinet.h"
#include "metadata/fragments.h"
#include "soap/namespaces.h"
#include "store/revision_repo.h"
#include "store/settings_repo.h"
#include "sync/replica_apply.h"
#include "sync/upstream_client.h"
#include "util/encoding.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::sync {

namespace {

constexpr const char* kSs = "/ServerSyncWebService/ServerSyncWebService.asmx";
constexpr const char* kDssAuth = "/DssAuthWebService/DssAuthWebService.asmx";
constexpr const char* kSd = "http://www.microsoft.com/SoftwareDistribution/";
constexpr const char* kProtocolVersion = "1.20";
constexpr std::size_t kMaxDocumentBytes = 16u << 20;
constexpr std::string_view kServerIdKey = "sync.server_id";

std::atomic<bool> g_running{false};

store::TimePoint now_ms() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "wsusd";
    return buf;
}

// A random GUID for this server's identity upstream, kept in the store so it survives restarts.
std::string random_guid() {
    std::string raw(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), 16) != 1) throw std::runtime_error("no randomness");
    raw[6] = static_cast<char>((raw[6] & 0x0F) | 0x40);
    raw[8] = static_cast<char>((raw[8] & 0x3F) | 0x80);
    std::string hex = util::to_hex(raw);
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
           hex.substr(20);
}

struct Identity {
    std::string update_id;
    int revision = 0;
};

class Session {
public:
    Session(store::Store& store, const config::SyncConfig& cfg)
        : store_(store), cfg_(cfg), client_(options(cfg)) {}

    Result<SyncSummary> run(std::int64_t run_id) {
        SyncSummary summary;
        summary.run_id = run_id;
        if (auto r = authorize(); !r) return std::unexpected(r.error());
        if (auto r = config_data(); !r) return std::unexpected(r.error());
        auto categories = sync_revisions(true, summary);
        if (!categories) return std::unexpected(categories.error());
        summary.categories = *categories;
        if (auto r = sync_revisions(false, summary); !r) return std::unexpected(r.error());
        if (cfg_.replica) {
            auto applied = sync_deployments();
            if (!applied) return std::unexpected(applied.error());
            summary.deployments = *applied;
        }
        return summary;
    }

private:
    static UpstreamOptions options(const config::SyncConfig& cfg) {
        UpstreamOptions o;
        o.url = cfg.upstream_url;
        while (!o.url.empty() && o.url.back() == '/') o.url.pop_back();
        o.proxy = cfg.proxy;
        o.proxy_user = cfg.proxy_user;
        o.proxy_password = cfg.proxy_password;
        o.timeout_seconds = static_cast<long>(cfg.timeout_seconds);
        o.retries = cfg.retries;
        return o;
    }

    Result<std::string> server_id() {
        return store_.with_writer([&](store::Connection& c) -> Result<std::string> {
            store::SettingsRepo settings(c);
            auto have = settings.get(kServerIdKey);
            if (!have) return std::unexpected(have.error());
            if (*have) return **have;
            std::string id = random_guid();
            if (auto r = settings.set(kServerIdKey, id, now_ms()); !r) return std::unexpected(r.error());
            return id;
        });
    }

    Result<void> authorize() {
        auto id = server_id();
        if (!id) return std::unexpected(id.error());
        Dssauth::_ns1__GetAuthorizationCookie auth_req;
        std::string name = cfg_.account_name.empty() ? host_name() : cfg_.account_name, guid = *id;
        auth_req.accountName = &name;
        auth_req.accountGuid = &guid;
        std::string auth_cookie;
        auto auth = client_.call<Dssauth::_ns1__GetAuthorizationCookie, Dssauth::_ns1__GetAuthorizationCookieResponse>(
            soap::dssauth_namespaces(), kDssAuth,
            "http://www.microsoft.com/SoftwareDistribution/Server/DssAuthWebService/GetAuthorizationCookie",
            "ns1:GetAuthorizationCookie", auth_req, "ns1:GetAuthorizationCookieResponse",
            [&](const auto& resp) -> Result<void> {
                if (!resp.GetAuthorizationCookieResult || !resp.GetAuthorizationCookieResult->CookieData)
                    return fail(Errc::invalid_argument, "GetAuthorizationCookie: no cookie in the answer");
                const auto* d = resp.GetAuthorizationCookieResult->CookieData;
                auth_cookie.assign(reinterpret_cast<const char*>(d->__ptr), static_cast<std::size_t>(d->__size));
                return {};
            });
        if (!auth) return auth;
        Serversync::_ns1__GetCookie req;
        Serversync::ns1__ArrayOfAuthorizationCookie cookies;
        Serversync::ns1__AuthorizationCookie cookie;
        std::string plugin = "DssTargeting", version = kProtocolVersion;
        Serversync::xsd__base64Binary data;
        data.__ptr = reinterpret_cast<unsigned char*>(auth_cookie.data());
        data.__size = static_cast<int>(auth_cookie.size());
        cookie.PlugInId = &plugin;
        cookie.CookieData = &data;
        cookies.AuthorizationCookie.push_back(&cookie);
        req.authCookies = &cookies;
        req.protocolVersion = &version;
        return client_.call<Serversync::_ns1__GetCookie, Serversync::_ns1__GetCookieResponse>(
            soap::serversync_namespaces(), kSs, std::string(kSd) + "GetCookie", "ns1:GetCookie", req,
            "ns1:GetCookieResponse", [&](const auto& resp) -> Result<void> {
                if (!resp.GetCookieResult || !resp.GetCookieResult->EncryptedData)
                    return fail(Errc::invalid_argument, "GetCookie: no cookie in the answer");
                expiration_ = resp.GetCookieResult->Expiration;
                const auto* d = resp.GetCookieResult->EncryptedData;
                cookie_.assign(reinterpret_cast<const char*>(d->__ptr), static_cast<std::size_t>(d->__size));
                return {};
            });
    }

    // The session cookie as a request member; valid until the next call of this function.
    Serversync::ns1__Cookie* cookie() {
        cookie_value_.Expiration = expiration_;
        cookie_data_.__ptr = reinterpret_cast<unsigned char*>(cookie_.data());
        cookie_data_.__size = static_cast<int>(cookie_.size());
        cookie_value_.EncryptedData = &cookie_data_;
        return &cookie_value_;
    }

    Result<void> config_data() {
        Serversync::_ns1__GetConfigData req;
        req.cookie = cookie();
        return client_.call<Serversync::_ns1__GetConfigData, Serversync::_ns1__GetConfigDataResponse>(
            soap::serversync_namespaces(), kSs, std::string(kSd) + "GetConfigData", "ns1:GetConfigData", req,
            "ns1:GetConfigDataResponse", [&](const auto& resp) -> Result<void> {
                if (!resp.GetConfigDataResult) return fail(Errc::invalid_argument, "GetConfigData: empty answer");
                batch_ = static_cast<std::size_t>(std::clamp(resp.GetConfigDataResult->MaxNumberOfUpdatesPerRequest, 1, 1000));
                return {};
            });
    }

    Result<std::optional<std::string>> stored_anchor(store::AnchorKind kind) {
        auto a = store_.with_reader([&](store::Connection& c) { return store::SyncRepo(c).anchor(kind); });
        if (!a) return std::unexpected(a.error());
        if (!*a) return std::optional<std::string>();
        return std::optional<std::string>((*a)->anchor);
    }

    // GetRevisionIdList then GetUpdateData for what this server lacks; returns the number of revisions stored.
    Result<std::size_t> sync_revisions(bool config, SyncSummary& summary) {
        const auto kind = config ? store::AnchorKind::config : store::AnchorKind::metadata;
        auto anchor = stored_anchor(kind);
        if (!anchor) return std::unexpected(anchor.error());
        Serversync::_ns1__GetRevisionIdList req;
        Serversync::ns1__ServerSyncFilter filter;
        filter.GetConfig = config;
        filter.Get63LanguageOnly = false;
        std::string anchor_text = anchor->value_or("");
        if (*anchor) filter.Anchor = &anchor_text;
        // Products and classifications this server wants; with an anchor only what changed (Delta), otherwise all.
        Serversync::ns1__ArrayOfIdAndDelta cats, classes;
        std::vector<Serversync::ns1__IdAndDelta> items(cfg_.products.size() + cfg_.classifications.size());
        if (!config && !cfg_.products.empty()) {
            std::size_t i = 0;
            for (const auto* list : {&cfg_.products, &cfg_.classifications}) {
                for (const auto& id : *list) {
                    items[i].Id = id;
                    items[i].Delta = anchor->has_value();
                    (list == &cfg_.products ? cats : classes).IdAndDelta.push_back(&items[i++]);
                }
            }
            filter.Categories = &cats;
            filter.Classifications = &classes;
        }
        req.cookie = cookie();
        req.filter = &filter;
        std::vector<Identity> listed;
        std::string new_anchor;
        auto r = client_.call<Serversync::_ns1__GetRevisionIdList, Serversync::_ns1__GetRevisionIdListResponse>(
            soap::serversync_namespaces(), kSs, std::string(kSd) + "GetRevisionIdList", "ns1:GetRevisionIdList", req,
            "ns1:GetRevisionIdListResponse", [&](const auto& resp) -> Result<void> {
                if (!resp.GetRevisionIdListResult || !resp.GetRevisionIdListResult->Anchor)
                    return fail(Errc::invalid_argument, "GetRevisionIdList: no anchor in the answer");
                new_anchor = *resp.GetRevisionIdListResult->Anchor;
                if (resp.GetRevisionIdListResult->NewRevisions)
                    for (const auto* u : resp.GetRevisionIdListResult->NewRevisions->UpdateIdentity)
                        if (u) listed.push_back({u->UpdateID, u->RevisionNumber});
                return {};
            });
        if (!r) return std::unexpected(r.error());
        // What is already here (an interrupted sync, a second pass) is not fetched again.
        auto missing = store_.with_reader([&](store::Connection& c) -> Result<std::vector<Identity>> {
            store::RevisionRepo revs(c);
            std::vector<Identity> out;
            for (const auto& id : listed)
                if (!revs.get(id.update_id, id.revision)) out.push_back(id);
            return out;
        });
        if (!missing) return std::unexpected(missing.error());
        // Existing updates whose listed revision is new count as revised; the rest as new.
        std::size_t stored = 0;
        for (std::size_t at = 0; at < missing->size(); at += batch_) {
            const std::vector<Identity> slice(missing->begin() + static_cast<std::ptrdiff_t>(at),
                                              missing->begin() + static_cast<std::ptrdiff_t>(std::min(at + batch_, missing->size())));
            SyncSummary categories_only;  // categories are counted apart from updates
            auto n = fetch_and_store(slice, config ? categories_only : summary);
            if (!n) return std::unexpected(n.error());
            stored += *n;
        }
        auto saved = store_.with_writer(
            [&](store::Connection& c) { return store::SyncRepo(c).set_anchor(kind, new_anchor, now_ms()); });
        if (!saved) return std::unexpected(saved.error());
        if (!config) metadata_anchor_ = new_anchor;
        log::sync()->info("{}: {} listed, {} new here", config ? "categories" : "updates", listed.size(), stored);
        return stored;
    }

    Result<std::size_t> fetch_and_store(const std::vector<Identity>& ids, SyncSummary& summary) {
        Serversync::_ns1__GetUpdateData req;
        Serversync::ns1__ArrayOfUpdateIdentity list;
        std::vector<Serversync::ns1__UpdateIdentity> identities(ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            identities[i].UpdateID = ids[i].update_id;
            identities[i].RevisionNumber = ids[i].revision;
            list.UpdateIdentity.push_back(&identities[i]);
        }
        req.cookie = cookie();
        req.updateIds = &list;
        std::vector<std::string> documents;
        std::map<std::string, std::string> file_urls;  // sha1 hex → URL to fetch it from
        auto r = client_.call<Serversync::_ns1__GetUpdateData, Serversync::_ns1__GetUpdateDataResponse>(
            soap::serversync_namespaces(), kSs, std::string(kSd) + "GetUpdateData", "ns1:GetUpdateData", req,
            "ns1:GetUpdateDataResponse", [&](const auto& resp) -> Result<void> {
                const auto* data = resp.GetUpdateDataResult;
                if (!data || !data->updates) return fail(Errc::invalid_argument, "GetUpdateData: empty answer");
                for (const auto* u : data->updates->ServerSyncUpdateData) {
                    if (!u) continue;
                    if (u->XmlUpdateBlob) {
                        documents.push_back(*u->XmlUpdateBlob);
                    } else if (u->XmlUpdateBlobCompressed && u->XmlUpdateBlobCompressed->__ptr) {
                        std::string_view cab(reinterpret_cast<const char*>(u->XmlUpdateBlobCompressed->__ptr),
                                             static_cast<std::size_t>(u->XmlUpdateBlobCompressed->__size));
                        auto blob = codec::extract_single_file(cab, kMaxDocumentBytes * 2);
                        if (!blob) return std::unexpected(blob.error());
                        auto xml = codec::utf16le_to_utf8(*blob);
                        if (!xml) return std::unexpected(xml.error());
                        documents.push_back(std::move(*xml));
                    } else {
                        return fail(Errc::invalid_argument, "GetUpdateData: an update without its document");
                    }
                }
                if (data->fileUrls)
                    for (const auto* f : data->fileUrls->ServerSyncUrlData) {
                        if (!f || !f->FileDigest || !f->FileDigest->__ptr) continue;
                        std::string sha1 = util::to_hex(std::string_view(
                            reinterpret_cast<const char*>(f->FileDigest->__ptr), static_cast<std::size_t>(f->FileDigest->__size)));
                        const std::string* url = f->UssUrl && !f->UssUrl->empty() ? f->UssUrl : f->MUUrl;
                        if (url) file_urls[sha1] = *url;
                    }
                return {};
            });
        if (!r) return std::unexpected(r.error());
        std::vector<store::NewRevision> batch;
        for (const auto& xml : documents) {
            auto parsed = metadata::parse_and_derive(xml);
            if (!parsed) return fail(Errc::invalid_argument, "an update document from upstream: " + parsed.error().message);
            metadata::assign_categories(parsed->document, [&](std::string_view id) -> std::optional<std::string> {
                auto stored = store_.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).latest(id); });
                if (stored && stored->update_type == store::UpdateType::category && stored->category_type)
                    return *stored->category_type;
                return std::nullopt;
            });
            auto rec = catalog::to_new_revision(parsed->document, parsed->fragments);
            if (!rec) return std::unexpected(rec.error());
            for (auto& f : rec->files)
                if (auto it = file_urls.find(f.sha1); it != file_urls.end()) f.url = it->second;
            batch.push_back(std::move(*rec));
        }
        auto inserted = store_.with_writer([&](store::Connection& c) -> Result<std::vector<store::InsertedRevision>> {
            store::RevisionRepo revs(c);
            std::vector<bool> existed;
            for (const auto& b : batch) existed.push_back(revs.latest(b.update_id).has_value());
            auto ins = revs.insert_batch(batch, now_ms());
            if (!ins) return ins;
            for (std::size_t i = 0; i < ins->size(); ++i)
                if ((*ins)[i].created) (existed[i] ? summary.counts.revised : summary.counts.new_updates)++;
            return ins;
        });
        if (!inserted) return std::unexpected(inserted.error());
        return batch.size();
    }

    Result<std::size_t> sync_deployments() {
        auto anchor = stored_anchor(store::AnchorKind::deployments);
        if (!anchor) return std::unexpected(anchor.error());
        Serversync::_ns1__GetDeployments req;
        std::string deployment_anchor = anchor->value_or(""), sync_anchor = metadata_anchor_;
        req.cookie = cookie();
        if (*anchor) req.deploymentAnchor = &deployment_anchor;
        req.syncAnchor = &sync_anchor;
        DeploymentSet set;
        std::string new_anchor;
        auto r = client_.call<Serversync::_ns1__GetDeployments, Serversync::_ns1__GetDeploymentsResponse>(
            soap::serversync_namespaces(), kSs, std::string(kSd) + "GetDeployments", "ns1:GetDeployments", req,
            "ns1:GetDeploymentsResponse", [&](const auto& resp) -> Result<void> {
                const auto* d = resp.GetDeploymentsResult;
                if (!d || !d->Anchor) return fail(Errc::invalid_argument, "GetDeployments: no anchor in the answer");
                new_anchor = *d->Anchor;
                if (d->Groups)
                    for (const auto* g : d->Groups->ServerSyncTargetGroup)
                        if (g) set.groups.push_back({g->TargetGroupID, g->ParentGroupId, g->Name ? *g->Name : "", g->IsBuiltin});
                if (d->Deployments)
                    for (const auto* x : d->Deployments->ServerSyncDeployment) {
                        if (!x) continue;
                        UpstreamDeployment u{x->DeploymentGuid, x->TargetGroupId, x->UpdateId,
                                             x->AdminName ? *x->AdminName : "upstream", x->RevisionNumber, x->Action, {}};
                        if (!x->Deadline.starts_with("9999-"))
                            if (auto t = util::parse_datetime(x->Deadline))
                                u.deadline = std::chrono::floor<std::chrono::milliseconds>(*t);
                        set.deployments.push_back(std::move(u));
                    }
                if (d->DeadDeployments) set.dead = d->DeadDeployments->guid;
                if (d->HiddenUpdates) set.hidden = d->HiddenUpdates->guid;
                return {};
            });
        if (!r) return std::unexpected(r.error());
        // Groups, approvals, declines and the new anchor in one transaction: clients see all of it or none.
        return store_.with_writer([&](store::Connection& c) -> Result<std::size_t> {
            auto applied = apply_deployments(c, set, now_ms());
            if (!applied) return applied;
            if (auto a = store::SyncRepo(c).set_anchor(store::AnchorKind::deployments, new_anchor, now_ms()); !a)
                return std::unexpected(a.error());
            return applied;
        });
    }

    store::Store& store_;
    const config::SyncConfig& cfg_;
    UpstreamClient client_;
    std::string cookie_, expiration_, metadata_anchor_;
    Serversync::ns1__Cookie cookie_value_;
    Serversync::xsd__base64Binary cookie_data_;
    std::size_t batch_ = 100;
};

}  // namespace

bool sync_running() { return g_running.load(); }

Result<SyncSummary> synchronize(store::Store& store, const config::SyncConfig& cfg) {
    if (cfg.upstream_url.empty())
        return fail(Errc::invalid_argument, "sync.upstream_url: no upstream server configured");
    bool expected = false;
    if (!g_running.compare_exchange_strong(expected, true))
        return fail(Errc::conflict, "a synchronization is already running");
    struct Reset {
        ~Reset() { g_running = false; }
    } reset;
    auto run_id = store.with_writer([](store::Connection& c) { return store::SyncRepo(c).start_run(now_ms()); });
    if (!run_id) return std::unexpected(run_id.error());
    log::sync()->info("synchronization {} from {} started{}", *run_id, cfg.upstream_url, cfg.replica ? " (replica)" : "");
    Session session(store, cfg);
    auto result = session.run(*run_id);
    store::SyncCounts counts = result ? result->counts : store::SyncCounts{};
    auto finished = store.with_writer([&](store::Connection& c) {
        return store::SyncRepo(c).finish_run(*run_id, result ? store::SyncResult::succeeded : store::SyncResult::failed,
                                             counts, result ? "" : result.error().message, now_ms());
    });
    if (!result) {
        log::sync()->error("synchronization {} from {} failed: {}", *run_id, cfg.upstream_url, result.error().message);
        return result;
    }
    if (!finished) return std::unexpected(finished.error());
    log::sync()->info("synchronization {} done: {} new, {} revised, {} categories, {} approvals", *run_id,
                      counts.new_updates, counts.revised, result->categories, result->deployments);
    return result;
}

}  // namespace wsusd::sync
