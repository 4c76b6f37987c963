// DownloadFiles (MS-WSUSSS §3.1.4.11), GetUpdateDecryptionData (§3.1.4.18), Ping, and the driver-set operations
// (§3.1.4.7–8): files and drivers of the catalog as a downstream server asks about them.
#include <algorithm>

#include "services/server_sync_ops.h"
#include "services/soap_values.h"
#include "store/revision_repo.h"
#include "util/encoding.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

soap::Fault fault(soap::ErrorCode code, std::string message = {}) { return soap::make_fault(code, std::move(message)); }

constexpr std::size_t kMaxDigests = 100;  // the spec's bound on DownloadFiles

}  // namespace

soap::OpResult uss_download_files(const ServerSyncDeps& deps, const Serversync::_ns1__DownloadFiles& req,
                                  Serversync::_ns1__DownloadFilesResponse&, soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    if (!req.fileDigestList || req.fileDigestList->base64Binary.size() > kMaxDigests)
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "fileDigestList"));
    std::vector<std::string> missing;
    auto found = deps.store->with_reader([&](store::Connection& c) -> Result<std::size_t> {
        store::RevisionRepo revs(c);
        std::size_t known = 0;
        for (const auto& digest : req.fileDigestList->base64Binary) {
            const std::string_view raw = bytes_of(&digest);
            if (raw.size() == 20 && revs.file_by_sha1(util::to_hex(raw))) {
                ++known;
                continue;
            }
            missing.push_back(util::base64_encode(raw));
        }
        return known;
    });
    if (!found) return std::unexpected(fault(soap::ErrorCode::InternalServerError));
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) list += (list.empty() ? "" : "|") + m;
        return std::unexpected(fault(soap::ErrorCode::FileDigestsMissing, list));
    }
    // This server fetches nothing from an upstream server of its own yet: files it lacks are imported with
    // `wsusd content import`. The spec has the USS ignore a failed download, so the call still succeeds.
    log::service()->info("[{}] DownloadFiles from {}: {} known files requested; files not in the content store must "
                         "be imported on this server (`wsusd content status --list`)",
                         call.request_id, call.peer, *found);
    return {};
}

soap::OpResult uss_get_update_decryption_data(const ServerSyncDeps& deps,
                                              const Serversync::_ns1__GetUpdateDecryptionData& req,
                                              Serversync::_ns1__GetUpdateDecryptionDataResponse& resp,
                                              soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    if (!req.updateIds || req.updateIds->UpdateIdentity.size() > 100)
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "updateIds"));
    auto* data = call.arena.make<Serversync::ns1__ServerDecryptionData>();
    data->UpdateFileDecryptionData = call.arena.make<Serversync::ns1__ArrayOfServerSyncUpdateFileDecryption>();
    auto done = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
        store::RevisionRepo revs(c);
        for (const auto* id : req.updateIds->UpdateIdentity) {
            if (!id) return fail(Errc::invalid_argument, "updateIds");
            auto rev = revs.get(lower(id->UpdateID), id->RevisionNumber);
            if (!rev) continue;
            const store::RevisionId ids[] = {rev->id};
            auto files = revs.files(ids);
            if (!files) return std::unexpected(files.error());
            auto* entry = call.arena.make<Serversync::ns1__ServerSyncUpdateFileDecryption>();
            entry->UpdateId = call.arena.make<Serversync::ns1__UpdateIdentity>();
            entry->UpdateId->UpdateID = rev->update_id;
            entry->UpdateId->RevisionNumber = rev->revision_number;
            entry->FileDecryptionData = call.arena.make<Serversync::ns1__ArrayOfServerSyncFileDecryption>();
            for (const auto& f : *files) {
                auto raw = util::from_hex(f.file.sha1);
                if (!raw) return fail(Errc::corrupt, "file digest " + f.file.sha1);
                auto* d = call.arena.make<Serversync::ns1__ServerSyncFileDecryption>();
                d->FileDigest = binary<Serversync::xsd__base64Binary>(call.arena, *raw);
                // No file in the catalog is encrypted: DecryptionKey stays absent (the spec allows NULL).
                entry->FileDecryptionData->ServerSyncFileDecryption.push_back(d);
            }
            data->UpdateFileDecryptionData->ServerSyncUpdateFileDecryption.push_back(entry);
        }
        return {};
    });
    if (!done) {
        if (done.error().code == Errc::invalid_argument)
            return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "updateIds"));
        return std::unexpected(fault(soap::ErrorCode::InternalServerError));
    }
    resp.GetUpdateDecryptionDataResult = data;
    return {};
}

soap::OpResult uss_ping(const ServerSyncDeps& deps, const Serversync::_ns3__Ping&, Serversync::_ns3__PingResponse& resp,
                        soap::Call& call) {
    const bool ok = deps.store->with_reader([](store::Connection& c) { return store::RevisionRepo(c).count(); })
                        .has_value();
    resp.PingResult =
        monitored_services<Serversync::ns3__MonitoredServicesResponse>(call, deps.now(), "ServerSyncWebService", ok);
    return {};
}

}  // namespace wsusd::services

namespace wsusd::services {

// Driver sets are Microsoft Update's (MS-WSUSSS §3.1.4.7: "invoked only when a USS syncs with Microsoft Update");
// like a WSUS upstream, this server advertises no driver-set limits (GetConfigData Max*Ids 0) and holds no driver
// sets: any ids asked for exceed the limit, and an empty request gets an empty answer. Driver updates themselves
// travel as ordinary revisions through GetRevisionIdList and GetUpdateData.
soap::OpResult uss_get_driver_id_list(const ServerSyncDeps& deps, const Serversync::_ns1__GetDriverIdList& req,
                                      Serversync::_ns1__GetDriverIdListResponse& resp, soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    if (!req.filter) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "filter"));
    if ((req.filter->ComputerIds && !req.filter->ComputerIds->IdAndDelta.empty()) ||
        (req.filter->PnpHardwareIds && !req.filter->PnpHardwareIds->HardwareIdAndDelta.empty()))
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "filter"));
    auto* out = call.arena.make<Serversync::ns1__DriverSetAndRevisionIdList>();
    out->Anchor = call.arena.make<std::string>(make_anchor(0, deps.now()));
    out->NewRevisions = call.arena.make<Serversync::ns1__ArrayOfUpdateIdentity>();
    out->NewDriverSets = call.arena.make<Serversync::ns1__ArrayOfGuid>();
    out->RemovedDriverSets = call.arena.make<Serversync::ns1__ArrayOfGuid>();
    resp.GetDriverIdListResult = out;
    return {};
}

soap::OpResult uss_get_driver_set_data(const ServerSyncDeps& deps, const Serversync::_ns1__GetDriverSetData& req,
                                       Serversync::_ns1__GetDriverSetDataResponse& resp, soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    if (!req.driverSets || !req.driverSets->guid.empty())
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "driverSets"));
    auto* out = call.arena.make<Serversync::ns1__ServerDriverSetData>();
    out->DriverSets = call.arena.make<Serversync::ns1__ArrayOfServerSyncDriverSetData>();
    resp.GetDriverSetDataResult = out;
    return {};
}

}  // namespace wsusd::services
