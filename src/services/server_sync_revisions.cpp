// GetRevisionIdList (MS-WSUSSS §3.1.4.5), GetUpdateData (§3.1.4.6) and GetRelatedRevisionsForUpdates: the catalog
// as a downstream server fetches it, from the store's indexes.
#include <algorithm>
#include <cctype>

#include "codec/cabinet.h"
#include "services/server_sync_ops.h"
#include "services/soap_values.h"
#include "store/revision_repo.h"
#include "store/settings_repo.h"
#include "store/uss_repo.h"
#include "util/ascii.h"
#include "util/encoding.h"
#include "util/guid.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

soap::Fault fault(soap::ErrorCode code, std::string message = {}) { return soap::make_fault(code, std::move(message)); }

// Real WSUS sends a document as a cabinet when its UTF-16 form is larger than this (MS-WSUSSS <36>).
constexpr std::size_t kCompressAboveBytes = 5120;


Result<void> add_items(const Serversync::ns1__ArrayOfIdAndDelta* in, bool have_anchor,
                       std::vector<store::RevisionIdFilter::Item>& out) {
    if (!in) return {};
    for (const auto* item : in->IdAndDelta) {
        if (!item || !util::is_guid(item->Id)) return fail(Errc::invalid_argument, "filter");
        out.push_back({lower(item->Id), !have_anchor || !item->Delta});
    }
    return {};
}

// http(s)://<host as the downstream server addressed us>/Content/<XX>/<SHA1>.<ext>
std::string content_url(const soap::Call& call, const store::FileRecord& file) {
    std::string ext;
    if (auto dot = file.name.rfind('.'); dot != std::string::npos && file.name.size() - dot - 1 <= 16) {
        ext = lower(file.name.substr(dot + 1));
        if (!std::all_of(ext.begin(), ext.end(), [](unsigned char c) { return std::isalnum(c); })) ext.clear();
    }
    const std::string sha1 = util::to_upper(file.sha1);
    return std::string(call.tls ? "https://" : "http://") + call.host + "/Content/" + sha1.substr(38) + "/" + sha1 +
           (ext.empty() ? "" : "." + ext);
}

}  // namespace

soap::OpResult uss_get_revision_id_list(const ServerSyncDeps& deps, const Serversync::_ns1__GetRevisionIdList& req,
                                        Serversync::_ns1__GetRevisionIdListResponse& resp, soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    if (!req.filter) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "filter"));
    store::RevisionIdFilter filter;
    filter.config = req.filter->GetConfig;
    const bool have_anchor = req.filter->Anchor && !req.filter->Anchor->empty();
    if (have_anchor) {
        auto n = parse_anchor(*req.filter->Anchor);
        if (!n) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "filter"));
        filter.since = *n;
    }
    if (!filter.config) {
        if (!add_items(req.filter->Categories, have_anchor, filter.categories) ||
            !add_items(req.filter->Classifications, have_anchor, filter.classifications))
            return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "filter"));
    }
    // The anchor is read in the same snapshot as the list, so nothing committed in between is skipped next time.
    auto listed = deps.store->with_reader([&](store::Connection& c) -> Result<std::pair<std::int64_t, std::vector<store::RevisionIdentity>>> {
        auto version = store::SettingsRepo(c).catalog_version();
        if (!version) return std::unexpected(version.error());
        auto ids = store::UssRepo(c).revision_ids(filter);
        if (!ids) return std::unexpected(ids.error());
        return std::make_pair(*version, std::move(*ids));
    });
    if (!listed) {
        log::service()->error("[{}] GetRevisionIdList: {}", call.request_id, listed.error().message);
        return std::unexpected(fault(soap::ErrorCode::InternalServerError));
    }
    auto* result = call.arena.make<Serversync::ns1__RevisionIdList>();
    result->Anchor = call.arena.make<std::string>(make_anchor(listed->first, deps.now()));
    result->NewRevisions = call.arena.make<Serversync::ns1__ArrayOfUpdateIdentity>();
    auto& ids = listed->second;
    auto* identities = call.arena.make<std::vector<Serversync::ns1__UpdateIdentity>>(ids.size());
    result->NewRevisions->UpdateIdentity.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        (*identities)[i].UpdateID = std::move(ids[i].update_id);
        (*identities)[i].RevisionNumber = ids[i].revision_number;
        result->NewRevisions->UpdateIdentity.push_back(&(*identities)[i]);
    }
    resp.GetRevisionIdListResult = result;
    log::service()->info("[{}] GetRevisionIdList from {}: {} revisions ({}, since {})", call.request_id, call.peer,
                         ids.size(), filter.config ? "categories" : "updates", filter.since);
    return {};
}

