// Server administration beyond the catalog: /api/v1/config (run-time settings layered over wsusd.toml),
// /api/v1/rules (automatic approval rules), /api/v1/maintenance and /api/v1/cleanup (the maintenance job on
// demand, with dry run), /api/v1/health, /api/v1/metrics (Prometheus text), /api/v1/backup (online store copy)
// and /api/v1/content (content store status).
#include <cctype>
#include <filesystem>

#include "admin/approvals.h"
#include "admin/health.h"
#include "admin/maintenance.h"
#include "admin/metrics.h"
#include "admin/routes.h"
#include "admin/server_settings.h"
#include "content/content_catalog.h"
#include "store/approval_rule_repo.h"
#include "store/maintenance_repo.h"
#include "util/guid.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::admin {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

net::HttpResponse refuse_on_replica() {
    return error_response(ApiError{409, "this server is a replica: approvals come from its upstream server; "
                                        "approval rules only run on an autonomous server"});
}

// ---- config ----

net::HttpResponse get_config(Call& call) {
    auto s = call.ctx.db->with_reader([&](store::Connection& c) { return load_settings(c, call.ctx.file_config); });
    if (!s) return error_response(s.error());
    json rows = json::array();
    for (const auto& spec : setting_specs()) {
        const auto& v = s->at(std::string(spec.key));
        rows.push_back({{"key", spec.key}, {"value", shown_value(spec, v.value)}, {"source", v.source},
                        {"restart", spec.restart}, {"help", spec.help}});
    }
    return json_response(200, {{"settings", rows}});
}

net::HttpResponse set_config(Call& call) {
    const std::string& key = call.params[0];
    if (!call.body.contains("value")) return bad_argument("value", "required");
    std::string value;
    if (call.body["value"].is_string()) value = call.body["value"].get<std::string>();
    else if (call.body["value"].is_boolean() || call.body["value"].is_number()) value = call.body["value"].dump();
    else if (call.body["value"].is_array()) {
        for (const auto& item : call.body["value"]) {
            if (!item.is_string()) return bad_argument("value", "a list holds strings");
            value += (value.empty() ? "" : ",") + item.get<std::string>();
        }
    } else return bad_argument("value", "must be a string, number, boolean or list of strings");
    const SettingSpec* spec = find_setting(key);
    std::string stored;
    json detail{{"value", spec && spec->kind == SettingKind::secret ? json("********") : json(value)}};
    auto done = audited(call, "config.set", key, detail, [&](store::Connection& c) -> Result<void> {
        auto v = store_setting(c, call.ctx.file_config, key, value, now());
        if (!v) return std::unexpected(v.error());
        stored = *v;
        return {};
    });
    if (!done) return error_response(done.error());
    return json_response(200, {{"key", key}, {"value", shown_value(*spec, stored)}, {"source", "store"},
                               {"restart_required", spec->restart}});
}

net::HttpResponse unset_config(Call& call) {
    const std::string& key = call.params[0];
    auto done = audited(call, "config.unset", key, json::object(),
                        [&](store::Connection& c) { return unset_setting(c, key); });
    if (!done) return error_response(done.error(), done.error().code == Errc::invalid_argument ? "key" : "");
    const SettingSpec* spec = find_setting(key);
    return json_response(200, {{"key", key}, {"unset", true}, {"restart_required", spec && spec->restart}});
}

// ---- rules ----

json rule_json(store::Connection& c, const store::ApprovalRule& r) {
    store::GroupRepo groups(c);
    json names = json::array();
    for (const auto& id : r.groups) {
        auto g = groups.get(id);
        names.push_back(g ? g->name : id);
    }
    return {{"name", r.name}, {"enabled", r.enabled}, {"classifications", r.classifications}, {"products", r.products},
            {"groups", names}, {"deadline_days", r.deadline_days ? json(*r.deadline_days) : json(nullptr)},
            {"created_by", r.created_by}, {"created", time_json(r.created_at)}};
}

// A list member of the body: strings only; categories named by id or by title.
Result<std::vector<std::string>> string_list(const Call& call, const std::string& name) {
    std::vector<std::string> out;
    if (!call.body.contains(name) || call.body[name].is_null()) return out;
    if (!call.body[name].is_array()) return fail(Errc::invalid_argument, name + ": must be a list of strings");
    for (const auto& v : call.body[name]) {
        if (!v.is_string() || v.get<std::string>().empty())
            return fail(Errc::invalid_argument, name + ": must be a list of non-empty strings");
        out.push_back(v.get<std::string>());
    }
    return out;
}

Result<std::vector<std::string>> category_ids(store::Connection& c, const std::vector<std::string>& given,
                                              std::initializer_list<std::string_view> types, const std::string& arg) {
    std::vector<std::string> out;
    store::MaintenanceRepo q(c);
    for (auto v : given) {
        if (util::is_guid(v)) {
            for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            out.push_back(v);
            continue;
        }
        std::optional<std::string> found;
        for (auto t : types) {
            auto id = q.category_by_title(t, v);
            if (id) {
                found = *id;
                break;
            }
            if (id.error().code != Errc::not_found) return std::unexpected(id.error());
        }
        if (!found) return fail(Errc::invalid_argument, arg + ": no category titled '" + v + "' in the catalog "
                                                              "(give its id, or synchronize first)");
        out.push_back(*found);
    }
    return out;
}

