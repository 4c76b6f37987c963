#include "services/reporting_service.h"

#include <ReportingH.h>

#include "services/reporting_rollup.h"
#include "services/simple_auth_service.h"
#include "services/soap_values.h"
#include "soap/namespaces.h"
#include "store/computer_repo.h"
#include "store/event_repo.h"
#include "store/status_repo.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

constexpr std::size_t kMaxText = 2048;

soap::Fault fault(soap::ErrorCode c, std::string m = {}) { return soap::make_fault(c, std::move(m)); }

soap::Fault internal(const soap::Call& call, const Error& e) {
    log::service()->error("[{}] {} from {}: store error: {} (the client will retry the batch)", call.request_id,
                          call.operation, call.peer, e.message);
    return fault(soap::ErrorCode::InternalServerError);
}

std::string bounded(const std::string* s) { return s ? s->substr(0, kMaxText) : std::string(); }

// Decodes one event strictly; nullopt names nothing, the caller refuses the whole batch.
std::optional<store::ClientEvent> to_event(const Reporting::ns1__ReportingEvent* e) {
    if (!e || !e->BasicData) return std::nullopt;
    const auto& b = *e->BasicData;
    auto t = util::parse_datetime(b.TimeAtTarget);
    if (!t || !is_client_id(b.EventInstanceID)) return std::nullopt;
    store::ClientEvent ev;
    ev.time = std::chrono::floor<std::chrono::milliseconds>(*t);
    ev.instance_id = lower(b.EventInstanceID);
    ev.event_id = b.EventID;
    ev.namespace_id = b.NamespaceID;
    ev.source_id = b.SourceID;
    if (b.UpdateID) {
        if (!is_client_id(b.UpdateID->UpdateID)) return std::nullopt;
        std::string id = lower(b.UpdateID->UpdateID);
        if (id != "00000000-0000-0000-0000-000000000000") {
            ev.update_id = id;
            ev.revision_number = b.UpdateID->RevisionNumber;
        }
    }
    ev.win32_hresult = b.Win32HResult;
    ev.app_name = bounded(b.AppName);
    if (e->ExtendedData) {
        const auto& x = *e->ExtendedData;
        ev.device_id = bounded(x.DeviceID);
        if (x.MiscData) {
            for (const auto& m : x.MiscData->string) {
                if (ev.misc_data.size() + m.size() > 64 * 1024) break;  // U/V lists of event 156 can be long
                if (!ev.misc_data.empty()) ev.misc_data += '\n';
                ev.misc_data += m;
            }
        }
        if (x.ReplacementStrings)
            for (const auto& r : x.ReplacementStrings->string)
                if (ev.replacement_strings.size() < 32) ev.replacement_strings.push_back(r.substr(0, kMaxText));
    }
    return ev;
}

soap::OpResult store_batch(const ClientServiceDeps& deps, store::ComputerId computer,
                           const Reporting::ns1__ArrayOfReportingEvent* batch, soap::Call& call) {
    if (!batch) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "eventBatch"));
    if (batch->ReportingEvent.size() > deps.config.max_events_per_batch)
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "eventBatch"));
    std::vector<store::ClientEvent> events;
    events.reserve(batch->ReportingEvent.size());
    for (const auto* e : batch->ReportingEvent) {
        auto ev = to_event(e);
        if (!ev) {
            log::service()->warn("[{}] ReportEventBatch from {}: malformed event; batch refused", call.request_id,
                                 call.peer);
            return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "eventBatch"));
        }
        events.push_back(std::move(*ev));
    }
    auto now = std::chrono::floor<std::chrono::milliseconds>(deps.now());
    // One transaction: the batch is stored whole or not at all; a retried batch adds nothing twice.
    auto stored = deps.store->with_writer([&](store::Connection& c) -> Result<std::size_t> {
        auto n = store::EventRepo(c).insert_batch(computer, events, now);
        if (!n) return n;
        if (auto s = store::StatusRepo(c).apply(computer, events, now); !s) return std::unexpected(s.error());
        if (auto t = store::ComputerRepo(c).touch_report(computer, now); !t) return std::unexpected(t.error());
        return n;
    });
    if (!stored) return std::unexpected(internal(call, stored.error()));
    log::service()->debug("[{}] stored {} of {} events from {}", call.request_id, *stored, events.size(), call.peer);
    return {};
}

std::expected<store::ComputerId, soap::Fault> computer_of(const ClientServiceDeps& deps, std::string_view client_id,
                                                          soap::Call& call) {
    auto id = deps.store->with_reader([&](store::Connection& c) { return store::ComputerRepo(c).find_id(client_id); });
    if (id) return *id;
    if (id.error().code == Errc::not_found) return std::unexpected(fault(soap::ErrorCode::RegistrationRequired));
    return std::unexpected(internal(call, id.error()));
}

std::expected<core::CookiePayload, soap::Fault> client_cookie(const ClientServiceDeps& deps,
                                                              const Reporting::ns1__Cookie* c) {
    auto data = c ? bytes_of(c->EncryptedData) : std::string_view{};
    if (data.empty()) return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
    auto cookie = deps.cookies->open(core::CookieKind::client, data, deps.now());
    if (!cookie)
        return std::unexpected(
            fault(cookie.error().error == core::CookieError::expired ? soap::ErrorCode::CookieExpired
                                                                     : soap::ErrorCode::InvalidCookie));
    return *cookie;
}

