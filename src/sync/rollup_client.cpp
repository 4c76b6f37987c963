#include "sync/rollup_client.h"

#include <ReportingH.h>

#include "soap/endpoint.h"
#include "soap/namespaces.h"
#include "sync/soap_call.h"
#include "util/time_format.h"

namespace wsusd::sync {

namespace R = Reporting;

namespace {

constexpr const char* kActionBase = "http://www.microsoft.com/SoftwareDistribution/";
constexpr const char* kNever = "1753-01-01T00:00:00";  // MS-WSUSSS: a time that never happened
constexpr const char* kNoParent = "00000000-0000-0000-0000-000000000000";

std::string time_text(std::optional<store::TimePoint> t) { return t ? util::format_datetime(*t, 3) : kNever; }

// The spec's reserved cookie would do for a real WSUS upstream; wsusd upstreams check the ServerSync cookie.
R::ns1__Cookie* cookie_of(soap::Arena& a, const ServerCookie& c) {
    auto* k = a.make<R::ns1__Cookie>();
    k->Expiration = c.expiration;
    auto* b = a.make<R::xsd__base64Binary>();
    auto* buf = a.str(c.data);
    b->__ptr = reinterpret_cast<unsigned char*>(buf->data());
    b->__size = static_cast<int>(buf->size());
    k->EncryptedData = b;
    return k;
}

int count(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

int version_part(const std::string& v, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) {
        start = v.find('.', start);
        if (start == std::string::npos) return 0;
        ++start;
    }
    try {
        return std::stoi(v.substr(start));
    } catch (...) {
        return 0;
    }
}

struct Guard {
    soap::SoapContext& ctx;
    ~Guard() { ctx.reset(); }
};

}  // namespace

nlohmann::json summary_json(const store::ServerSummary& s) {
    return {{"updates", s.updates},
            {"declined", s.declined},
            {"approved", s.approved},
            {"not_approved", std::max<std::int64_t>(0, s.updates - s.declined - s.approved)},
            {"expired", s.expired},
            {"custom_groups", s.custom_groups},
            {"computers", s.computers},
            {"computers_needing_updates", s.computers_needing},
            {"computers_with_errors", s.computers_with_errors},
            {"updates_with_client_errors", s.updates_with_client_errors},
            {"updates_needed", s.updates_needed}};
}

RollupClient::RollupClient(HttpTransport& transport, std::string root_url, RetryPolicy retry, Sleeper sleep)
    : transport_(transport),
      root_(std::move(root_url)),
      retry_(retry),
      sleep_(std::move(sleep)),
      ctx_(std::make_unique<soap::SoapContext>(soap::reporting_namespaces(), soap::EnvelopeStyle::asmx,
                                               detail::reply_parse_limits())) {
    while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

RollupClient::~RollupClient() = default;

#define WSUSD_REPORTING_CALL(Op, req, extract)                                                           \
    do {                                                                                                 \
        const std::string url = root_ + kReportingPath;                                                  \
        const std::string action = std::string(kActionBase) + #Op;                                       \
        Guard guard{*ctx_};                                                                              \
        std::string body = detail::encode(*ctx_, req, "ns1:" #Op);                                       \
        auto reply = detail::post(detail::CallSettings{&transport_, retry_, sleep_}, url, action, body); \
        if (!reply) return std::unexpected(reply.error());                                               \
        R::_ns1__##Op##Response resp;                                                                    \
        if (auto d = detail::decode(*ctx_, *reply, resp, "ns1:" #Op "Response", url); !d)                \
            return std::unexpected(d.error());                                                           \
        return extract(resp);                                                                            \
    } while (0)

UpstreamResult<RollupConfig> RollupClient::configuration(const ServerCookie& cookie) {
    soap::Arena arena;
    R::_ns1__GetRollupConfiguration req;
    req.cookie = cookie_of(arena, cookie);
    auto extract = [&](R::_ns1__GetRollupConfigurationResponse& r) -> UpstreamResult<RollupConfig> {
        const auto* c = r.GetRollupConfigurationResult;
        if (!c) return upstream_fail(Errc::invalid_argument, "GetRollupConfiguration: empty result");
        RollupConfig out{c->DoDetailedRollup, c->RollupResetGuid, c->ServerId, c->RollupDownstreamServersMaxBatchSize,
                         c->RollupComputersMaxBatchSize, c->GetOutOfSyncComputersMaxBatchSize,
                         c->RollupComputerStatusMaxBatchSize};
        if (out.max_computers < 1 || out.max_out_of_sync < 1 || out.max_status < 1)
            return upstream_fail(Errc::invalid_argument, "GetRollupConfiguration: a batch size is not positive");
        return out;
    };
    WSUSD_REPORTING_CALL(GetRollupConfiguration, req, extract);
}

UpstreamResult<void> RollupClient::downstream_servers(const ServerCookie& cookie,
                                                      std::span<const RollupServerInfo> servers) {
    soap::Arena arena;
    R::_ns1__RollupDownstreamServers req;
    req.cookie = cookie_of(arena, cookie);
    req.clientTime = util::format_datetime(std::chrono::system_clock::now(), 3);
    req.downstreamServers = arena.make<R::ns1__ArrayOfDownstreamServerRollupInfo>();
    for (const auto& s : servers) {
        auto* i = arena.make<R::ns1__DownstreamServerRollupInfo>();
        i->ServerId = s.id;
        i->FullDomainName = arena.str(s.name);
        i->LastSyncTime = time_text(s.last_sync_at);
        i->ParentServerId = s.parent_id.empty() ? kNoParent : s.parent_id;
        i->Version = arena.str(s.version);
        i->IsReplica = s.replica;
        i->LastRollupTime = util::format_datetime(s.last_rollup_at, 3);
        auto* m = arena.make<R::ns1__DownstreamServerRollupServerSummary>();
        const auto& j = s.summary;
        m->UpdateCount = count(j, "updates");
        m->DeclinedUpdateCount = count(j, "declined");
        m->ApprovedUpdateCount = count(j, "approved");
        m->NotApprovedUpdateCount = count(j, "not_approved");
        m->UpdatesWithStaleUpdateApprovalsCount = count(j, "stale_approvals");
        m->ExpiredUpdateCount = count(j, "expired");
        m->CriticalOrSecurityUpdatesNotApprovedForInstallCount = count(j, "critical_not_approved");
        m->WsusInfrastructureUpdatesNotApprovedForInstallCount = count(j, "infrastructure_not_approved");
        m->UpdatesWithClientErrorsCount = count(j, "updates_with_client_errors");
        m->UpdatesWithServerErrorsCount = count(j, "updates_with_server_errors");
        m->UpdatesNeedingFilesCount = count(j, "updates_needing_files");
        m->UpdatesNeededByComputersCount = count(j, "updates_needed");
        m->UpdatesUpToDateCount = count(j, "updates_up_to_date");
        m->CustomComputerTargetGroupCount = count(j, "custom_groups");
        m->ComputerTargetCount = count(j, "computers");
        m->ComputerTargetsNeedingUpdatesCount = count(j, "computers_needing_updates");
        m->ComputerTargetsWithUpdateErrorsCount = count(j, "computers_with_errors");
        m->ComputersUpToDateCount = count(j, "computers_up_to_date");
        i->ServerSummary = m;
        i->ClientSummaries = arena.make<R::ns1__ArrayOfDownstreamServerRollupClientSummary>();
        req.downstreamServers->DownstreamServerRollupInfo.push_back(i);
    }
    auto extract = [](R::_ns1__RollupDownstreamServersResponse&) -> UpstreamResult<void> { return {}; };
    WSUSD_REPORTING_CALL(RollupDownstreamServers, req, extract);
}

UpstreamResult<std::vector<std::string>> RollupClient::computers(const ServerCookie& cookie,
                                                                 std::span<const store::PendingComputer> computers,
                                                                 const std::string& self_id) {
    soap::Arena arena;
    R::_ns1__RollupComputers req;
    req.cookie = cookie_of(arena, cookie);
    req.clientTime = util::format_datetime(std::chrono::system_clock::now(), 3);
    req.computers = arena.make<R::ns1__ArrayOfComputerRollupInfo>();
    for (const auto& p : computers) {
        const auto& c = p.computer;
        auto* i = arena.make<R::ns1__ComputerRollupInfo>();
        i->ComputerId = arena.str(c.info.client_id);
        i->LastSyncTime = time_text(c.last_sync_at);
        i->LastSyncResult = c.parent_server_id.empty() ? (c.last_sync_at ? 1 : 0) : p.last_sync_result;
        i->LastReportedRebootTime = kNever;
        i->LastReportedStatusTime = time_text(c.last_report_at);
        i->LastInventoryTime = kNever;
        i->ParentServerId = c.parent_server_id.empty() ? self_id : c.parent_server_id;
        // Details always travel (the spec allows them on every call): no HasDetailsChanged bookkeeping needed.
        auto* d = arena.make<R::ns1__ComputerRollupDetails>();
        d->IPAddress = arena.str("");
        d->FullDomainName = arena.str(c.info.dns_name);
        d->OSMajorVersion = version_part(c.info.os_version, 0);
        d->OSMinorVersion = version_part(c.info.os_version, 1);
        d->OSBuildNumber = version_part(c.info.os_version, 2);
        d->OSServicePackMajorNumber = version_part(c.info.os_version, 3);
        d->OSServicePackMinorNumber = 0;
        d->OSLocale = arena.str(c.info.os_locale);
        d->OSDescription = arena.str(c.info.os_description);
        d->ComputerMake = arena.str(c.info.make.substr(0, 64));
        d->ComputerModel = arena.str(c.info.model.substr(0, 64));
        d->BiosVersion = arena.str(c.info.bios_version.substr(0, 64));
        d->BiosName = arena.str(c.info.bios_name.substr(0, 64));
        d->BiosReleaseDate = util::parse_datetime(c.info.bios_release_date) ? c.info.bios_release_date : kNever;
        d->ProcessorArchitecture = arena.str(c.info.processor_architecture.substr(0, 50));
        d->ClientVersion = arena.str(c.info.client_version.substr(0, 20));
        d->TargetGroupIdList = arena.make<R::ns1__ArrayOfGuid>();
        d->TargetGroupIdList->guid = p.group_ids;
        d->RequestedTargetGroupNames = arena.make<R::ns1__ArrayOfString>();
        i->Details = d;
        req.computers->ComputerRollupInfo.push_back(i);
    }
    auto extract = [](R::_ns1__RollupComputersResponse& r) -> UpstreamResult<std::vector<std::string>> {
        std::vector<std::string> deleted;
        if (r.RollupComputersResult)
            for (const auto* ch : r.RollupComputersResult->ChangedComputer)
                if (ch && ch->ComputerId && ch->Change == R::ns1__ComputerChangeType::Deleted)
                    deleted.push_back(*ch->ComputerId);
        return deleted;
    };
    WSUSD_REPORTING_CALL(RollupComputers, req, extract);
}

UpstreamResult<std::vector<std::string>> RollupClient::out_of_sync(
    const ServerCookie& cookie, const std::string& self_id, std::span<const std::pair<std::string, int>> numbers) {
    soap::Arena arena;
    R::_ns1__GetOutOfSyncComputers req;
    req.cookie = cookie_of(arena, cookie);
    req.parentServerId = self_id;
    req.lastRollupNumbers = arena.make<R::ns1__ArrayOfComputerLastRollupNumber>();
    for (const auto& [id, n] : numbers) {
        auto* e = arena.make<R::ns1__ComputerLastRollupNumber>();
        e->ComputerId = arena.str(id);
        e->RollupNumber = n;
        req.lastRollupNumbers->ComputerLastRollupNumber.push_back(e);
    }
    auto extract = [](R::_ns1__GetOutOfSyncComputersResponse& r) -> UpstreamResult<std::vector<std::string>> {
        if (!r.GetOutOfSyncComputersResult) return std::vector<std::string>{};
        return r.GetOutOfSyncComputersResult->string;
    };
    WSUSD_REPORTING_CALL(GetOutOfSyncComputers, req, extract);
}

UpstreamResult<bool> RollupClient::computer_status(const ServerCookie& cookie, const std::string& self_id,
                                                   std::span<const RollupStatusInfo> computers) {
    soap::Arena arena;
    R::_ns1__RollupComputerStatus req;
    req.cookie = cookie_of(arena, cookie);
    req.clientTime = util::format_datetime(std::chrono::system_clock::now(), 3);
    req.parentServerId = self_id;
    req.computers = arena.make<R::ns1__ArrayOfComputerStatusRollupInfo>();
    for (const auto& c : computers) {
        auto* i = arena.make<R::ns1__ComputerStatusRollupInfo>();
        i->InstanceId = store::new_guid();
        i->ComputerId = arena.str(c.client_id);
        i->EffectiveLastDetectionTime = time_text(c.effective_detection);
        i->RollupNumber = c.rollup_number;
        i->IsFullRollup = c.full;
        i->UpdateStatus = arena.make<R::ns1__ArrayOfComputerStatusRollupUpdateStatus>();
        for (const auto& s : c.states) {
            auto wire = store::summarization_state(s.state);
            if (!wire) continue;
            auto* u = arena.make<R::ns1__ComputerStatusRollupUpdateStatus>();
            u->UpdateId = s.update_id;
            u->SummarizationState = *wire;
            // The client's own time of the change (TimeAtTarget): comparable across servers.
            u->LastChangeTime = util::format_datetime(s.event_time, 3);
            i->UpdateStatus->ComputerStatusRollupUpdateStatus.push_back(u);
        }
        req.computers->ComputerStatusRollupInfo.push_back(i);
    }
    auto extract = [](R::_ns1__RollupComputerStatusResponse& r) -> UpstreamResult<bool> {
        return r.RollupComputerStatusResult;
    };
    WSUSD_REPORTING_CALL(RollupComputerStatus, req, extract);
}

#undef WSUSD_REPORTING_CALL

}  // namespace wsusd::sync