net::HttpResponse list_rules(Call& call) {
    auto rows = call.ctx.db->with_reader([&](store::Connection& c) -> Result<json> {
        auto rules = store::ApprovalRuleRepo(c).list();
        if (!rules) return std::unexpected(rules.error());
        json out = json::array();
        for (const auto& r : *rules) out.push_back(rule_json(c, r));
        return out;
    });
    if (!rows) return error_response(rows.error());
    return json_response(200, {{"rules", *rows}});
}

net::HttpResponse create_rule(Call& call) {
    if (call.ctx.replica) return refuse_on_replica();
    auto name = call.body_string("name");
    if (!name) return error_response(name.error(), "name");
    if (name->empty() || name->size() > 256) return bad_argument("name", "1 to 256 characters");
    auto classifications = string_list(call, "classifications");
    if (!classifications) return error_response(classifications.error(), "classifications");
    auto products = string_list(call, "products");
    if (!products) return error_response(products.error(), "products");
    auto groups = string_list(call, "groups");
    if (!groups) return error_response(groups.error(), "groups");
    if (groups->empty()) return bad_argument("groups", "a rule approves for at least one group");
    store::ApprovalRule rule;
    rule.name = *name;
    rule.created_by = call.actor;
    if (call.body.contains("enabled")) {
        if (!call.body["enabled"].is_boolean()) return bad_argument("enabled", "must be true or false");
        rule.enabled = call.body["enabled"].get<bool>();
    }
    if (call.body.contains("deadline_days") && !call.body["deadline_days"].is_null()) {
        const auto& d = call.body["deadline_days"];
        if (!d.is_number_integer() || d.get<long long>() < 0 || d.get<long long>() > 365)
            return bad_argument("deadline_days", "must be a whole number of days from 0 to 365");
        rule.deadline_days = d.get<int>();
    }
    json created;
    auto done = audited(call, "rule.create", *name, call.body, [&](store::Connection& c) -> Result<void> {
        auto cls = category_ids(c, *classifications, {"UpdateClassification"}, "classifications");
        if (!cls) return std::unexpected(cls.error());
        auto prods = category_ids(c, *products, {"Product", "ProductFamily"}, "products");
        if (!prods) return std::unexpected(prods.error());
        rule.classifications = *cls;
        rule.products = *prods;
        for (const auto& g : *groups) {
            auto found = resolve_group(c, g);
            if (!found) return fail(found.error().code, "groups: " + found.error().message);
            rule.groups.push_back(found->id);
        }
        auto r = store::ApprovalRuleRepo(c).create(rule, now());
        if (!r) return std::unexpected(r.error());
        created = rule_json(c, *r);
        return {};
    });
    if (!done) return error_response(done.error());
    return json_response(201, created);
}

net::HttpResponse patch_rule(Call& call) {
    if (!call.body.contains("enabled") || !call.body["enabled"].is_boolean())
        return bad_argument("enabled", "required: true or false");
    const bool enabled = call.body["enabled"].get<bool>();
    auto done = audited(call, enabled ? "rule.enable" : "rule.disable", call.params[0], json::object(),
                        [&](store::Connection& c) { return store::ApprovalRuleRepo(c).set_enabled(call.params[0], enabled); });
    if (!done) return error_response(done.error(), done.error().code == Errc::not_found ? "rule" : "");
    return json_response(200, {{"rule", call.params[0]}, {"enabled", enabled}});
}

net::HttpResponse delete_rule(Call& call) {
    auto done = audited(call, "rule.delete", call.params[0], json::object(),
                        [&](store::Connection& c) { return store::ApprovalRuleRepo(c).remove(call.params[0]); });
    if (!done) return error_response(done.error(), done.error().code == Errc::not_found ? "rule" : "");
    return json_response(200, {{"rule", call.params[0]}, {"deleted", true}});
}

net::HttpResponse run_rule_now(Call& call) {
    if (call.ctx.replica) return refuse_on_replica();
    json result;
    json detail = json::object();
    auto done = audited(call, "rule.run", call.params[0], detail, [&](store::Connection& c) -> Result<void> {
        auto rule = store::ApprovalRuleRepo(c).get(call.params[0]);
        if (!rule) return std::unexpected(rule.error());
        auto r = run_rule(c, *rule, call.actor, now(), call.ctx.max_per_run);
        if (!r) return std::unexpected(r.error());
        result = *r;
        detail["approvals"] = result["approved"].size();
        return {};
    });
    if (!done) return error_response(done.error(), done.error().code == Errc::not_found ? "rule" : "");
    return json_response(200, result);
}

// ---- maintenance, health, metrics, backup, content ----

