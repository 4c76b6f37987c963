// RollupClient: the Reporting web service calls a downstream server makes to roll its reports up (MS-WSUSSS
// §3.2.4.5): GetRollupConfiguration, RollupDownstreamServers, RollupComputers, GetOutOfSyncComputers,
// RollupComputerStatus, on the generated Reporting serializers (own translation unit: each generated service
// brings its own gSOAP glue). Requests carry the ServerSync cookie of the run. Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "store/rollup_send_repo.h"
#include "sync/http_transport.h"
#include "sync/retry.h"
#include "sync/upstream_types.h"

namespace wsusd::soap {
class SoapContext;
}

namespace wsusd::sync {

inline constexpr const char* kReportingPath = "/ReportingWebService/ReportingWebService.asmx";

struct RollupConfig {
    bool detailed = false;
    std::string reset_guid, server_id;
    int max_client_summaries = 0, max_computers = 0, max_out_of_sync = 0, max_status = 0;
};

/// One DownstreamServerRollupInfo (this server or one below it); no client activity summaries are kept here.
struct RollupServerInfo {
    std::string id, name, version;
    std::string parent_id;  ///< empty: the upstream itself (sent as the zero GUID)
    bool replica = false;
    std::optional<store::TimePoint> last_sync_at;
    store::TimePoint last_rollup_at;
    nlohmann::json summary = nlohmann::json::object();  ///< keys as the upstream stores them (see summary_json)
};

/// One ComputerStatusRollupInfo.
struct RollupStatusInfo {
    std::string client_id;
    int rollup_number = 1;
    bool full = true;
    std::optional<store::TimePoint> effective_detection;
    std::vector<store::UpdateStatus> states;  ///< states the protocol cannot name (unknown) are left out
};

/// ServerSummary JSON of this server's counts, in the keys RollupServerInfo::summary uses.
nlohmann::json summary_json(const store::ServerSummary& s);

class RollupClient {
  public:
    RollupClient(HttpTransport& transport, std::string root_url, RetryPolicy retry, Sleeper sleep);
    ~RollupClient();

    UpstreamResult<RollupConfig> configuration(const ServerCookie& cookie);
    UpstreamResult<void> downstream_servers(const ServerCookie& cookie, std::span<const RollupServerInfo> servers);
    /// Sends computers with their Details; returns the SusClientIds the upstream answered "Deleted" for.
    UpstreamResult<std::vector<std::string>> computers(const ServerCookie& cookie,
                                                       std::span<const store::PendingComputer> computers,
                                                       const std::string& self_id);
    UpstreamResult<std::vector<std::string>> out_of_sync(const ServerCookie& cookie, const std::string& self_id,
                                                         std::span<const std::pair<std::string, int>> numbers);
    /// false: the upstream is too busy and asks to send again later.
    UpstreamResult<bool> computer_status(const ServerCookie& cookie, const std::string& self_id,
                                         std::span<const RollupStatusInfo> computers);

  private:
    HttpTransport& transport_;
    std::string root_;
    RetryPolicy retry_;
    Sleeper sleep_;
    std::unique_ptr<soap::SoapContext> ctx_;
};

}  // namespace wsusd::sync
