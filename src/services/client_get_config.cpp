#include "services/client_get_config.h"

#include <string>

namespace wsusd::services {

soap::OpResult get_config(const ClientServiceDeps& deps, const Client::_ns1__GetConfig& req,
                          Client::_ns1__GetConfigResponse& resp, soap::Call& call) {
    auto& a = call.arena;
    const auto& cfg = deps.config;
    auto* result = a.make<Client::ns1__Config>();
    result->LastChange = util::format_datetime_trimmed(deps.config_last_change);
    result->IsRegistrationRequired = cfg.registration_required;

    // One authorization plug-in, SimpleTargeting, whose ServiceUrl is relative to the client URL.
    auto* plugin = a.make<Client::ns1__AuthPlugInInfo>();
    plugin->PlugInID = a.str("SimpleTargeting");
    plugin->ServiceUrl = a.str("SimpleAuthWebService/SimpleAuth.asmx");
    plugin->Parameter = a.str("");
    result->AuthInfo = a.make<Client::ns1__ArrayOfAuthPlugInInfo>();
    result->AuthInfo->AuthPlugInInfo.push_back(plugin);

    // Same properties, order and value formats as the real server (capture wsus-m0-native/scan/000001).
    result->Properties = a.make<Client::ns1__ArrayOfConfigurationProperty>();
    auto add = [&](const char* name, std::string value) {
        auto* p = a.make<Client::ns1__ConfigurationProperty>();
        p->Name = a.str(name);
        p->Value = a.str(value);
        result->Properties->ConfigurationProperty.push_back(p);
    };
    add("MaxExtendedUpdatesPerRequest", std::to_string(cfg.max_extended_updates_per_request));
    if (!cfg.package_server_share.empty()) add("PackageServerShare", cfg.package_server_share);
    add("ProtocolVersion", cfg.protocol_version);
    add("IsInventoryRequired", cfg.inventory_required ? "1" : "0");
    add("ClientReportingLevel", std::to_string(cfg.client_reporting_level));
    resp.GetConfigResult = result;
    (void)req;
    return {};
}

}  // namespace wsusd::services