soap::OpResult uss_get_update_data(const ServerSyncDeps& deps, const Serversync::_ns1__GetUpdateData& req,
                                   Serversync::_ns1__GetUpdateDataResponse& resp, soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    if (!req.updateIds) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "updateIds"));
    if (req.updateIds->UpdateIdentity.size() > deps.config.max_updates_per_request)
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "updateIds"));
    auto* data = call.arena.make<Serversync::ns1__ServerUpdateData>();
    data->updates = call.arena.make<Serversync::ns1__ArrayOfServerSyncUpdateData>();
    data->fileUrls = call.arena.make<Serversync::ns1__ArrayOfServerSyncUrlData>();
    auto done = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
        store::RevisionRepo revs(c);
        std::vector<std::string> seen_files;
        for (const auto* id : req.updateIds->UpdateIdentity) {
            if (!id || !util::is_guid(id->UpdateID)) return fail(Errc::invalid_argument, "updateIds");
            // An unknown revision fails the whole call, as on real WSUS (InternalServerError, exchange 000017).
            auto rev = revs.get(lower(id->UpdateID), id->RevisionNumber);
            if (!rev) return std::unexpected(rev.error());
            auto xml = revs.xml(rev->id);
            if (!xml) return std::unexpected(xml.error());
            auto* item = call.arena.make<Serversync::ns1__ServerSyncUpdateData>();
            item->Id = call.arena.make<Serversync::ns1__UpdateIdentity>();
            item->Id->UpdateID = rev->update_id;
            item->Id->RevisionNumber = rev->revision_number;
            const store::RevisionId ids[] = {rev->id};
            auto files = revs.files(ids);
            if (!files) return std::unexpected(files.error());
            if (!files->empty()) {
                item->FileDigestList = call.arena.make<Serversync::ns1__ArrayOfBase64Binary>();
                for (const auto& f : *files) {
                    auto raw = util::from_hex(f.file.sha1);
                    if (!raw) return fail(Errc::corrupt, "file digest " + f.file.sha1);
                    auto* digest = binary<Serversync::xsd__base64Binary>(call.arena, *raw);
                    item->FileDigestList->base64Binary.push_back(*digest);
                    if (std::find(seen_files.begin(), seen_files.end(), f.file.sha1) != seen_files.end()) continue;
                    seen_files.push_back(f.file.sha1);
                    auto* url = call.arena.make<Serversync::ns1__ServerSyncUrlData>();
                    url->FileDigest = binary<Serversync::xsd__base64Binary>(call.arena, *raw);
                    url->MUUrl = call.arena.make<std::string>(f.file.url);
                    // Where this server serves the file: catalogs imported from documents know no Microsoft URL,
                    // so a downstream server fetches from us (real WSUS leaves UssUrl empty and relies on MUUrl).
                    url->UssUrl = call.arena.make<std::string>(content_url(call, f.file));
                    data->fileUrls->ServerSyncUrlData.push_back(url);
                }
            }
            std::optional<std::string> utf16;
            if (xml->size() * 2 > kCompressAboveBytes) {  // the UTF-16 form is at most twice the UTF-8 one
                auto converted = codec::utf8_to_utf16le(*xml);
                if (!converted) return std::unexpected(converted.error());
                if (converted->size() > kCompressAboveBytes) utf16 = std::move(*converted);
            }
            if (utf16) {
                auto cab = codec::make_cabinet("blob", *utf16);
                if (!cab) return std::unexpected(cab.error());
                item->XmlUpdateBlobCompressed = binary<Serversync::xsd__base64Binary>(call.arena, std::move(*cab));
            } else {
                item->XmlUpdateBlob = call.arena.make<std::string>(std::move(*xml));
            }
            data->updates->ServerSyncUpdateData.push_back(item);
        }
        return {};
    });
    if (!done) {
        if (done.error().code == Errc::invalid_argument)
            return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "updateIds"));
        log::service()->info("[{}] GetUpdateData from {}: {}", call.request_id, call.peer, done.error().message);
        return std::unexpected(fault(soap::ErrorCode::InternalServerError));
    }
    resp.GetUpdateDataResult = data;
    return {};
}

soap::OpResult uss_get_related_revisions(const ServerSyncDeps& deps,
                                         const Serversync::_ns1__GetRelatedRevisionsForUpdates& req,
                                         Serversync::_ns1__GetRelatedRevisionsForUpdatesResponse& resp,
                                         soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    if (!req.updateIDs || req.updateIDs->guid.size() > deps.config.max_updates_per_request)
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "updateIDs"));
    // Every stored revision of the updates, oldest first: what a downstream server needs to repair its history.
    auto* out = call.arena.make<Serversync::ns1__ArrayOfUpdateIdentity>();
    auto done = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
        store::RevisionRepo revs(c);
        for (const auto& id : req.updateIDs->guid) {
            if (!util::is_guid(id)) return fail(Errc::invalid_argument, "updateIDs");
            auto history = revs.history(lower(id));
            if (!history) continue;
            for (const auto& r : *history) {
                auto* u = call.arena.make<Serversync::ns1__UpdateIdentity>();
                u->UpdateID = r.update_id;
                u->RevisionNumber = r.revision_number;
                out->UpdateIdentity.push_back(u);
            }
        }
        return {};
    });
    if (!done) {
        if (done.error().code == Errc::invalid_argument)
            return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "updateIDs"));
        return std::unexpected(fault(soap::ErrorCode::InternalServerError));
    }
    resp.GetRelatedRevisionsForUpdatesResult = out;
    return {};
}

}  // namespace wsusd::services
