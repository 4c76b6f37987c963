// GetConfigData (MS-WSUSSS §3.1.4.4) and Ping: what this upstream server offers and how it serves.
#include "services/server_sync_ops.h"

#include <algorithm>

#include "services/soap_values.h"
#include "store/settings_repo.h"
#include "util/log.h"

namespace wsusd::services {

namespace {

struct Language {
    int id;
    const char* short_name;
    const char* long_name;
};

// The language list real WSUS reports, in its order (LanguageID is the Windows LCID).
constexpr Language kLanguages[] = {
    {0, "all", "all"},
    {1025, "ar", "Arabic"},
    {1026, "bg", "Bulgarian"},
    {1028, "zh-tw", "Chinese (Traditional)"},
    {1029, "cs", "Czech"},
    {1030, "da", "Danish"},
    {1031, "de", "German"},
    {1032, "el", "Greek"},
    {1033, "en", "English"},
    {1034, "es", "Spanish"},
    {1035, "fi", "Finnish"},
    {1036, "fr", "French"},
    {1037, "he", "Hebrew"},
    {1038, "hu", "Hungarian"},
    {1040, "it", "Italian"},
    {1041, "ja", "Japanese"},
    {1042, "ko", "Korean"},
    {1043, "nl", "Dutch"},
    {1044, "no", "Norwegian"},
    {1045, "pl", "Polish"},
    {1046, "pt-br", "Portuguese (Brazil)"},
    {1048, "ro", "Romanian"},
    {1049, "ru", "Russian"},
    {1050, "hr", "Croatian"},
    {1051, "sk", "Slovak"},
    {1053, "sv", "Swedish"},
    {1054, "th", "Thai"},
    {1055, "tr", "Turkish"},
    {1058, "uk", "Ukrainian"},
    {1060, "sl", "Slovenian"},
    {1061, "et", "Estonian"},
    {1062, "lv", "Latvian"},
    {1063, "lt", "Lithuanian"},
    {1081, "hi", "Hindi"},
    {2052, "zh-cn", "Chinese (Simplified)"},
    {2070, "pt", "Portuguese (Portugal)"},
    {2074, "sr", "Serbian (Latin)"},
    {3076, "zh-hk", "Chinese (Hong Kong SAR)"},
    {66577, "ja-nec", "Japanese NEC"}
};

}  // namespace

soap::OpResult uss_get_config_data(const ServerSyncDeps& deps, const Serversync::_ns1__GetConfigData& req,
                                   Serversync::_ns1__GetConfigDataResponse& resp, soap::Call& call) {
    if (auto c = check_server_cookie(deps, req.cookie); !c) return std::unexpected(c.error());
    auto version = deps.store->with_reader([](store::Connection& c) { return store::SettingsRepo(c).config_version(); });
    if (!version) {
        log::service()->error("[{}] GetConfigData: {}", call.request_id, version.error().message);
        return std::unexpected(soap::make_fault(soap::ErrorCode::InternalServerError));
    }
    auto* d = call.arena.make<Serversync::ns1__ServerSyncConfigData>();
    d->CatalogOnlySync = false;
    d->LazySync = deps.config.lazy_sync;
    d->ServerHostsPsfFiles = false;
    d->MaxNumberOfComputerIdsInRequest = 0;  // as real WSUS: drivers are not synchronized by computer or hardware id
    d->MaxNumberOfDriverSetsPerRequest = 0;
    d->MaxNumberOfPnpHardwareIdsInRequest = 0;
    d->MaxNumberOfUpdatesPerRequest = static_cast<int>(deps.config.max_updates_per_request);
    d->NewConfigAnchor = call.arena.make<std::string>(make_anchor(*version, deps.now()));
    d->ProtocolVersion = call.arena.make<std::string>("1.20");
    d->LanguageUpdateList = call.arena.make<Serversync::ns1__ArrayOfServerSyncLanguageData>();
    // Asked with the anchor of its last call, a server that has not changed sends an empty list (real 000004).
    const bool unchanged = req.configAnchor && parse_anchor(*req.configAnchor) == *version;
    if (!unchanged) {
        const auto& enabled = deps.config.languages;
        const bool all = std::find(enabled.begin(), enabled.end(), "all") != enabled.end();
        for (const auto& l : kLanguages) {
            auto* item = call.arena.make<Serversync::ns1__ServerSyncLanguageData>();
            item->LanguageID = l.id;
            item->ShortLanguage = call.arena.make<std::string>(l.short_name);
            item->LongLanguage = call.arena.make<std::string>(l.long_name);
            item->Enabled = l.id == 0 ? all : all || std::find(enabled.begin(), enabled.end(), l.short_name) != enabled.end();
            d->LanguageUpdateList->ServerSyncLanguageData.push_back(item);
        }
    }
    d->MaxUpdatesPerRequestInGetUpdateDecryptionData = 100;
    resp.GetConfigDataResult = d;
    return {};
}

}  // namespace wsusd::services
