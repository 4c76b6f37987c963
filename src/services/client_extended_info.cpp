#include "services/client_extended_info.h"

#include <algorithm>

#include "services/client_cookie.h"
#include "services/client_targeting.h"
#include "services/soap_values.h"
#include "util/ascii.h"
#include "util/encoding.h"

namespace wsusd::services {

namespace {

using FragmentType = Client::ns1__XmlUpdateFragmentType;

soap::Fault bad(const char* parameter) { return soap::make_fault(soap::ErrorCode::InvalidParameters, parameter); }


Client::ns1__FileLocation* file_location(const soap::Call& call, const store::FileRecord& f, soap::Arena& arena) {
    auto* loc = arena.make<Client::ns1__FileLocation>();
    loc->FileDigest = binary<Client::xsd__base64Binary>(arena, util::from_hex(f.sha1).value_or(""));
    loc->Url = arena.str(content_url(call, f.sha1, f.name));
    return loc;
}

struct Requested {
    std::vector<store::RevisionId> ids;
    std::vector<FragmentType> types;
    std::vector<std::string> locales;
};

// Shared body of both GetExtendedUpdateInfo versions: fragments grouped by type in request order,
// then file locations of the revisions deployed to the client.
std::expected<void, soap::Fault> fill(const ClientServiceDeps& deps, const Requested& r, soap::Call& call,
                                      Client::ns1__ArrayOfUpdateData*& updates,
                                      Client::ns1__ArrayOfFileLocation*& locations, std::vector<int>* out_of_scope,
                                      const std::vector<std::string>& groups) {
    auto plan = deps.planner->plan_for(groups);
    if (!plan) return std::unexpected(store_fault(call, plan.error()));
    std::vector<store::RevisionId> in_scope;
    for (auto id : r.ids) {
        if ((*plan)->find(id)) in_scope.push_back(id);
        else if (out_of_scope) out_of_scope->push_back(static_cast<int>(id));
    }
    auto candidates = locale_candidates(r.locales);
    auto loaded = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
        store::RevisionRepo repo(c);
        for (auto type : r.types) {
            for (auto id : in_scope) {
                std::optional<std::string> xml;
                if (type == FragmentType::Extended || type == FragmentType::Core) {
                    auto f = repo.fragment(id, type == FragmentType::Core ? store::FragmentKind::core
                                                                          : store::FragmentKind::extended);
                    if (f) xml = std::move(*f);
                    else if (f.error().code != Errc::not_found) return std::unexpected(f.error());
                } else if (type == FragmentType::LocalizedProperties) {
                    for (const auto& lang : candidates) {
                        auto f = repo.fragment(id, store::FragmentKind::localized, lang);
                        if (f) {
                            xml = std::move(*f);
                            break;
                        }
                        if (f.error().code != Errc::not_found) return std::unexpected(f.error());
                    }
                }
                // Eula, FileUrl and the rest: nothing stored beyond file locations below.
                if (!xml) continue;
                if (!updates) updates = call.arena.make<Client::ns1__ArrayOfUpdateData>();
                auto* u = call.arena.make<Client::ns1__UpdateData>();
                u->ID = static_cast<int>(id);
                u->Xml = call.arena.make<std::string>(std::move(*xml));
                updates->Update.push_back(u);
            }
        }
        auto files = repo.files(in_scope);
        if (!files) return std::unexpected(files.error());
        for (const auto& rf : *files) {
            if (!locations) locations = call.arena.make<Client::ns1__ArrayOfFileLocation>();
            locations->FileLocation.push_back(file_location(call, rf.file, call.arena));
        }
        return {};
    });
    if (!loaded) return std::unexpected(store_fault(call, loaded.error()));
    return {};
}