Result<bool> dry_run_of(const Call& call) {
    if (!call.body.contains("dry_run") || call.body["dry_run"].is_null()) return false;
    if (!call.body["dry_run"].is_boolean()) return fail(Errc::invalid_argument, "dry_run: must be true or false");
    return call.body["dry_run"].get<bool>();
}

net::HttpResponse run_job(Call& call, bool policies) {
    auto dry = dry_run_of(call);
    if (!dry) return error_response(dry.error(), "dry_run");
    MaintenanceOptions o;
    o.dry_run = *dry;
    o.policies = policies;
    o.cleanup = true;
    o.forced_cleanup = true;
    o.actor = call.actor;
    auto report = run_maintenance(call.ctx, o);
    if (!report) {
        log::admin()->error("maintenance requested by {}: {}", call.actor, report.error().message);
        return error_response(report.error());
    }
    if (call.ctx.metrics) call.ctx.metrics->maintenance_run(true);
    return json_response(200, *report);
}

net::HttpResponse health(Call& call) {
    auto h = health_report(call.ctx);
    if (!h) return error_response(h.error());
    return json_response(200, *h);
}

net::HttpResponse metrics(Call& call) {
    net::HttpResponse r;
    r.status = 200;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "no-store");
    std::string gauges = metrics_gauges(call.ctx);
    r.body = call.ctx.metrics ? call.ctx.metrics->render(gauges) : gauges;
    return r;
}

std::string stamp() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

net::HttpResponse backup(Call& call) {
    auto given = call.body_string("path", false);
    if (!given) return error_response(given.error(), "path");
    fs::path target;
    if (given->empty()) {
        const fs::path dir = call.ctx.backup_dir.empty() ? call.ctx.data_dir / "backups" : call.ctx.backup_dir;
        target = dir / ("wsusd-" + stamp() + ".db");
    } else {
        target = *given;
        if (!target.is_absolute()) return bad_argument("path", "must be an absolute path on the server");
    }
    std::error_code ec;
    if (fs::exists(target, ec))
        return error_response(ApiError{409, "path: " + target.string() + " exists; choose another name", "path"});
    fs::create_directories(target.parent_path(), ec);
    if (ec)
        return error_response(ApiError{500, "backup: cannot create " + target.parent_path().string() + ": " + ec.message()});
    auto r = call.ctx.db->backup_to(target);
    if (!r) {
        log::admin()->error("backup to {} requested by {}: {}", target.string(), call.actor, r.error().message);
        return error_response(r.error());
    }
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
    auto size = fs::file_size(target, ec);
    json detail{{"path", target.string()}};
    if (auto a = audited(call, "backup", target.string(), detail, [](store::Connection&) -> Result<void> { return {}; });
        !a)
        return error_response(a.error());
    log::admin()->info("store backed up to {} ({} bytes) by {}", target.string(), size, call.actor);
    return json_response(200, {{"path", target.string()}, {"bytes", ec ? 0 : size}});
}

net::HttpResponse content_status(Call& call) {
    if (!call.ctx.content) return error_response(ApiError{503, "content store not available on this server"});
    const bool list = call.arg("list") == "missing";
    auto s = content::content_status(*call.ctx.content, *call.ctx.db, {false, list});
    if (!s) return error_response(s.error());
    json listed = json::array();
    for (const auto& f : s->listed)
        listed.push_back({{"state", content::state_name(f.state)}, {"sha1", f.file.sha1}, {"size", f.file.size},
                          {"name", f.name}});
    return json_response(200, {{"root", call.ctx.content->root().string()}, {"files", s->files},
                               {"present", s->present}, {"missing", s->missing}, {"partial", s->partial},
                               {"corrupt", s->corrupt}, {"bytes_present", s->bytes_present},
                               {"bytes_missing", s->bytes_missing}, {"listed", listed}});
}

}  // namespace

void add_server_routes(std::vector<Route>& routes) {
    routes.push_back({"GET", "/api/v1/config", get_config});
    routes.push_back({"PUT", "/api/v1/config/{}", set_config});
    routes.push_back({"DELETE", "/api/v1/config/{}", unset_config});
    routes.push_back({"GET", "/api/v1/rules", list_rules});
    routes.push_back({"POST", "/api/v1/rules", create_rule});
    routes.push_back({"PATCH", "/api/v1/rules/{}", patch_rule});
    routes.push_back({"DELETE", "/api/v1/rules/{}", delete_rule});
    routes.push_back({"POST", "/api/v1/rules/{}/run", run_rule_now});
    routes.push_back({"POST", "/api/v1/maintenance", [](Call& c) { return run_job(c, true); }});
    routes.push_back({"POST", "/api/v1/cleanup", [](Call& c) { return run_job(c, false); }});
    routes.push_back({"GET", "/api/v1/health", health});
    routes.push_back({"GET", "/api/v1/metrics", metrics});
    routes.push_back({"POST", "/api/v1/backup", backup});
    routes.push_back({"GET", "/api/v1/content", content_status});
}

}  // namespace wsusd::admin
