#include "services/client_register.h"

#include <map>

#include "services/client_cookie.h"
#include "services/client_targeting.h"
#include "services/soap_values.h"
#include "store/computer_repo.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

std::string text(const std::string* s, std::size_t max = 256) {
    if (!s) return {};
    return s->substr(0, max);  // informational fields: bounded, never trusted further
}

}  // namespace

soap::OpResult register_computer(const ClientServiceDeps& deps, const Client::_ns1__RegisterComputer& req,
                                 Client::_ns1__RegisterComputerResponse&, soap::Call& call) {
    auto cookie = check_client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    if (!deps.config.registration_required)
        return std::unexpected(soap::make_fault(soap::ErrorCode::RegistrationNotRequired));
    const auto* ci = req.computerInfo;
    if (!ci || !ci->DnsName || ci->DnsName->empty())
        return std::unexpected(soap::make_fault(soap::ErrorCode::InvalidParameters, "computerInfo"));
    store::ComputerInfo info;
    info.client_id = cookie->client_id;
    info.dns_name = text(ci->DnsName);
    info.os_version = std::to_string(ci->OSMajorVersion) + "." + std::to_string(ci->OSMinorVersion) + "." +
                      std::to_string(ci->OSBuildNumber) + "." + std::to_string(ci->OSServicePackMajorNumber);
    info.os_description = text(ci->OSDescription);
    info.os_locale = text(ci->OSLocale, 32);
    info.processor_architecture = text(ci->ProcessorArchitecture, 32);
    info.make = text(ci->ComputerManufacturer);
    info.model = text(ci->ComputerModel);
    info.bios_name = text(ci->BiosName);
    info.bios_version = text(ci->BiosVersion);
    info.bios_release_date = ci->BiosReleaseDate.substr(0, 40);
    info.client_version = std::to_string(ci->ClientVersionMajorNumber) + "." +
                          std::to_string(ci->ClientVersionMinorNumber) + "." +
                          std::to_string(ci->ClientVersionBuildNumber) + "." +
                          std::to_string(ci->ClientVersionQfeNumber);
    info.protocol_version = cookie->extra.substr(0, 16);
    auto now = std::chrono::floor<std::chrono::milliseconds>(deps.now());
    auto reg = deps.store->with_writer([&](store::Connection& c) { return store::ComputerRepo(c).upsert(info, now); });
    if (!reg) return std::unexpected(store_fault(call, reg.error()));
    if (reg->duplicate_suspect)
        log::service()->warn("[{}] computer {} ({}) registered with SusClientId {} already used by another machine: "
                             "likely a cloned image; run `reg delete HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion"
                             "\\WindowsUpdate /v SusClientId` on the clone and restart its wuauserv",
                             call.request_id, info.dns_name, call.peer, info.client_id);
    // Client-side targeting: record the groups the client names right away.
    if (deps.config.targeting == "client") {
        auto who = identify_client(deps, *cookie, call);
        if (!who) return std::unexpected(who.error());
    }
    return {};
}

soap::OpResult start_category_scan(const ClientServiceDeps& deps, const Client::_ns1__StartCategoryScan& req,
                                   Client::_ns1__StartCategoryScanResponse& resp, soap::Call& call) {
    if (!req.requestedCategories)
        return std::unexpected(soap::make_fault(soap::ErrorCode::InvalidParameters, "requestedCategories"));
    const auto& items = req.requestedCategories->CategoryRelationship;
    if (items.size() > 1000)
        return std::unexpected(soap::make_fault(soap::ErrorCode::InvalidParameters, "requestedCategories"));
    std::map<int, std::vector<std::string>> and_groups;
    for (const auto* r : items)
        if (r) and_groups[r->IndexOfAndGroup].push_back(lower(r->CategoryId));
    auto graph = deps.planner->graph();
    if (!graph) return std::unexpected(store_fault(call, graph.error()));
    std::vector<std::string> preferred, errors;
    // MS-WUSP §3.1.5.6: unknown categories go to the error list and drop their AND group; a group of
    // one product, or of a product and a classification, contributes the product; anything else
    // clears the preferred list and stops.
    std::map<std::string, std::string> types;
    auto type_of = [&](const std::string& id) -> std::optional<std::string> {
        auto it = (*graph)->by_update.find(id);
        if (it == (*graph)->by_update.end()) return std::nullopt;
        if ((*graph)->nodes[static_cast<std::size_t>(it->second)].type != store::UpdateType::category) return std::nullopt;
        if (auto t = types.find(id); t != types.end()) return t->second;
        auto rev = deps.store->with_reader([&](store::Connection& c) { return store::RevisionRepo(c).latest(id); });
        std::string type = rev && rev->category_type ? *rev->category_type : "";
        types[id] = type;
        return type;
    };
    std::vector<std::vector<std::pair<std::string, std::string>>> known_groups;
    for (auto& [index, ids] : and_groups) {
        std::vector<std::pair<std::string, std::string>> typed;
        bool unknown = false;
        for (const auto& id : ids) {
            auto t = type_of(id);
            if (!t) {
                errors.push_back(id);
                unknown = true;
            } else {
                typed.emplace_back(id, *t);
            }
        }
        if (!unknown) known_groups.push_back(std::move(typed));
    }
    for (const auto& g : known_groups) {
        const std::string* product = nullptr;
        int classifications = 0, others = 0;
        for (const auto& [id, type] : g) {
            if (type == "Product" && !product) product = &id;
            else if (type == "UpdateClassification") ++classifications;
            else ++others;
        }
        bool ok = product && others == 0 && ((g.size() == 1) || (g.size() == 2 && classifications == 1));
        if (!ok) {
            preferred.clear();
            break;
        }
        preferred.push_back(*product);
    }
    resp.preferredCategoryIds = call.arena.make<Client::ns1__ArrayOfGuid>();
    resp.preferredCategoryIds->guid = preferred;
    if (!errors.empty()) {
        resp.requestedCategoryIdsInError = call.arena.make<Client::ns1__ArrayOfGuid>();
        resp.requestedCategoryIdsInError->guid = errors;
    }
    return {};
}

}  // namespace wsusd::services
