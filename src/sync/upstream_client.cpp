#include "sync/upstream_client.h"

#include <ServersyncH.h>

#include <algorithm>
#include <cctype>

#include "soap/endpoint.h"
#include "soap/namespaces.h"
#include "sync/soap_call.h"
#include "sync/update_blob.h"
#include "util/ascii.h"
#include "util/encoding.h"

namespace wsusd::sync {

namespace S = Serversync;

namespace {

constexpr const char* kActionBase = "http://www.microsoft.com/SoftwareDistribution/";


std::string bytes_of(const S::xsd__base64Binary* b) {
    if (!b || !b->__ptr || b->__size <= 0) return {};
    return std::string(reinterpret_cast<const char*>(b->__ptr), static_cast<std::size_t>(b->__size));
}

// The generated types hold raw pointers; the arena owns what they point to until the request is serialized.
S::xsd__base64Binary* binary(soap::Arena& a, const std::string& bytes) {
    auto* b = a.make<S::xsd__base64Binary>();
    auto* buf = a.str(bytes);
    b->__ptr = reinterpret_cast<unsigned char*>(buf->data());
    b->__size = static_cast<int>(buf->size());
    return b;
}

S::ns1__Cookie* cookie_of(soap::Arena& a, const ServerCookie& c) {
    auto* k = a.make<S::ns1__Cookie>();
    k->Expiration = c.expiration;
    k->EncryptedData = binary(a, c.data);
    return k;
}

struct Guard {
    soap::SoapContext& ctx;
    ~Guard() { ctx.reset(); }
};

}  // namespace

std::string resolve_service_url(const std::string& root_url, const std::string& service_url) {
    if (service_url.starts_with("http://") || service_url.starts_with("https://")) return service_url;
    std::string root = root_url;
    while (!root.empty() && root.back() == '/') root.pop_back();
    return root + (service_url.starts_with("/") ? "" : "/") + service_url;
}

UpstreamClient::UpstreamClient(HttpTransport& transport, std::string root_url, RetryPolicy retry, Sleeper sleep,
                               std::size_t max_document_bytes)
    : transport_(transport),
      root_(std::move(root_url)),
      retry_(retry),
      sleep_(std::move(sleep)),
      max_document_bytes_(max_document_bytes),
      serversync_(std::make_unique<soap::SoapContext>(soap::serversync_namespaces(), soap::EnvelopeStyle::asmx,
                                                      detail::reply_parse_limits())) {
    while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

UpstreamClient::~UpstreamClient() = default;

// One ServerSync round trip: serialize, POST, decode; `extract` copies what is needed out of the reply before the
// context frees it.
#define WSUSD_SERVERSYNC_CALL(Op, req, extract)                                                                   \
    do {                                                                                                          \
        const std::string url = root_ + kServerSyncPath;                                                          \
        const std::string action = std::string(kActionBase) + #Op;                                                \
        Guard guard{*serversync_};                                                                                \
        std::string body = detail::encode(*serversync_, req, "ns1:" #Op);                                         \
        auto reply = detail::post(detail::CallSettings{&transport_, retry_, sleep_}, url, action, body);          \
        if (!reply) return std::unexpected(reply.error());                                                        \
        S::_ns1__##Op##Response resp;                                                                             \
        if (auto d = detail::decode(*serversync_, *reply, resp, "ns1:" #Op "Response", url); !d)                  \
            return std::unexpected(d.error());                                                                    \
        return extract(resp);                                                                                     \
    } while (0)

UpstreamResult<std::string> UpstreamClient::auth_service_url() {
    S::_ns1__GetAuthConfig req;
    auto extract = [&](S::_ns1__GetAuthConfigResponse& r) -> UpstreamResult<std::string> {
        if (r.GetAuthConfigResult && r.GetAuthConfigResult->AuthInfo) {
            for (const auto* p : r.GetAuthConfigResult->AuthInfo->AuthPlugInInfo) {
                if (p && p->PlugInID && *p->PlugInID == "DssTargeting" && p->ServiceUrl && !p->ServiceUrl->empty())
                    return resolve_service_url(root_, *p->ServiceUrl);
            }
        }
        // §3.1.4.2 names the DssAuth service's location: use it when the upstream does not say.
        return resolve_service_url(root_, "/DssAuthWebService/DssAuthWebService.asmx");
    };
    WSUSD_SERVERSYNC_CALL(GetAuthConfig, req, extract);
}

UpstreamResult<ServerCookie> UpstreamClient::cookie(const AuthorizationCookie& auth,
                                                    const std::optional<ServerCookie>& old) {
    soap::Arena arena;
    S::_ns1__GetCookie req;
    req.authCookies = arena.make<S::ns1__ArrayOfAuthorizationCookie>();
    auto* ac = arena.make<S::ns1__AuthorizationCookie>();
    ac->PlugInId = arena.str(auth.plugin_id);
    ac->CookieData = binary(arena, auth.data);
    req.authCookies->AuthorizationCookie.push_back(ac);
    if (old) req.oldCookie = cookie_of(arena, *old);
    req.protocolVersion = arena.str(kDssProtocolVersion);
    auto extract = [&](S::_ns1__GetCookieResponse& r) -> UpstreamResult<ServerCookie> {
        if (!r.GetCookieResult || !r.GetCookieResult->EncryptedData)
            return upstream_fail(Errc::invalid_argument, "GetCookie: the upstream sent no cookie");
        return ServerCookie{r.GetCookieResult->Expiration, bytes_of(r.GetCookieResult->EncryptedData)};
    };
    WSUSD_SERVERSYNC_CALL(GetCookie, req, extract);
}

UpstreamResult<UpstreamConfig> UpstreamClient::config_data(const ServerCookie& cookie,
                                                           const std::optional<std::string>& anchor) {
    soap::Arena arena;
    S::_ns1__GetConfigData req;
    req.cookie = cookie_of(arena, cookie);
    if (anchor) req.configAnchor = arena.str(*anchor);
    auto extract = [&](S::_ns1__GetConfigDataResponse& r) -> UpstreamResult<UpstreamConfig> {
        const auto* d = r.GetConfigDataResult;
        if (!d) return upstream_fail(Errc::invalid_argument, "GetConfigData: empty result");
        UpstreamConfig c;
        c.catalog_only_sync = d->CatalogOnlySync;
        c.lazy_sync = d->LazySync;
        c.hosts_psf_files = d->ServerHostsPsfFiles;
        c.max_updates_per_request = d->MaxNumberOfUpdatesPerRequest;
        if (d->NewConfigAnchor) c.new_config_anchor = *d->NewConfigAnchor;
        if (d->ProtocolVersion) c.protocol_version = *d->ProtocolVersion;
        if (d->LanguageUpdateList)
            for (const auto* l : d->LanguageUpdateList->ServerSyncLanguageData)
                if (l) c.languages.push_back({l->LanguageID, l->ShortLanguage ? util::to_lower(*l->ShortLanguage) : "", l->Enabled});
        return c;
    };
    WSUSD_SERVERSYNC_CALL(GetConfigData, req, extract);
}

UpstreamResult<RevisionList> UpstreamClient::revision_ids(const ServerCookie& cookie, const RevisionFilter& f) {
    soap::Arena arena;
    S::_ns1__GetRevisionIdList req;
    req.cookie = cookie_of(arena, cookie);
    req.filter = arena.make<S::ns1__ServerSyncFilter>();
    req.filter->GetConfig = f.get_config;
    req.filter->Get63LanguageOnly = false;
    if (f.anchor) req.filter->Anchor = arena.str(*f.anchor);
    auto ids = [&](const std::vector<IdAndDelta>& items) -> S::ns1__ArrayOfIdAndDelta* {
        if (items.empty()) return nullptr;
        auto* a = arena.make<S::ns1__ArrayOfIdAndDelta>();
        for (const auto& i : items) {
            auto* e = arena.make<S::ns1__IdAndDelta>();
            e->Id = i.id;
            e->Delta = i.delta;
            a->IdAndDelta.push_back(e);
        }
        return a;
    };
    req.filter->Categories = ids(f.categories);
    req.filter->Classifications = ids(f.classifications);
    if (!f.languages.empty()) {
        req.filter->Languages = arena.make<S::ns1__ArrayOfLanguageAndDelta>();
        for (const auto& l : f.languages) {
            auto* e = arena.make<S::ns1__LanguageAndDelta>();
            e->Id = l.id;
            e->Delta = l.delta;
            req.filter->Languages->LanguageAndDelta.push_back(e);
        }
    }
    auto extract = [&](S::_ns1__GetRevisionIdListResponse& r) -> UpstreamResult<RevisionList> {
        const auto* d = r.GetRevisionIdListResult;
        if (!d) return upstream_fail(Errc::invalid_argument, "GetRevisionIdList: empty result");
        RevisionList out;
        if (d->Anchor) out.anchor = *d->Anchor;
        if (d->NewRevisions) {
            out.revisions.reserve(d->NewRevisions->UpdateIdentity.size());
            for (const auto* i : d->NewRevisions->UpdateIdentity)
                if (i) out.revisions.push_back({util::to_lower(i->UpdateID), i->RevisionNumber});
        }
        return out;
    };
    WSUSD_SERVERSYNC_CALL(GetRevisionIdList, req, extract);
}

UpstreamResult<UpdateDataBatch> UpstreamClient::update_data(const ServerCookie& cookie,
                                                            std::span<const UpdateIdentity> ids) {
    soap::Arena arena;
    S::_ns1__GetUpdateData req;
    req.cookie = cookie_of(arena, cookie);
    req.updateIds = arena.make<S::ns1__ArrayOfUpdateIdentity>();
    for (const auto& id : ids) {
        auto* e = arena.make<S::ns1__UpdateIdentity>();
        e->UpdateID = id.update_id;
        e->RevisionNumber = id.revision_number;
        req.updateIds->UpdateIdentity.push_back(e);
    }
    auto extract = [&](S::_ns1__GetUpdateDataResponse& r) -> UpstreamResult<UpdateDataBatch> {
        const auto* d = r.GetUpdateDataResult;
        if (!d) return upstream_fail(Errc::invalid_argument, "GetUpdateData: empty result");
        UpdateDataBatch out;
        if (d->updates) {
            for (const auto* u : d->updates->ServerSyncUpdateData) {
                if (!u || !u->Id) continue;
                UpdateBlob b{{util::to_lower(u->Id->UpdateID), u->Id->RevisionNumber}, {}};
                if (u->XmlUpdateBlobCompressed && u->XmlUpdateBlobCompressed->__size > 0) {
                    auto xml = decode_compressed_update_blob(bytes_of(u->XmlUpdateBlobCompressed), max_document_bytes_);
                    if (!xml)
                        return upstream_fail(xml.error().code, "GetUpdateData: update " + b.id.update_id + " revision " +
                                                                   std::to_string(b.id.revision_number) +
                                                                   ": XmlUpdateBlobCompressed: " + xml.error().message);
                    b.xml = std::move(*xml);
                } else if (u->XmlUpdateBlob) {
                    if (u->XmlUpdateBlob->size() > max_document_bytes_)
                        return upstream_fail(Errc::limit_exceeded, "GetUpdateData: update " + b.id.update_id +
                                                                       ": document larger than the limit");
                    b.xml = *u->XmlUpdateBlob;
                } else {
                    return upstream_fail(Errc::invalid_argument,
                                         "GetUpdateData: update " + b.id.update_id + " came without its document");
                }
                out.updates.push_back(std::move(b));
            }
        }
        if (d->fileUrls) {
            for (const auto* f : d->fileUrls->ServerSyncUrlData) {
                if (!f) continue;
                std::string digest = bytes_of(f->FileDigest);
                if (digest.size() != 20) continue;  // only SHA-1 digests name files
                out.file_urls.push_back({util::to_hex(digest), f->MUUrl ? *f->MUUrl : "", f->UssUrl ? *f->UssUrl : ""});
            }
        }
        return out;
    };
    WSUSD_SERVERSYNC_CALL(GetUpdateData, req, extract);
}

UpstreamResult<DeploymentData> UpstreamClient::deployments(const ServerCookie& cookie,
                                                           const std::optional<std::string>& anchor,
                                                           const std::string& sync_anchor) {
    soap::Arena arena;
    S::_ns1__GetDeployments req;
    req.cookie = cookie_of(arena, cookie);
    if (anchor) req.deploymentAnchor = arena.str(*anchor);
    req.syncAnchor = arena.str(sync_anchor);
    auto extract = [&](S::_ns1__GetDeploymentsResponse& r) -> UpstreamResult<DeploymentData> {
        const auto* d = r.GetDeploymentsResult;
        if (!d) return upstream_fail(Errc::invalid_argument, "GetDeployments: empty result");
        DeploymentData out;
        if (d->Anchor) out.anchor = *d->Anchor;
        if (d->Groups)
            for (const auto* g : d->Groups->ServerSyncTargetGroup)
                if (g) out.groups.push_back({util::to_lower(g->TargetGroupID), util::to_lower(g->ParentGroupId), g->Name ? *g->Name : "", g->IsBuiltin});
        if (d->Deployments)
            for (const auto* x : d->Deployments->ServerSyncDeployment)
                if (x)
                    out.deployments.push_back({util::to_lower(x->UpdateId), x->RevisionNumber, x->Action,
                                               x->AdminName ? *x->AdminName : "", x->Deadline, x->IsAssigned,
                                               x->GoLiveTime, util::to_lower(x->DeploymentGuid), util::to_lower(x->TargetGroupId),
                                               static_cast<int>(x->DownloadPriority)});
        auto guids = [&](const S::ns1__ArrayOfGuid* a, std::vector<std::string>& to) {
            if (a)
                for (const auto& g : a->guid) to.push_back(util::to_lower(g));
        };
        guids(d->DeadDeployments, out.dead_deployments);
        guids(d->HiddenUpdates, out.hidden_updates);
        return out;
    };
    WSUSD_SERVERSYNC_CALL(GetDeployments, req, extract);
}

#undef WSUSD_SERVERSYNC_CALL

}  // namespace wsusd::sync
