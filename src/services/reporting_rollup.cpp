#include "services/reporting_rollup.h"

#include <nlohmann/json.hpp>

#include "services/simple_auth_service.h"
#include "services/soap_values.h"
#include "store/rollup_repo.h"
#include "store/settings_repo.h"
#include "store/types.h"
#include "util/guid.h"
#include "util/log.h"

namespace wsusd::services {

namespace R = Reporting;

namespace {

constexpr const char* kNoParent = "00000000-0000-0000-0000-000000000000";

soap::Fault fault(soap::ErrorCode c, std::string m = {}) { return soap::make_fault(c, std::move(m)); }

soap::Fault invalid(const soap::Call& call, const std::string& what, const std::string& why) {
    log::service()->warn("[{}] {} from {}: {}: {}; request refused", call.request_id, call.operation, call.peer, what,
                         why);
    return fault(soap::ErrorCode::InvalidParameters, what);
}

soap::Fault internal(const soap::Call& call, const Error& e) {
    log::service()->error("[{}] {} from {}: store error: {} (the downstream server retries at its next rollup)",
                          call.request_id, call.operation, call.peer, e.message);
    return fault(soap::ErrorCode::InternalServerError);
}

// The calling downstream server (its GUID): from the server cookie a wsusd downstream sends, or, for the reserved
// cookie of MS-WSUSSS §3.1.4.13–17 (no data; what a real WSUS downstream sends), from the authorization its
// address made with GetCookie within that cookie's lifetime (upstream_role.rollup_reserved_cookie).
std::expected<std::string, soap::Fault> caller(const ServerSyncDeps& deps, const R::ns1__Cookie* cookie,
                                               const soap::Call& call) {
    const std::string_view data = cookie ? bytes_of(cookie->EncryptedData) : std::string_view{};
    if (cookie && data.empty() && deps.config.rollup_reserved_cookie) {
        if (auto id = deps.peers ? deps.peers->lookup(call.peer, deps.now()) : std::nullopt) return *id;
        log::service()->info("[{}] {} from {}: reserved rollup cookie from an address without a current "
                             "authorization; the downstream server's next sync (DssAuth/GetCookie) authorizes it",
                             call.request_id, call.operation, call.peer);
        return std::unexpected(fault(soap::ErrorCode::InvalidCookie));
    }
    auto opened = check_server_cookie_data(deps, data);
    if (!opened) {
        log::service()->info("[{}] {} from {}: no valid server cookie (a downstream server gets one from "
                             "DssAuth/GetCookie)", call.request_id, call.operation, call.peer);
        return std::unexpected(opened.error());
    }
    return lower(opened->client_id);
}

// MS-WSUSSS "never" times (1753-01-01, and 0001-01-01 as real WSUS sends them) read as absent.
std::optional<store::TimePoint> when(const std::string& text) {
    auto t = util::parse_datetime(text);
    if (!t || t->time_since_epoch() < std::chrono::hours(24 * 365 * -70)) return std::nullopt;  // before 1900
    return std::chrono::floor<std::chrono::milliseconds>(*t);
}

bool valid_time(const std::string& text) { return util::parse_datetime(text).has_value(); }

std::string text(const std::string* s, std::size_t max = 256) { return s ? s->substr(0, max) : std::string(); }

soap::Fault detailed_off(const soap::Call& call) {
    log::service()->info("[{}] {} from {}: refused, upstream_role.rollup_detailed is off", call.request_id,
                         call.operation, call.peer);
    return fault(soap::ErrorCode::InvalidParameters, "DoDetailedRollup is false");
}

nlohmann::json summary_json(const R::ns1__DownstreamServerRollupServerSummary* s) {
    if (!s) return nlohmann::json::object();
    return {{"updates", s->UpdateCount},
            {"declined", s->DeclinedUpdateCount},
            {"approved", s->ApprovedUpdateCount},
            {"not_approved", s->NotApprovedUpdateCount},
            {"stale_approvals", s->UpdatesWithStaleUpdateApprovalsCount},
            {"expired", s->ExpiredUpdateCount},
            {"critical_not_approved", s->CriticalOrSecurityUpdatesNotApprovedForInstallCount},
            {"infrastructure_not_approved", s->WsusInfrastructureUpdatesNotApprovedForInstallCount},
            {"updates_with_client_errors", s->UpdatesWithClientErrorsCount},
            {"updates_with_server_errors", s->UpdatesWithServerErrorsCount},
            {"updates_needing_files", s->UpdatesNeedingFilesCount},
            {"updates_needed", s->UpdatesNeededByComputersCount},
            {"updates_up_to_date", s->UpdatesUpToDateCount},
            {"custom_groups", s->CustomComputerTargetGroupCount},
            {"computers", s->ComputerTargetCount},
            {"computers_needing_updates", s->ComputerTargetsNeedingUpdatesCount},
            {"computers_with_errors", s->ComputerTargetsWithUpdateErrorsCount},
            {"computers_up_to_date", s->ComputersUpToDateCount}};
}

}  // namespace

Result<std::string> stored_guid(store::Store& st, std::string_view key) {
    return st.with_writer([&](store::Connection& c) -> Result<std::string> {
        store::SettingsRepo s(c);
        auto got = s.get(key);
        if (!got) return std::unexpected(got.error());
        if (*got) return **got;
        std::string id = store::new_guid();
        auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        if (auto r = s.set(key, id, now); !r) return std::unexpected(r.error());
        return id;
    });
}

soap::OpResult rollup_get_configuration(const ServerSyncDeps& deps, const R::_ns1__GetRollupConfiguration& req,
                                        R::_ns1__GetRollupConfigurationResponse& resp, soap::Call& call) {
    auto who = caller(deps, req.cookie, call);
    if (!who) return std::unexpected(who.error());
    auto server_id = stored_guid(*deps.store, kServerIdSetting);
    if (!server_id) return std::unexpected(internal(call, server_id.error()));
    auto reset = stored_guid(*deps.store, kRollupResetSetting);
    if (!reset) return std::unexpected(internal(call, reset.error()));
    auto* c = call.arena.make<R::ns1__RollupConfiguration>();
    c->DoDetailedRollup = deps.config.rollup_detailed;
    c->RollupResetGuid = *reset;
    c->ServerId = *server_id;
    c->RollupDownstreamServersMaxBatchSize = static_cast<int>(deps.config.rollup_max_client_summaries);
    c->RollupComputersMaxBatchSize = static_cast<int>(deps.config.rollup_max_computers);
    c->GetOutOfSyncComputersMaxBatchSize = static_cast<int>(deps.config.rollup_max_out_of_sync);
    c->RollupComputerStatusMaxBatchSize = static_cast<int>(deps.config.rollup_max_status);
    resp.GetRollupConfigurationResult = c;
    return {};
}

soap::OpResult rollup_downstream_servers(const ServerSyncDeps& deps, const R::_ns1__RollupDownstreamServers& req,
                                         R::_ns1__RollupDownstreamServersResponse&, soap::Call& call) {
    auto who = caller(deps, req.cookie, call);
    if (!who) return std::unexpected(who.error());
    if (!valid_time(req.clientTime)) return std::unexpected(invalid(call, "clientTime", "not a dateTime"));
    if (!req.downstreamServers) return std::unexpected(invalid(call, "downstreamServers", "missing"));
    std::vector<store::RolledUpServer> servers;
    std::size_t summaries = 0;
    for (const auto* s : req.downstreamServers->DownstreamServerRollupInfo) {
        if (!s) return std::unexpected(invalid(call, "downstreamServers", "nil DownstreamServerRollupInfo"));
        if (!util::is_guid(s->ServerId) || !util::is_guid(s->ParentServerId))
            return std::unexpected(invalid(call, "downstreamServers", "ServerId/ParentServerId not a GUID"));
        auto last_rollup = util::parse_datetime(s->LastRollupTime);
        if (!last_rollup || !valid_time(s->LastSyncTime))
            return std::unexpected(invalid(call, "downstreamServers", "LastRollupTime/LastSyncTime not a dateTime"));
        store::RolledUpServer r;
        r.id = lower(s->ServerId);
        r.parent_id = lower(s->ParentServerId) == kNoParent ? "" : lower(s->ParentServerId);
        // A server reports itself with no parent; others it reports must sit below a known server.
        if (r.parent_id.empty() && r.id != *who)
            return std::unexpected(invalid(call, "downstreamServers", "server " + r.id + " claims this server as "
                                                                      "parent but is not the caller " + *who));
        r.name = text(s->FullDomainName);
        r.version = text(s->Version, 32);
        r.replica = s->IsReplica;
        r.last_sync_at = when(s->LastSyncTime);
        r.last_rollup_at = std::chrono::floor<std::chrono::milliseconds>(*last_rollup);
        r.summary = summary_json(s->ServerSummary).dump();
        if (s->ClientSummaries) {
            for (const auto* cs : s->ClientSummaries->DownstreamServerRollupClientSummary) {
                if (!cs) continue;
                ++summaries;
                const std::string os = std::to_string(cs->OSMajorVersion) + "." + std::to_string(cs->OSMinorVersion) +
                                       "." + std::to_string(cs->OSBuildNumber) + "." +
                                       std::to_string(cs->OSServicePackMajorNumber) + "." +
                                       std::to_string(cs->OSServicePackMinorNumber) + " " + text(cs->OSLocale, 32) +
                                       " " + text(cs->ProcessorArchitecture, 50);
                if (!cs->ActivitySummaries) continue;
                for (const auto* a : cs->ActivitySummaries->DownstreamServerRollupClientActivitySummary) {
                    if (!a) continue;
                    if (!util::is_guid(a->UpdateId) || a->InstallSuccessCount < 0 || a->InstallFailureCount < 0)
                        return std::unexpected(invalid(call, "downstreamServers", "bad activity summary"));
                    r.activity.push_back({lower(a->UpdateId), os, a->InstallSuccessCount, a->InstallFailureCount});
                }
            }
        }
        servers.push_back(std::move(r));
    }
    if (summaries > deps.config.rollup_max_client_summaries)
        return std::unexpected(invalid(call, "downstreamServers", "more client summaries than "
                                                                  "RollupDownstreamServersMaxBatchSize"));
    const auto now = std::chrono::floor<std::chrono::milliseconds>(deps.now());
    std::string unknown_parent;
    auto applied = deps.store->with_writer([&](store::Connection& c) -> Result<int> {
        store::RollupRepo repo(c);
        int n = 0;
        for (const auto& s : servers) {
            if (!s.parent_id.empty()) {
                auto known = repo.server_known(s.parent_id);
                if (!known) return std::unexpected(known.error());
                if (!*known) {
                    unknown_parent = s.parent_id;
                    return fail(Errc::not_found, "unknown parent");
                }
            }
            auto r = repo.apply_server(s, now);
            if (!r) return std::unexpected(r.error());
            n += *r ? 1 : 0;
        }
        return n;
    });
    if (!applied && !unknown_parent.empty())
        return std::unexpected(invalid(call, "downstreamServers", "unknown ParentServerId " + unknown_parent));
    if (!applied) return std::unexpected(internal(call, applied.error()));
    log::service()->info("[{}] rollup from {} ({}): {} of {} server(s) updated", call.request_id, *who, call.peer,
                         *applied, servers.size());
    return {};
}

soap::OpResult rollup_computers(const ServerSyncDeps& deps, const R::_ns1__RollupComputers& req,
                                R::_ns1__RollupComputersResponse& resp, soap::Call& call) {
    auto who = caller(deps, req.cookie, call);
    if (!who) return std::unexpected(who.error());
    if (!deps.config.rollup_detailed) return std::unexpected(detailed_off(call));
    if (!valid_time(req.clientTime)) return std::unexpected(invalid(call, "clientTime", "not a dateTime"));
    if (!req.computers) return std::unexpected(invalid(call, "computers", "missing"));
    if (req.computers->ComputerRollupInfo.size() > deps.config.rollup_max_computers)
        return std::unexpected(invalid(call, "computers", "more than RollupComputersMaxBatchSize"));
    std::vector<store::RolledUpComputer> computers;
    for (const auto* c : req.computers->ComputerRollupInfo) {
        if (!c || !c->ComputerId || !is_client_id(*c->ComputerId) || !util::is_guid(c->ParentServerId))
            return std::unexpected(invalid(call, "computers", "ComputerId/ParentServerId missing or malformed"));
        if (c->LastSyncResult < 0 || c->LastSyncResult > 2)
            return std::unexpected(invalid(call, "computers", "LastSyncResult not 0, 1 or 2"));
        for (const auto* t : {&c->LastSyncTime, &c->LastReportedRebootTime, &c->LastReportedStatusTime,
                              &c->LastInventoryTime})
            if (!valid_time(*t)) return std::unexpected(invalid(call, "computers", "a time is not a dateTime"));
        store::RolledUpComputer r;
        r.client_id = lower(*c->ComputerId);
        r.parent_server_id = lower(c->ParentServerId);
        r.last_sync_at = when(c->LastSyncTime);
        r.last_sync_result = c->LastSyncResult;
        r.last_status_at = when(c->LastReportedStatusTime);
        if (const auto* d = c->Details) {
            store::ComputerInfo i;
            i.client_id = r.client_id;
            i.dns_name = text(d->FullDomainName);
            i.os_version = std::to_string(d->OSMajorVersion) + "." + std::to_string(d->OSMinorVersion) + "." +
                           std::to_string(d->OSBuildNumber) + "." + std::to_string(d->OSServicePackMajorNumber);
            i.os_description = text(d->OSDescription);
            i.os_locale = text(d->OSLocale, 32);
            i.processor_architecture = text(d->ProcessorArchitecture, 50);
            i.make = text(d->ComputerMake, 64);
            i.model = text(d->ComputerModel, 64);
            i.bios_name = text(d->BiosName, 64);
            i.bios_version = text(d->BiosVersion, 64);
            i.bios_release_date = d->BiosReleaseDate.substr(0, 40);
            i.client_version = text(d->ClientVersion, 20);
            r.details = std::move(i);
            if (d->TargetGroupIdList)
                for (const auto& g : d->TargetGroupIdList->guid)
                    if (util::is_guid(g) && r.group_ids.size() < 256) r.group_ids.push_back(lower(g));
        }
        computers.push_back(std::move(r));
    }
    const auto now = std::chrono::floor<std::chrono::milliseconds>(deps.now());
    std::string unknown_parent;
    std::vector<std::string> new_parent;
    int changed = 0;
    auto done = deps.store->with_writer([&](store::Connection& c) -> Result<void> {
        store::RollupRepo repo(c);
        for (const auto& m : computers) {
            auto known = repo.server_known(m.parent_server_id);
            if (!known) return std::unexpected(known.error());
            if (!*known) {
                unknown_parent = m.parent_server_id;
                return fail(Errc::not_found, "unknown parent");
            }
        }
        for (const auto& m : computers) {
            auto r = repo.apply_computer(m, now);
            if (!r) return std::unexpected(r.error());
            if (*r != store::RolledUpChange::ignored) ++changed;
            // §3.1.4.15: a new computer, or one with a new parent, reported without Details: ask for them.
            if (!m.details && (*r == store::RolledUpChange::created || *r == store::RolledUpChange::new_parent))
                new_parent.push_back(m.client_id);
        }
        return {};
    });
    if (!done && !unknown_parent.empty()) {
        // The spec names InternalServerError here: the downstream server must first roll itself up.
        log::service()->warn("[{}] RollupComputers from {}: unknown ParentServerId {}", call.request_id, call.peer,
                             unknown_parent);
        return std::unexpected(fault(soap::ErrorCode::InternalServerError, "ParentServerId"));
    }
    if (!done) return std::unexpected(internal(call, done.error()));
    resp.RollupComputersResult = call.arena.make<R::ns1__ArrayOfChangedComputer>();
    for (const auto& id : new_parent) {
        auto* ch = call.arena.make<R::ns1__ChangedComputer>();
        ch->ComputerId = call.arena.make<std::string>(id);
        ch->Change = R::ns1__ComputerChangeType::NewParent;
        resp.RollupComputersResult->ChangedComputer.push_back(ch);
    }
    log::service()->info("[{}] rollup from {} ({}): {} of {} computer(s) stored", call.request_id, *who, call.peer,
                         changed, computers.size());
    return {};
}

soap::OpResult rollup_out_of_sync(const ServerSyncDeps& deps, const R::_ns1__GetOutOfSyncComputers& req,
                                  R::_ns1__GetOutOfSyncComputersResponse& resp, soap::Call& call) {
    auto who = caller(deps, req.cookie, call);
    if (!who) return std::unexpected(who.error());
    if (!deps.config.rollup_detailed) return std::unexpected(detailed_off(call));
    if (!util::is_guid(req.parentServerId) || lower(req.parentServerId) != *who)
        return std::unexpected(invalid(call, "parentServerId", "must be the calling server's GUID"));
    if (!req.lastRollupNumbers) return std::unexpected(invalid(call, "lastRollupNumbers", "missing"));
    if (req.lastRollupNumbers->ComputerLastRollupNumber.size() > deps.config.rollup_max_out_of_sync)
        return std::unexpected(invalid(call, "lastRollupNumbers", "more than GetOutOfSyncComputersMaxBatchSize"));
    std::vector<std::pair<std::string, int>> numbers;
    for (const auto* n : req.lastRollupNumbers->ComputerLastRollupNumber) {
        if (!n || !n->ComputerId || !is_client_id(*n->ComputerId) || n->RollupNumber < 0)
            return std::unexpected(invalid(call, "lastRollupNumbers", "ComputerId missing or RollupNumber negative"));
        numbers.emplace_back(lower(*n->ComputerId), n->RollupNumber);
    }
    auto out = deps.store->with_reader([&](store::Connection& c) -> Result<std::vector<std::string>> {
        store::RollupRepo repo(c);
        auto known = repo.server_known(*who);
        if (!known) return std::unexpected(known.error());
        if (!*known) return std::vector<std::string>{};
        return repo.out_of_sync(*who, numbers);
    });
    if (!out) return std::unexpected(internal(call, out.error()));
    resp.GetOutOfSyncComputersResult = call.arena.make<R::ns1__ArrayOfString>();
    resp.GetOutOfSyncComputersResult->string = std::move(*out);
    return {};
}

soap::OpResult rollup_computer_status(const ServerSyncDeps& deps, const R::_ns1__RollupComputerStatus& req,
                                      R::_ns1__RollupComputerStatusResponse& resp, soap::Call& call) {
    auto who = caller(deps, req.cookie, call);
    if (!who) return std::unexpected(who.error());
    if (!deps.config.rollup_detailed) return std::unexpected(detailed_off(call));
    if (!valid_time(req.clientTime)) return std::unexpected(invalid(call, "clientTime", "not a dateTime"));
    if (!util::is_guid(req.parentServerId) || lower(req.parentServerId) != *who)
        return std::unexpected(invalid(call, "parentServerId", "must be the calling server's GUID"));
    if (!req.computers) return std::unexpected(invalid(call, "computers", "missing"));
    if (req.computers->ComputerStatusRollupInfo.size() > deps.config.rollup_max_status)
        return std::unexpected(invalid(call, "computers", "more than RollupComputerStatusMaxBatchSize"));
    std::vector<store::RolledUpStatus> items;
    for (const auto* c : req.computers->ComputerStatusRollupInfo) {
        if (!c || !c->ComputerId || !is_client_id(*c->ComputerId) || c->RollupNumber < 1 ||
            !valid_time(c->EffectiveLastDetectionTime))
            return std::unexpected(invalid(call, "computers", "ComputerId, RollupNumber or EffectiveLastDetectionTime"));
        store::RolledUpStatus s;
        s.client_id = lower(*c->ComputerId);
        s.rollup_number = c->RollupNumber;
        s.full = c->IsFullRollup;
        s.effective_detection = when(c->EffectiveLastDetectionTime);
        if (c->UpdateStatus) {
            for (const auto* u : c->UpdateStatus->ComputerStatusRollupUpdateStatus) {
                if (!u || !util::is_guid(u->UpdateId))
                    return std::unexpected(invalid(call, "computers", "UpdateId not a GUID"));
                auto state = store::state_of_summarization(u->SummarizationState);
                auto changed = util::parse_datetime(u->LastChangeTime);
                if (!state || !changed)
                    return std::unexpected(invalid(call, "computers", "SummarizationState or LastChangeTime"));
                s.items.push_back({lower(u->UpdateId), *state, std::chrono::floor<std::chrono::milliseconds>(*changed)});
            }
        }
        items.push_back(std::move(s));
    }
    const auto now = std::chrono::floor<std::chrono::milliseconds>(deps.now());
    auto applied = deps.store->with_writer([&](store::Connection& c) -> Result<int> {
        store::RollupRepo repo(c);
        int n = 0;
        for (const auto& s : items) {
            auto r = repo.apply_status(s, now);
            if (!r) return std::unexpected(r.error());
            n += *r ? 1 : 0;
        }
        return n;
    });
    if (!applied) return std::unexpected(internal(call, applied.error()));
    resp.RollupComputerStatusResult = true;
    log::service()->info("[{}] rollup from {} ({}): status of {} of {} computer(s) stored", call.request_id, *who,
                         call.peer, *applied, items.size());
    return {};
}

}  // namespace wsusd::services