soap::OpResult report_event_batch(const ClientServiceDeps& deps, const Reporting::_ns1__ReportEventBatch& req,
                                  Reporting::_ns1__ReportEventBatchResponse& resp, soap::Call& call) {
    auto cookie = client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    if (!util::parse_datetime(req.clientTime)) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "clientTime"));
    auto computer = computer_of(deps, cookie->client_id, call);
    if (!computer) return std::unexpected(computer.error());
    if (auto r = store_batch(deps, *computer, req.eventBatch, call); !r) return r;
    resp.ReportEventBatchResult = true;
    return {};
}

soap::OpResult report_event_batch2(const ClientServiceDeps& deps, const Reporting::_ns1__ReportEventBatch2& req,
                                   Reporting::_ns1__ReportEventBatch2Response& resp, soap::Call& call) {
    // No cookie in this version: events are accepted only for a computer that registered.
    if (!req.computerId || !is_client_id(*req.computerId))
        return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "computerId"));
    if (!util::parse_datetime(req.clientTime)) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "clientTime"));
    auto computer = computer_of(deps, lower(*req.computerId), call);
    if (!computer) return std::unexpected(computer.error());
    if (auto r = store_batch(deps, *computer, req.eventBatch, call); !r) return r;
    resp.ReportEventBatch2Result = true;
    return {};
}


// MS-WUSP §2.2.2.2.1: GetConfig's IsInventoryRequired is always "0", so no inventory type is required (0) and an
// inventory a client sends anyway is acknowledged and not kept.
soap::OpResult required_inventory_type(const ClientServiceDeps& deps, const Reporting::_ns1__GetRequiredInventoryType& req,
                                       Reporting::_ns1__GetRequiredInventoryTypeResponse& resp, soap::Call&) {
    if (auto c = client_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    resp.GetRequiredInventoryTypeResult = 0;
    return {};
}

soap::OpResult report_inventory(const ClientServiceDeps& deps, const Reporting::_ns1__ReportInventory& req,
                                Reporting::_ns1__ReportInventoryResponse& resp, soap::Call& call) {
    auto c = client_cookie(deps, req.cookie);
    if (!c) return std::unexpected(c.error());
    if (!util::parse_datetime(req.clientTime)) return std::unexpected(fault(soap::ErrorCode::InvalidParameters, "clientTime"));
    log::service()->debug("[{}] ReportInventory from {} ({}): inventory is not collected; discarded", call.request_id,
                          c->client_id, call.peer);
    resp.ReportInventoryResult = true;
    return {};
}

// IMonitorable Ping, answered like the ServerSync service's: the service is up when the store answers.
soap::OpResult ping(const ClientServiceDeps& deps, const Reporting::_ns3__Ping&, Reporting::_ns3__PingResponse& resp,
                    soap::Call& call) {
    const bool ok = deps.store->with_reader([](store::Connection& c) { return store::ComputerRepo(c).count(); })
                        .has_value();
    resp.PingResult =
        monitored_services<Reporting::ns3__MonitoredServicesResponse>(call, deps.now(), "ReportingWebService", ok);
    return {};
}

}  // namespace

std::unique_ptr<soap::Endpoint> make_reporting_endpoint(std::shared_ptr<const ClientServiceDeps> deps,
                                                        std::shared_ptr<const ServerSyncDeps> uss,
                                                        const soap::ParseLimits& limits) {
    auto ep = std::make_unique<soap::Endpoint>("Reporting", soap::reporting_namespaces(), soap::EnvelopeStyle::asmx,
                                               limits);
    ep->on<Reporting::_ns1__ReportEventBatch, Reporting::_ns1__ReportEventBatchResponse>(
        "ns1:ReportEventBatch", "ns1:ReportEventBatchResponse",
        [deps](const auto& req, auto& resp, soap::Call& call) { return report_event_batch(*deps, req, resp, call); });
    ep->on<Reporting::_ns1__ReportEventBatch2, Reporting::_ns1__ReportEventBatch2Response>(
        "ns1:ReportEventBatch2", "ns1:ReportEventBatch2Response",
        [deps](const auto& req, auto& resp, soap::Call& call) { return report_event_batch2(*deps, req, resp, call); });
#define WSUSD_REPORTING_OP(ns, Op, d, fn)                                      \
    ep->on<Reporting::_##ns##__##Op, Reporting::_##ns##__##Op##Response>(      \
        #ns ":" #Op, #ns ":" #Op "Response",                                   \
        [d](const auto& req, auto& resp, soap::Call& call) { return fn(*d, req, resp, call); })
    WSUSD_REPORTING_OP(ns1, GetRequiredInventoryType, deps, required_inventory_type);
    WSUSD_REPORTING_OP(ns1, ReportInventory, deps, report_inventory);
    WSUSD_REPORTING_OP(ns3, Ping, deps, ping);
    // Report rollup from downstream servers: only where the upstream role is on.
    if (uss) {
        WSUSD_REPORTING_OP(ns1, GetRollupConfiguration, uss, rollup_get_configuration);
        WSUSD_REPORTING_OP(ns1, RollupDownstreamServers, uss, rollup_downstream_servers);
        WSUSD_REPORTING_OP(ns1, RollupComputers, uss, rollup_computers);
        WSUSD_REPORTING_OP(ns1, GetOutOfSyncComputers, uss, rollup_out_of_sync);
        WSUSD_REPORTING_OP(ns1, RollupComputerStatus, uss, rollup_computer_status);
    }
#undef WSUSD_REPORTING_OP
    return ep;
}

}  // namespace wsusd::services