std::expected<Requested, soap::Fault> common_checks(const ClientServiceDeps& deps,
                                                    const Client::ns1__ArrayOfXmlUpdateFragmentType* types,
                                                    const Client::ns1__ArrayOfString* locales, std::size_t count) {
    if (count > deps.config.max_extended_updates_per_request) return std::unexpected(bad("revisionIDs"));
    if (!types || types->XmlUpdateFragmentType.empty()) return std::unexpected(bad("infoTypes"));
    Requested r;
    r.types = types->XmlUpdateFragmentType;
    bool needs_locale = std::any_of(r.types.begin(), r.types.end(), [](FragmentType t) {
        return t == FragmentType::LocalizedProperties || t == FragmentType::Eula;
    });
    if (needs_locale && (!locales || locales->string.empty())) return std::unexpected(bad("locales"));
    if (locales) {
        if (locales->string.size() > 32) return std::unexpected(bad("locales"));
        r.locales = locales->string;
    }
    return r;
}

}  // namespace

std::string content_url(const soap::Call& call, std::string_view sha1_hex, std::string_view file_name) {
    std::string sha = util::to_upper(std::string(sha1_hex));
    std::string ext;
    if (auto dot = file_name.rfind('.'); dot != std::string_view::npos) ext = lower(file_name.substr(dot));
    return std::string(call.tls ? "https://" : "http://") + call.host + "/Content/" + sha.substr(sha.size() - 2) + "/" +
           sha + ext;
}

std::vector<std::string> locale_candidates(const std::vector<std::string>& locales) {
    std::vector<std::string> out;
    auto add = [&](std::string s) {
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
    };
    for (const auto& l : locales) {
        std::string low = lower(l);
        add(low);
        if (auto dash = low.find('-'); dash != std::string::npos) add(low.substr(0, dash));
    }
    add("en");  // every revision has English text; better than none
    return out;
}

soap::OpResult get_extended_update_info(const ClientServiceDeps& deps, const Client::_ns1__GetExtendedUpdateInfo& req,
                                        Client::_ns1__GetExtendedUpdateInfoResponse& resp, soap::Call& call) {
    auto cookie = check_client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    if (!req.revisionIDs) return std::unexpected(bad("revisionIDs"));
    auto r = common_checks(deps, req.infoTypes, req.locales, req.revisionIDs->int_.size());
    if (!r) return std::unexpected(r.error());
    for (int id : req.revisionIDs->int_) r->ids.push_back(id);
    auto who = identify_client(deps, *cookie, call);
    if (!who) return std::unexpected(who.error());
    auto* result = call.arena.make<Client::ns1__ExtendedUpdateInfo>();
    std::vector<int> out_of_scope;
    auto ok = fill(deps, *r, call, result->Updates, result->FileLocations, &out_of_scope, who->groups);
    if (!ok) return std::unexpected(ok.error());
    if (!out_of_scope.empty()) {
        result->OutOfScopeRevisionIDs = call.arena.make<Client::ns1__ArrayOfInt>();
        result->OutOfScopeRevisionIDs->int_ = std::move(out_of_scope);
    }
    resp.GetExtendedUpdateInfoResult = result;
    return {};
}

soap::OpResult get_extended_update_info2(const ClientServiceDeps& deps,
                                         const Client::_ns1__GetExtendedUpdateInfo2& req,
                                         Client::_ns1__GetExtendedUpdateInfo2Response& resp, soap::Call& call) {
    auto cookie = check_client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    if (!req.updateIDs) return std::unexpected(bad("updateIDs"));
    auto r = common_checks(deps, req.infoTypes, req.locales, req.updateIDs->UpdateIdentity.size());
    if (!r) return std::unexpected(r.error());
    auto who = identify_client(deps, *cookie, call);
    if (!who) return std::unexpected(who.error());
    // Version 2 names updates by identity; map them to this server's revision ids.
    auto resolved = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
        store::RevisionRepo repo(c);
        for (const auto* ui : req.updateIDs->UpdateIdentity) {
            if (!ui) continue;
            auto rev = repo.get(lower(ui->UpdateID), ui->RevisionNumber);
            if (rev) r->ids.push_back(rev->id);
            else if (rev.error().code != Errc::not_found) return std::unexpected(rev.error());
        }
        return {};
    });
    if (!resolved) return std::unexpected(store_fault(call, resolved.error()));
    auto* result = call.arena.make<Client::ns1__ExtendedUpdateInfo2>();
    auto ok = fill(deps, *r, call, result->Updates, result->FileLocations, nullptr, who->groups);
    if (!ok) return std::unexpected(ok.error());
    resp.GetExtendedUpdateInfo2Result = result;
    return {};
}

