// The upstream side of report rollup on the Reporting web service (MS-WSUSSS §3.1.4.13–17): downstream servers
// send themselves, their computers and those computers' update states. wsusd asks for the server cookie a
// downstream server gets from DssAuth/GetCookie (check_server_cookie_data); the spec leaves the cookie "reserved",
// but without it anyone could write report data, so a caller without a valid server cookie gets InvalidCookie.
#pragma once

#include "ReportingH.h"
#include "services/server_sync_service.h"

namespace wsusd::services {

soap::OpResult rollup_get_configuration(const ServerSyncDeps& deps, const Reporting::_ns1__GetRollupConfiguration& req,
                                        Reporting::_ns1__GetRollupConfigurationResponse& resp, soap::Call& call);
soap::OpResult rollup_downstream_servers(const ServerSyncDeps& deps, const Reporting::_ns1__RollupDownstreamServers& req,
                                         Reporting::_ns1__RollupDownstreamServersResponse& resp, soap::Call& call);
soap::OpResult rollup_computers(const ServerSyncDeps& deps, const Reporting::_ns1__RollupComputers& req,
                                Reporting::_ns1__RollupComputersResponse& resp, soap::Call& call);
soap::OpResult rollup_out_of_sync(const ServerSyncDeps& deps, const Reporting::_ns1__GetOutOfSyncComputers& req,
                                  Reporting::_ns1__GetOutOfSyncComputersResponse& resp, soap::Call& call);
soap::OpResult rollup_computer_status(const ServerSyncDeps& deps, const Reporting::_ns1__RollupComputerStatus& req,
                                      Reporting::_ns1__RollupComputerStatusResponse& resp, soap::Call& call);

/// The GUID under `key` in the settings, created on first use (this server's ServerId, its RollupResetGuid).
Result<std::string> stored_guid(store::Store& st, std::string_view key);
inline constexpr std::string_view kServerIdSetting = "sync.account_guid";
inline constexpr std::string_view kRollupResetSetting = "uss.rollup_reset_guid";

}  // namespace wsusd::services
