// Handlers of the ServerSync operations after authentication (server_sync_config.cpp, server_sync_revisions.cpp).
#pragma once

#include "ServersyncH.h"
#include "services/server_sync_service.h"

namespace wsusd::services {

soap::OpResult uss_get_config_data(const ServerSyncDeps& deps, const Serversync::_ns1__GetConfigData& req,
                                   Serversync::_ns1__GetConfigDataResponse& resp, soap::Call& call);
soap::OpResult uss_get_revision_id_list(const ServerSyncDeps& deps, const Serversync::_ns1__GetRevisionIdList& req,
                                        Serversync::_ns1__GetRevisionIdListResponse& resp, soap::Call& call);
soap::OpResult uss_get_update_data(const ServerSyncDeps& deps, const Serversync::_ns1__GetUpdateData& req,
                                   Serversync::_ns1__GetUpdateDataResponse& resp, soap::Call& call);
soap::OpResult uss_get_related_revisions(const ServerSyncDeps& deps,
                                         const Serversync::_ns1__GetRelatedRevisionsForUpdates& req,
                                         Serversync::_ns1__GetRelatedRevisionsForUpdatesResponse& resp,
                                         soap::Call& call);
soap::OpResult uss_get_deployments(const ServerSyncDeps& deps, const Serversync::_ns1__GetDeployments& req,
                                   Serversync::_ns1__GetDeploymentsResponse& resp, soap::Call& call);
soap::OpResult uss_download_files(const ServerSyncDeps& deps, const Serversync::_ns1__DownloadFiles& req,
                                  Serversync::_ns1__DownloadFilesResponse& resp, soap::Call& call);
soap::OpResult uss_get_update_decryption_data(const ServerSyncDeps& deps,
                                              const Serversync::_ns1__GetUpdateDecryptionData& req,
                                              Serversync::_ns1__GetUpdateDecryptionDataResponse& resp,
                                              soap::Call& call);
soap::OpResult uss_ping(const ServerSyncDeps& deps, const Serversync::_ns3__Ping& req, Serversync::_ns3__PingResponse& resp,
                        soap::Call& call);
soap::OpResult uss_get_driver_id_list(const ServerSyncDeps& deps, const Serversync::_ns1__GetDriverIdList& req,
                                      Serversync::_ns1__GetDriverIdListResponse& resp, soap::Call& call);
soap::OpResult uss_get_driver_set_data(const ServerSyncDeps& deps, const Serversync::_ns1__GetDriverSetData& req,
                                       Serversync::_ns1__GetDriverSetDataResponse& resp, soap::Call& call);

}  // namespace wsusd::services