soap::OpResult get_file_locations(const ClientServiceDeps& deps, const Client::_ns1__GetFileLocations& req,
                                  Client::_ns1__GetFileLocationsResponse& resp, soap::Call& call) {
    auto cookie = check_client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    if (!req.fileDigests) return std::unexpected(bad("fileDigests"));
    if (req.fileDigests->base64Binary.size() > deps.config.max_cached_update_ids) return std::unexpected(bad("fileDigests"));
    for (const auto& d : req.fileDigests->base64Binary)
        if (d.__size != 20) return std::unexpected(bad("fileDigests"));
    auto* result = call.arena.make<Client::ns1__GetFileLocationsResults>();
    auto found = deps.store->with_reader([&](store::Connection& c) -> Result<void> {
        store::RevisionRepo repo(c);
        for (const auto& d : req.fileDigests->base64Binary) {
            auto f = repo.file_by_sha1(util::to_hex(bytes_of(&d)));
            if (!f) {
                if (f.error().code == Errc::not_found) continue;
                return std::unexpected(f.error());
            }
            if (!result->FileLocations) result->FileLocations = call.arena.make<Client::ns1__ArrayOfFileLocation>();
            result->FileLocations->FileLocation.push_back(file_location(call, *f, call.arena));
        }
        return {};
    });
    if (!found) return std::unexpected(store_fault(call, found.error()));
    result->NewCookie = req.cookie;
    resp.GetFileLocationsResult = result;
    return {};
}

soap::OpResult refresh_cache(const ClientServiceDeps& deps, const Client::_ns1__RefreshCache& req,
                             Client::_ns1__RefreshCacheResponse& resp, soap::Call& call) {
    auto cookie = check_client_cookie(deps, req.cookie);
    if (!cookie) return std::unexpected(cookie.error());
    if (!req.globalIDs) return std::unexpected(bad("globalIDs"));
    if (req.globalIDs->UpdateIdentity.size() > deps.config.max_cached_update_ids) return std::unexpected(bad("globalIDs"));
    auto who = identify_client(deps, *cookie, call);
    if (!who) return std::unexpected(who.error());
    auto plan = deps.planner->plan_for(who->groups);
    if (!plan) return std::unexpected(store_fault(call, plan.error()));
    const auto& g = *(*plan)->graph;
    // A client that moved from another server names its cached revisions by identity; answer with
    // this server's revision id for each update deployed to it (MS-WSUSO §6.1.6).
    resp.RefreshCacheResult = call.arena.make<Client::ns1__ArrayOfRefreshCacheResult>();
    for (const auto* gid : req.globalIDs->UpdateIdentity) {
        if (!gid) continue;
        auto it = g.by_update.find(lower(gid->UpdateID));
        if (it == g.by_update.end()) continue;
        const auto& node = g.nodes[static_cast<std::size_t>(it->second)];
        const auto* planned = (*plan)->find(node.id);
        if (!planned) continue;
        auto* r = call.arena.make<Client::ns1__RefreshCacheResult>();
        r->RevisionID = static_cast<int>(node.id);
        r->GlobalID = call.arena.make<Client::ns1__UpdateIdentity>();
        r->GlobalID->UpdateID = gid->UpdateID;
        r->GlobalID->RevisionNumber = gid->RevisionNumber;
        r->IsLeaf = node.is_leaf;
        r->Deployment = make_deployment(*planned, call.arena);
        resp.RefreshCacheResult->RefreshCacheResult.push_back(r);
    }
    return {};
}

}  // namespace wsusd::services
