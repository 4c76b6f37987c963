#include "sync/sync_engine.h"

#include <unistd.h>

#include <set>

#include "store/revision_repo.h"
#include "store/settings_repo.h"
#include "sync/sync_steps.h"
#include "util/ascii.h"
#include "util/log.h"
#include "util/url.h"

namespace wsusd::sync {

using namespace detail;

namespace detail {

store::TimePoint now_ms() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

Error to_error(const UpstreamError& e) { return Error{e.code, e.message}; }

}  // namespace detail

namespace {

constexpr const char* kAccountGuidSetting = "sync.account_guid";
constexpr const char* kSyncedProducts = "sync.synced_products";
constexpr const char* kSyncedClassifications = "sync.synced_classifications";
constexpr const char* kSyncedLanguages = "sync.synced_languages";

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "wsusd";
    return buf;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
    return out;
}

std::set<std::string> split(const std::string& s) {
    std::set<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto nl = s.find('\n', start);
        if (nl == std::string::npos) nl = s.size();
        if (nl > start) out.insert(s.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}


Result<std::string> account_guid(store::Store& st, const SyncOptions& o) {
    if (!o.account_guid.empty()) return util::to_lower(o.account_guid);
    return st.with_writer([&](store::Connection& c) -> Result<std::string> {
        store::SettingsRepo s(c);
        auto got = s.get(kAccountGuidSetting);
        if (!got) return std::unexpected(got.error());
        if (*got) return **got;
        std::string id = store::new_guid();
        if (auto r = s.set(kAccountGuidSetting, id, now_ms()); !r) return std::unexpected(r.error());
        return id;
    });
}

Result<std::optional<std::string>> stored_anchor(store::Store& st, store::AnchorKind kind) {
    return st.with_reader([&](store::Connection& c) -> Result<std::optional<std::string>> {
        auto a = store::SyncRepo(c).anchor(kind);
        if (!a) return std::unexpected(a.error());
        if (!*a) return std::optional<std::string>();
        return std::optional<std::string>((*a)->anchor);
    });
}

// Categories of the given types among the stored latest revisions.
Result<std::vector<std::string>> stored_categories(store::Store& st, const std::set<std::string>& types) {
    std::vector<std::string> out;
    std::int64_t since = 0;
    for (;;) {
        auto page = st.with_reader([&](store::Connection& c) { return store::RevisionRepo(c).changed_since(since, 2000); });
        if (!page) return std::unexpected(page.error());
        if (page->empty()) return out;
        for (const auto& r : *page) {
            since = std::max(since, r.change_seq);
            if (r.update_type == store::UpdateType::category && r.category_type && types.count(*r.category_type))
                out.push_back(r.update_id);
        }
    }
}

struct UpdateFilter {
    RevisionFilter filter;
    std::vector<std::string> products, classifications, languages;  // what to remember once synchronized
};

// The updates filter: the configured (or every known) products and classifications; an id not in the filter of the
// last successful sync gets Delta=false, so its updates come in full (a filter change triggers the right re-sync).
Result<UpdateFilter> update_filter(RunState& rs, const std::optional<std::string>& anchor, const UpstreamConfig& up) {
    store::Store& st = *rs.deps.store;
    UpdateFilter out;
    out.filter.anchor = anchor;
    if (rs.options.products.empty()) {
        auto all = stored_categories(st, {"Product", "ProductFamily"});
        if (!all) return std::unexpected(all.error());
        out.products = *all;
    } else {
        for (const auto& p : rs.options.products) out.products.push_back(util::to_lower(p));
    }
    if (rs.options.classifications.empty()) {
        auto all = stored_categories(st, {"UpdateClassification"});
        if (!all) return std::unexpected(all.error());
        out.classifications = *all;
    } else {
        for (const auto& p : rs.options.classifications) out.classifications.push_back(util::to_lower(p));
    }
    std::erase_if(out.classifications, [&](const std::string& id) { return !rs.options.drivers && id == kDriversClassification; });
    if (rs.options.drivers && std::find(out.classifications.begin(), out.classifications.end(), kDriversClassification) ==
                                  out.classifications.end() && !rs.options.classifications.empty())
        out.classifications.push_back(kDriversClassification);
    for (const auto& l : rs.options.languages) {
        auto it = std::find_if(up.languages.begin(), up.languages.end(),
                               [&](const UpstreamLanguage& u) { return u.short_name == util::to_lower(l); });
        if (it == up.languages.end()) {
            log::sync()->warn("language \"{}\" (sync.languages) is not offered by the upstream; ignored", l);
            continue;
        }
        out.languages.push_back(std::to_string(it->id));
    }
    auto previous = st.with_reader([&](store::Connection& c) -> Result<std::array<std::set<std::string>, 3>> {
        store::SettingsRepo s(c);
        std::array<std::set<std::string>, 3> out;
        const char* keys[] = {kSyncedProducts, kSyncedClassifications, kSyncedLanguages};
        for (int i = 0; i < 3; ++i) {
            auto v = s.get(keys[i]);
            if (!v) return std::unexpected(v.error());
            if (*v) out[i] = split(**v);
        }
        return out;
    });
    if (!previous) return std::unexpected(previous.error());
    const bool incremental = anchor.has_value();
    for (const auto& id : out.products) out.filter.categories.push_back({id, incremental && (*previous)[0].count(id) > 0});
    for (const auto& id : out.classifications)
        out.filter.classifications.push_back({id, incremental && (*previous)[1].count(id) > 0});
    for (const auto& id : out.languages)
        out.filter.languages.push_back({std::stoi(id), incremental && (*previous)[2].count(id) > 0});
    return out;
}

Result<void> remember_filter(store::Store& st, const UpdateFilter& f) {
    return st.with_writer([&](store::Connection& c) -> Result<void> {
        store::SettingsRepo s(c);
        if (auto r = s.set(kSyncedProducts, join(f.products), now_ms()); !r) return r;
        if (auto r = s.set(kSyncedClassifications, join(f.classifications), now_ms()); !r) return r;
        return s.set(kSyncedLanguages, join(f.languages), now_ms());
    });
}

Result<void> forget_anchors(store::Store& st) {
    return st.with_writer([&](store::Connection& c) -> Result<void> {
        store::SyncRepo s(c);
        for (auto k : {store::AnchorKind::metadata, store::AnchorKind::config, store::AnchorKind::deployments,
                       store::AnchorKind::config_data})
            if (auto r = s.clear_anchor(k); !r) return r;
        return {};
    });
}

// One pass of the protocol; ServerChanged comes back as Errc::conflict with that fault code for the caller.
struct PassError {
    Error error;
    bool server_changed = false;
};

std::optional<PassError> run_pass(RunState& rs) {
    auto log = log::sync();
    store::Store& st = *rs.deps.store;
    auto up_fail = [](const UpstreamError& e) {
        return PassError{to_error(e), e.fault_code == "ServerChanged"};
    };
    // 1. Authorization (§3.2.4.1).
    rs.report(SyncPhase::authorizing, 0, 0);
    auto cookie = rs.authorize();
    if (!cookie) return up_fail(cookie.error());
    rs.cookie = std::move(*cookie);
    if (rs.cancelled()) return PassError{{Errc::conflict, "cancelled"}};

    // 2. Configuration (§3.2.4.2 steps 1–7).
    rs.report(SyncPhase::configuration, 0, 0);
    auto config_anchor = stored_anchor(st, store::AnchorKind::config_data);
    if (!config_anchor) return PassError{config_anchor.error()};
    auto up = rs.call([&](const ServerCookie& c) { return rs.client.config_data(c, *config_anchor); });
    if (!up) return up_fail(up.error());
    std::size_t batch = up->max_updates_per_request > 0 ? static_cast<std::size_t>(up->max_updates_per_request) : 100;
    if (rs.options.max_updates_per_request > 0) batch = std::min<std::size_t>(batch, rs.options.max_updates_per_request);
    rs.batch_size = batch;
    rs.details["upstream"] = {{"protocol_version", up->protocol_version},
                              {"catalog_only_sync", up->catalog_only_sync},
                              {"lazy_sync", up->lazy_sync},
                              {"max_updates_per_request", up->max_updates_per_request}};
    auto cats_anchor = stored_anchor(st, store::AnchorKind::config);
    if (!cats_anchor) return PassError{cats_anchor.error()};
    RevisionFilter cfg_filter;
    cfg_filter.get_config = true;
    cfg_filter.anchor = *cats_anchor;
    auto cats = rs.call([&](const ServerCookie& c) { return rs.client.revision_ids(c, cfg_filter); });
    if (!cats) return up_fail(cats.error());
    if (auto r = import_revision_list(rs, *cats, store::AnchorKind::config, SyncPhase::configuration); !r)
        return PassError{r.error()};
    if (!up->new_config_anchor.empty()) {
        auto r = st.with_writer([&](store::Connection& c) {
            return store::SyncRepo(c).set_anchor(store::AnchorKind::config_data, up->new_config_anchor, now_ms());
        });
        if (!r) return PassError{r.error()};
    }

    // 3. Updates (§3.2.4.2 steps 8–11).
    auto anchor = stored_anchor(st, store::AnchorKind::metadata);
    if (!anchor) return PassError{anchor.error()};
    auto filter = update_filter(rs, *anchor, *up);
    if (!filter) return PassError{filter.error()};
    rs.details["filter"] = {{"products", filter->products.size()},
                            {"classifications", filter->classifications.size()},
                            {"languages", filter->languages.size()}};
    if (filter->products.empty() || filter->classifications.empty()) {
        log->warn("no products or no classifications to synchronize (sync.products, sync.classifications): only "
                  "categories were synchronized");
    } else {
        auto list = rs.call([&](const ServerCookie& c) { return rs.client.revision_ids(c, filter->filter); });
        if (!list) return up_fail(list.error());
        if (auto r = import_revision_list(rs, *list, store::AnchorKind::metadata, SyncPhase::updates); !r)
            return PassError{r.error()};
        if (auto r = remember_filter(st, *filter); !r) return PassError{r.error()};
    }

    // 4. Deployments, for a replica (§3.2.4.3).
    if (rs.options.replica) {
        rs.report(SyncPhase::deployments, 0, 0);
        auto dep_anchor = stored_anchor(st, store::AnchorKind::deployments);
        auto sync_anchor = stored_anchor(st, store::AnchorKind::metadata);
        if (!dep_anchor) return PassError{dep_anchor.error()};
        if (!sync_anchor) return PassError{sync_anchor.error()};
        auto data = rs.call([&](const ServerCookie& c) {
            return rs.client.deployments(c, *dep_anchor, sync_anchor->value_or(""));
        });
        if (!data) return up_fail(data.error());
        auto rep = apply_deployments(st, *data, now_ms());
        if (!rep) return PassError{rep.error()};
        rs.counts.declined += rep->declined;
        rs.details["deployments"] = {{"groups_created", rep->groups_created}, {"groups_changed", rep->groups_changed},
                                     {"groups_removed", rep->groups_removed}, {"approvals", rep->approvals},
                                     {"withdrawn", rep->withdrawn},           {"declined", rep->declined},
                                     {"undeclined", rep->undeclined},         {"inactive_approvals", rep->inactive},
                                     {"problems", rep->problems}};
        for (const auto& p : rep->problems) log->warn("replica: {}", p);
    }

    // 5. Content (§3.2.4.4).
    auto [failed, first] = sync_content(rs, *up);
    if (first == "cancelled") return PassError{{Errc::conflict, "cancelled"}};
    if (failed)
        return PassError{{Errc::io, "metadata synchronized; " + std::to_string(failed) +
                                        " file(s) could not be downloaded, first: " + first}};
    return std::nullopt;
}

// A rollup-only run (between syncs): authorization, then one GetConfigData only to learn the upstream's protocol
// version, which decides whether it takes a rollup at all.
std::optional<PassError> probe_upstream(RunState& rs) {
    auto up_fail = [](const UpstreamError& e) { return PassError{to_error(e), false}; };
    rs.report(SyncPhase::authorizing, 0, 0);
    auto cookie = rs.authorize();
    if (!cookie) return up_fail(cookie.error());
    rs.cookie = std::move(*cookie);
    if (rs.cancelled()) return PassError{{Errc::conflict, "cancelled"}};
    auto anchor = stored_anchor(*rs.deps.store, store::AnchorKind::config_data);
    if (!anchor) return PassError{anchor.error()};
    auto up = rs.call([&](const ServerCookie& c) { return rs.client.config_data(c, *anchor); });
    if (!up) return up_fail(up.error());
    rs.details["upstream"] = {{"protocol_version", up->protocol_version}};
    return std::nullopt;
}

}  // namespace

SyncOutcome run_sync(const SyncDeps& deps, const SyncOptions& options, const std::string& started_by,
                     ProgressBoard* progress) {
    auto log = log::sync();
    SyncOutcome out;
    store::Store& st = *deps.store;
    auto run = st.with_writer([&](store::Connection& c) {
        return store::SyncRepo(c).start_run(now_ms(), started_by, util::redact_url(options.upstream_url));
    });
    if (!run) {
        out.error = "cannot record the sync run: " + run.error().message;
        log->error("{}", out.error);
        return out;
    }
    out.run_id = *run;
    if (progress) progress->begin(out.run_id, started_by);
    log->info("sync {} ({}) from {} started", out.run_id, started_by, util::redact_url(options.upstream_url));

    UpstreamClient client(*deps.http, options.upstream_url, deps.retry, deps.sleep,
                          options.parse_limits.max_document_bytes);
    RunState rs{deps, options, client, progress, {}, {}, 100, {}, nlohmann::json::object(), {}};
    std::optional<PassError> err;
    auto guid = account_guid(st, options);
    if (!guid) {
        err = PassError{guid.error()};
    } else {
        const std::string name = options.account_name.empty() ? host_name() : options.account_name;
        rs.authorize = [&, g = *guid, name]() -> UpstreamResult<ServerCookie> {
            auto url = client.auth_service_url();
            if (!url) return std::unexpected(url.error());
            auto auth = client.authorization_cookie(*url, name, g);
            if (!auth) return std::unexpected(auth.error());
            return client.cookie(*auth, std::nullopt);
        };
        if (options.rollup_only) rs.details["kind"] = "rollup";
        err = options.rollup_only ? probe_upstream(rs) : run_pass(rs);
        // ServerChanged: the upstream was rebuilt; forget every anchor and start over once (§2.2.9.3).
        if (err && err->server_changed) {
            log->warn("the upstream reports ServerChanged: forgetting anchors and synchronizing in full");
            if (auto f = forget_anchors(st); !f) err = PassError{f.error()};
            else err = run_pass(rs);
        }
        // Report rollup follows a successful sync (§3.2.4.5; protocol 1.3 and later). The updates are in by then:
        // a failed rollup leaves the run succeeded, is logged and recorded in details.rollup.error, and the next
        // run resumes it after the last acknowledged batch.
        if (!err && (options.rollup || options.rollup_only)) {
            auto rolled = run_rollup(rs, *guid, name);
            if (rolled) {
                rs.details["rollup"] = *rolled;
            } else if (rolled.error().message == "cancelled") {
                err = PassError{rolled.error()};
            } else {
                log->error("sync {}: {} (the next sync resumes the rollup)", out.run_id, rolled.error().message);
                rs.details["rollup"] = {{"error", rolled.error().message}};
            }
        }
    }
    out.counts = rs.counts;
    out.details = rs.details.dump();
    if (!err) {
        out.result = store::SyncResult::succeeded;
    } else if (err->error.code == Errc::conflict && err->error.message == "cancelled") {
        out.result = store::SyncResult::cancelled;
        out.error = "cancelled";
    } else {
        out.result = store::SyncResult::failed;
        out.error = err->error.message;
    }
    auto fin = st.with_writer([&](store::Connection& c) -> Result<void> {
        store::SyncRepo s(c);
        if (auto r = s.set_run_details(out.run_id, out.details); !r) return r;
        return s.finish_run(out.run_id, out.result, out.counts, out.error, now_ms());
    });
    if (!fin) log->error("sync {}: cannot record its end: {}", out.run_id, fin.error().message);
    if (progress) progress->end();
    if (out.result == store::SyncResult::succeeded)
        log->info("sync {} succeeded: {} new, {} revised, {} expired, {} declined", out.run_id, out.counts.new_updates,
                  out.counts.revised, out.counts.expired, out.counts.declined);
    else
        log->error("sync {} {}: {}", out.run_id, out.result == store::SyncResult::cancelled ? "cancelled" : "failed",
                   out.error);
    return out;
}

}  // namespace wsusd::sync
