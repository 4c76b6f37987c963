// wsusctl: the administrator's command line for a running wsusd, speaking its admin API. Verbs follow the
// UpdateServices PowerShell cmdlets (Get-WsusUpdate → update list, Approve-WsusUpdate → update approve, ...).
// Exit codes: 0 done, 1 refused by the server (message printed), 2 bad usage, 3 cannot connect, 4 not authorized.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "ctl/api_client.h"
#include "ctl/output.h"

using namespace wsusd::ctl;
using nlohmann::json;

namespace {

constexpr int kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3, kUnauthorized = 4;

struct Globals {
    std::string url, token, token_file, certificate, data_dir;
    bool json = false, csv = false;
    Format format() const { return json ? Format::json : csv ? Format::csv : Format::table; }
};

// Runs one API call; prints the server's refusal and maps it to an exit code.
int run(const Globals& g, const std::string& method, const std::string& path, const json& body,
        const std::function<void(const json&)>& on_success, long timeout_seconds = 60) {
    auto ep = resolve_endpoint(g.url, g.token, g.token_file, g.certificate, g.data_dir);
    if (!ep) {
        std::cerr << "wsusctl: " << ep.error().message << "\n";
        return kUsage;
    }
    ep->timeout_seconds = timeout_seconds;
    auto r = call(*ep, method, path, body);
    if (!r) {
        std::cerr << "wsusctl: " << r.error().message << "\n";
        return kUnreachable;
    }
    if (r->status >= 200 && r->status < 300) {
        on_success(r->body);
        return kOk;
    }
    std::cerr << "wsusctl: " << r->body.value("error", "HTTP " + std::to_string(r->status)) << "\n";
    return r->status == 401 ? kUnauthorized : kRefused;
}

std::string query(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string q;
    for (const auto& [k, v] : params)
        if (!v.empty()) q += (q.empty() ? "?" : "&") + k + "=" + url_encode(v);
    return q;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"wsusctl: administer a wsusd update server (see `man wsusctl`)"};
    app.require_subcommand(1);
    app.fallthrough();  // global options are accepted after the verb too (wsusctl group list --json)
    Globals g;
    app.add_option("--url", g.url, "admin API URL (default: from DATA_DIR/ports.json; env WSUSCTL_URL)");
    app.add_option("--token", g.token, "API token (prefer --token-file or WSUSCTL_TOKEN: arguments are visible in ps)");
    app.add_option("--token-file", g.token_file, "file holding the API token (env WSUSCTL_TOKEN_FILE)");
    app.add_option("--certificate", g.certificate, "server certificate to pin (default: from ports.json)");
    app.add_option("--data-dir", g.data_dir,
                   "wsusd's data directory, to find its admin port and admin.token (default: ./data if it holds "
                   "ports.json, else /var/lib/wsusd)");
    app.add_flag("--json", g.json, "print the API's JSON answer");
    app.add_flag("--csv", g.csv, "print CSV");
    int code = kOk;
    auto set = [&](int c) { code = c; };

    // ---- update ----
    auto* update = app.add_subcommand("update", "updates in the catalog (Get-WsusUpdate, Approve-WsusUpdate, Deny-WsusUpdate)");
    update->require_subcommand(1);
    std::string text, kb, classification, product, approval, after, id, group, action = "install", deadline;
    int limit = 0;
    auto* ulist = update->add_subcommand("list", "list updates (latest revisions)");
    ulist->add_option("--text", text, "title contains, or an update id or KB number");
    ulist->add_option("--kb", kb, "KB number (KB5034441 or 5034441)");
    ulist->add_option("--classification", classification, "classification name or id (e.g. \"Security Updates\")");
    ulist->add_option("--product", product, "product name or id (e.g. \"Windows 11\")");
    ulist->add_option("--approval", approval, "any, approved, unapproved or declined")
        ->check(CLI::IsMember({"any", "approved", "unapproved", "declined"}));
    ulist->add_option("--after", after, "continue after this update id (the `next` of --json output)");
    ulist->add_option("--limit", limit, "most updates to show");
    ulist->callback([&] {
        std::string q = query({{"text", text}, {"kb", kb}, {"classification", classification}, {"product", product},
                               {"approval", approval}, {"after", after}, {"limit", limit ? std::to_string(limit) : ""}});
        set(run(g, "GET", "/api/v1/updates" + q, nullptr, [&](const json& b) {
            print_rows(std::cout, g.format(), b["updates"],
                       {{"ID", "id"}, {"KB", "kb"}, {"TITLE", "title"}, {"CLASSIFICATION", "classification"},
                        {"APPROVALS", "approvals"}, {"DECLINED", "declined"}},
                       b);
        }));
    });
    auto* ushow = update->add_subcommand("show", "one update: categories, files, supersedence, approvals, status");
    ushow->add_option("ID", id, "update id")->required();
    ushow->callback([&] {
        set(run(g, "GET", "/api/v1/updates/" + url_encode(id), nullptr,
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* approve = update->add_subcommand("approve", "approve for a group (Approve-WsusUpdate)");
    approve->add_option("ID", id, "update id")->required();
    approve->add_option("--group", group, "target group name or id")->required();
    approve->add_option("--action", action, "install, uninstall or not-approved (removes the approval)")
        ->check(CLI::IsMember({"install", "uninstall", "not-approved"}))
        ->capture_default_str();
    approve->add_option("--deadline", deadline, "install by this time (ISO 8601, e.g. 2026-12-01T18:00:00Z)");
    bool accept_eula = false;
    approve->add_flag("--accept-eula", accept_eula, "accept the update's license agreement (required once for updates "
                                                    "that have one)");
    approve->callback([&] {
        json body{{"group", group}, {"action", action == "not-approved" ? "not_approved" : action}};
        if (accept_eula) body["accept_eula"] = true;
        if (!deadline.empty()) body["deadline"] = deadline;
        set(run(g, "POST", "/api/v1/updates/" + url_encode(id) + "/approve", body,
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    for (const char* verb : {"decline", "undecline"}) {
        auto* cmd = update->add_subcommand(verb, std::string(verb) + " an update (Deny-WsusUpdate)");
        cmd->add_option("ID", id, "update id")->required();
        cmd->callback([&, verb] {
            set(run(g, "POST", "/api/v1/updates/" + url_encode(id) + "/" + verb, json::object(),
                    [&](const json& b) { print_object(std::cout, g.format(), b); }));
        });
    }

    // ---- group ----
    auto* grp = app.add_subcommand("group", "computer target groups (Get-WsusComputerTargetGroup, ...)");
    grp->require_subcommand(1);
    std::string name, parent, new_name;
    grp->add_subcommand("list", "the group tree")->callback([&] {
        set(run(g, "GET", "/api/v1/groups", nullptr, [&](const json& b) {
            print_rows(std::cout, g.format(), b["groups"], {{"NAME", "name"}, {"PARENT", "parent"}, {"ID", "id"}}, b);
        }));
    });
    auto* gcreate = grp->add_subcommand("create", "create a group");
    gcreate->add_option("NAME", name, "group name")->required();
    gcreate->add_option("--parent", parent, "parent group (default All Computers)");
    gcreate->callback([&] {
        json body{{"name", name}};
        if (!parent.empty()) body["parent"] = parent;
        set(run(g, "POST", "/api/v1/groups", body, [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* grename = grp->add_subcommand("rename", "rename a group");
    grename->add_option("NAME", name, "group name or id")->required();
    grename->add_option("NEW_NAME", new_name, "new name")->required();
    grename->callback([&] {
        set(run(g, "PATCH", "/api/v1/groups/" + url_encode(name), json{{"name", new_name}},
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* gmove = grp->add_subcommand("move", "move a group under another");
    gmove->add_option("NAME", name, "group name or id")->required();
    gmove->add_option("--parent", parent, "new parent group")->required();
    gmove->callback([&] {
        set(run(g, "PATCH", "/api/v1/groups/" + url_encode(name), json{{"parent", parent}},
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* gdelete = grp->add_subcommand("delete", "delete an empty group (its approvals go with it)");
    gdelete->add_option("NAME", name, "group name or id")->required();
    gdelete->callback([&] {
        set(run(g, "DELETE", "/api/v1/groups/" + url_encode(name), nullptr,
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });

    // ---- computer ----
    auto* comp = app.add_subcommand("computer", "client computers (Get-WsusComputer, Add-WsusComputer, ...)");
    comp->require_subcommand(1);
    std::vector<std::string> groups;
    auto* clist = comp->add_subcommand("list", "computers, optionally of one group");
    clist->add_option("--group", group, "only this group's members");
    clist->add_option("--limit", limit, "most computers to show");
    clist->callback([&] {
        set(run(g, "GET", "/api/v1/computers" + query({{"group", group}, {"limit", limit ? std::to_string(limit) : ""}}),
                nullptr, [&](const json& b) {
                    print_rows(std::cout, g.format(), b["computers"],
                               {{"NAME", "name"}, {"ID", "id"}, {"OS", "os"}, {"GROUPS", "groups"},
                                {"LAST SYNC", "last_sync"}, {"LAST REPORT", "last_report"},
                                {"REPORTED THROUGH", "reported_through"}},
                               b);
                }));
    });
    auto* cshow = comp->add_subcommand("show", "one computer with its update states");
    cshow->add_option("NAME", name, "DNS name or SusClientId")->required();
    cshow->callback([&] {
        set(run(g, "GET", "/api/v1/computers/" + url_encode(name), nullptr,
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* cmove = comp->add_subcommand("move", "put a computer in these groups (replaces its groups)");
    cmove->add_option("NAME", name, "DNS name or SusClientId")->required();
    cmove->add_option("--group", groups, "target group (repeat for several)")->required();
    cmove->callback([&] {
        set(run(g, "PUT", "/api/v1/computers/" + url_encode(name) + "/groups", json{{"groups", groups}},
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* cdelete = comp->add_subcommand("delete", "forget a computer (it registers again at its next scan)");
    cdelete->add_option("NAME", name, "DNS name or SusClientId")->required();
    cdelete->callback([&] {
        set(run(g, "DELETE", "/api/v1/computers/" + url_encode(name), nullptr,
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });

    // ---- report, audit, server, token ----
    auto* report = app.add_subcommand("report", "status reports");
    report->require_subcommand(1);
    int stale_days = -1;
    auto* rcomp = report->add_subcommand("computers", "update states per computer");
    rcomp->add_option("--stale-days", stale_days, "only computers that have not reported for this many days");
    rcomp->add_option("--limit", limit, "most computers to show");
    rcomp->callback([&] {
        std::string q = query({{"stale_days", stale_days >= 0 ? std::to_string(stale_days) : ""},
                               {"limit", limit ? std::to_string(limit) : ""}});
        set(run(g, "GET", "/api/v1/reports/computers" + q, nullptr, [&](const json& b) {
            print_rows(std::cout, g.format(), b["computers"],
                       {{"NAME", "name"}, {"ID", "id"}, {"LAST SYNC", "last_sync"}, {"LAST REPORT", "last_report"},
                        {"REPORTED THROUGH", "reported_through"}, {"STATES", "states"}},
                       b);
        }));
    });
    std::string rep_group, rep_approval, rep_after;
    auto* rupd = report->add_subcommand("updates", "update status summary: computers per state for each update");
    rupd->add_option("--group", rep_group, "only the computers of this target group (name or id)");
    rupd->add_option("--approval", rep_approval, "approved (default), any, unapproved or declined");
    rupd->add_option("--after", rep_after, "page after this update id (the previous answer's next)");
    rupd->add_option("--limit", limit, "most updates to show");
    rupd->callback([&] {
        std::string q = query({{"group", rep_group}, {"approval", rep_approval}, {"after", rep_after},
                               {"limit", limit ? std::to_string(limit) : ""}});
        set(run(g, "GET", "/api/v1/reports/updates" + q, nullptr, [&](const json& b) {
            print_rows(std::cout, g.format(), b["updates"],
                       {{"TITLE", "title"}, {"KB", "kb"}, {"ID", "id"}, {"APPROVALS", "approvals"}, {"STATES", "states"}},
                       b);
        }));
    });
    auto* rfail = report->add_subcommand("failures", "failed installations with their error codes");
    rfail->add_option("--after", rep_after, "page after this key (the previous answer's next)");
    rfail->add_option("--limit", limit, "most failures to show");
    rfail->callback([&] {
        std::string q = query({{"after", rep_after}, {"limit", limit ? std::to_string(limit) : ""}});
        set(run(g, "GET", "/api/v1/reports/failures" + q, nullptr, [&](const json& b) {
            print_rows(std::cout, g.format(), b["failures"],
                       {{"COMPUTER", "name"}, {"UPDATE", "title"}, {"KB", "kb"}, {"ERROR", "error_code"}, {"AT", "at"}},
                       b);
        }));
    });
    auto* audit = app.add_subcommand("audit", "who changed what, newest first");
    audit->add_option("--limit", limit, "most entries");
    audit->callback([&] {
        set(run(g, "GET", "/api/v1/audit" + query({{"limit", limit ? std::to_string(limit) : "50"}}), nullptr,
                [&](const json& b) {
                    print_rows(std::cout, g.format(), b["entries"],
                               {{"AT", "at"}, {"WHO", "actor"}, {"ACTION", "action"}, {"TARGET", "target"},
                                {"DETAIL", "detail"}},
                               b);
                }));
    });
    auto* server = app.add_subcommand("server", "this server (Get-WsusServer)");
    server->require_subcommand(1);
    server->add_subcommand("info", "version, mode and counts")->callback([&] {
        set(run(g, "GET", "/api/v1/server", nullptr, [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* sync = app.add_subcommand("sync", "synchronization from the upstream server");
    sync->require_subcommand(1);
    sync->add_subcommand("start", "synchronize now (the console's Synchronize Now); follow it with `sync history`")
        ->callback([&] {
            set(run(g, "POST", "/api/v1/sync", json::object(), [&](const json& b) { print_object(std::cout, g.format(), b); }));
        });
    sync->add_subcommand("rollup", "send report rollup to the upstream now, without a sync; see `sync history`")
        ->callback([&] {
            set(run(g, "POST", "/api/v1/sync/rollup", json::object(),
                    [&](const json& b) { print_object(std::cout, g.format(), b); }));
        });
    sync->add_subcommand("status", "the synchronization in progress (phase, files and bytes, rate) and the last one")
        ->callback([&] {
            set(run(g, "GET", "/api/v1/sync" + query({{"limit", "1"}}), nullptr, [&](const json& b) {
                json out = b.value("current", json::object());
                if (b.contains("runs") && !b["runs"].empty()) out["last"] = b["runs"][0];
                if (g.format() == Format::json) return print_object(std::cout, g.format(), out);
                std::cout << "running: " << (out.value("running", false) ? "yes" : "no");
                if (out.value("running", false)) {
                    std::cout << ", phase " << out.value("phase", "") << " (" << out.value("done", 0) << "/"
                              << out.value("total", 0) << ")";
                    if (out.contains("content")) {
                        const auto& c = out["content"];
                        std::cout << "\nfiles: " << c.value("files_done", 0) << "/" << c.value("files_total", 0)
                                  << ", bytes: " << c.value("bytes_done", 0ull) << "/" << c.value("bytes_total", 0ull)
                                  << ", rate: " << c.value("bytes_per_second", 0ull) << " bytes/s";
                    }
                }
                std::cout << "\n";
                if (out.contains("last"))
                    std::cout << "last: " << out["last"].value("id", 0) << " " << out["last"].value("result", "")
                              << (out["last"].value("error", "").empty() ? "" : ": " + out["last"].value("error", ""))
                              << "\n";
            }));
        });
    auto* sync_history = sync->add_subcommand("history", "recent synchronizations, newest first");
    sync_history->add_option("--limit", limit, "most runs to show");
    sync_history->callback([&] {
        set(run(g, "GET", "/api/v1/sync" + query({{"limit", limit ? std::to_string(limit) : "20"}}), nullptr,
                [&](const json& b) {
                    print_rows(std::cout, g.format(), b["runs"],
                               {{"ID", "id"}, {"KIND", "kind"}, {"STARTED", "started"}, {"FINISHED", "finished"}, {"RESULT", "result"},
                                {"NEW", "new"}, {"REVISED", "revised"}, {"ERROR", "error"}},
                               b);
                }));
    });

    server->add_subcommand("downstream", "downstream servers that synchronize from this one (Get-WsusDownstreamServer)")
        ->callback([&] {
            set(run(g, "GET", "/api/v1/downstream", nullptr, [&](const json& b) {
                print_rows(std::cout, g.format(), b["downstream_servers"],
                           {{"NAME", "name"}, {"ID", "id"}, {"MODE", "mode"}, {"PROTOCOL", "protocol"},
                            {"LAST CONTACT", "last_contact"}},
                           b);
            }));
        });

    // ---- server config ----
    auto* config = server->add_subcommand("config", "run-time settings, layered over wsusd.toml (Set-WsusServerSynchronization, ...)");
    config->require_subcommand(1);
    std::string key, value;
    config->add_subcommand("get", "every setting: value, where it comes from, whether a change needs a restart")
        ->callback([&] {
            set(run(g, "GET", "/api/v1/config", nullptr, [&](const json& b) {
                print_rows(std::cout, g.format(), b["settings"],
                           {{"KEY", "key"}, {"VALUE", "value"}, {"SOURCE", "source"}, {"RESTART", "restart"}}, b);
            }));
        });
    auto* cset = config->add_subcommand("set", "store a setting (it wins over wsusd.toml)");
    cset->add_option("KEY", key, "setting name (see `server config get`)")->required();
    cset->add_option("VALUE", value, "new value (lists comma-separated)")->required();
    cset->callback([&] {
        set(run(g, "PUT", "/api/v1/config/" + url_encode(key), json{{"value", value}}, [&](const json& b) {
            print_object(std::cout, g.format(), b);
            if (b.value("restart_required", false) && g.format() != Format::json)
                std::cerr << "wsusctl: " << key << " takes effect when wsusd restarts (systemctl restart wsusd)\n";
        }));
    });
    auto* cunset = config->add_subcommand("unset", "forget a stored setting (back to wsusd.toml or the default)");
    cunset->add_option("KEY", key, "setting name")->required();
    cunset->callback([&] {
        set(run(g, "DELETE", "/api/v1/config/" + url_encode(key), nullptr,
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });

    // ---- rule ----
    auto* rule = app.add_subcommand("rule", "automatic approval rules (the console's Automatic Approvals)");
    rule->require_subcommand(1);
    rule->add_subcommand("list", "rules with their filters and groups")->callback([&] {
        set(run(g, "GET", "/api/v1/rules", nullptr, [&](const json& b) {
            print_rows(std::cout, g.format(), b["rules"],
                       {{"NAME", "name"}, {"ENABLED", "enabled"}, {"CLASSIFICATIONS", "classifications"},
                        {"PRODUCTS", "products"}, {"GROUPS", "groups"}, {"DEADLINE DAYS", "deadline_days"}},
                       b);
        }));
    });
    std::vector<std::string> classifications, products;
    int deadline_days = -1;
    bool disabled = false;
    auto* rcreate = rule->add_subcommand("create", "approve new updates of these classifications and products for groups");
    rcreate->add_option("NAME", name, "rule name")->required();
    rcreate->add_option("--classification", classifications, "classification title or id (repeat; none = any)");
    rcreate->add_option("--product", products, "product title or id (repeat; none = any)");
    rcreate->add_option("--group", groups, "target group (repeat)")->required();
    rcreate->add_option("--deadline-days", deadline_days, "deadline this many days after the approval")
        ->check(CLI::Range(0, 365));
    rcreate->add_flag("--disabled", disabled, "create the rule disabled");
    rcreate->callback([&] {
        json body{{"name", name}, {"classifications", classifications}, {"products", products}, {"groups", groups},
                  {"enabled", !disabled}};
        if (deadline_days >= 0) body["deadline_days"] = deadline_days;
        set(run(g, "POST", "/api/v1/rules", body, [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    for (const char* verb : {"enable", "disable"}) {
        auto* cmd = rule->add_subcommand(verb, std::string(verb) + " a rule");
        cmd->add_option("NAME", name, "rule name")->required();
        cmd->callback([&, verb] {
            set(run(g, "PATCH", "/api/v1/rules/" + url_encode(name), json{{"enabled", std::string(verb) == "enable"}},
                    [&](const json& b) { print_object(std::cout, g.format(), b); }));
        });
    }
    auto* rdelete = rule->add_subcommand("delete", "delete a rule (approvals it made stay)");
    rdelete->add_option("NAME", name, "rule name")->required();
    rdelete->callback([&] {
        set(run(g, "DELETE", "/api/v1/rules/" + url_encode(name), nullptr,
                [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* rrun = rule->add_subcommand("run", "apply a rule to the updates already in the catalog (Run Rule)");
    rrun->add_option("NAME", name, "rule name")->required();
    rrun->callback([&] {
        set(run(g, "POST", "/api/v1/rules/" + url_encode(name) + "/run", json::object(), [&](const json& b) {
            print_rows(std::cout, g.format(), b["approved"],
                       {{"UPDATE", "update"}, {"TITLE", "title"}, {"GROUP ID", "group_id"}}, b);
        }));
    });

    // ---- maintenance, cleanup, health, metrics, backup, content ----
    bool dry_run = false;
    auto print_job = [&](const json& b) {
        if (g.format() == Format::json) return print_object(std::cout, g.format(), b);
        const auto& p = b.contains("policies") ? b["policies"] : json::object();
        const auto& c = b.contains("cleanup") ? b["cleanup"] : json::object();
        auto n = [](const json& o, const char* k) { return o.contains(k) && o[k].is_array() ? o[k].size() : 0; };
        std::cout << (b.value("dry_run", false) ? "would " : "") << "approve automatically: " << n(p, "auto_approved")
                  << "\n" << (b.value("dry_run", false) ? "would " : "") << "move approvals to new revisions: "
                  << n(p, "approvals_moved_to_new_revision") << "\n" << (b.value("dry_run", false) ? "would " : "")
                  << "decline: " << n(p, "declined") << "\n" << (b.value("dry_run", false) ? "would " : "")
                  << "delete obsolete computers: " << n(c, "obsolete_computers") << "\n"
                  << (b.value("dry_run", false) ? "would " : "") << "delete old revisions: " << n(c, "old_revisions")
                  << "\n" << (b.value("dry_run", false) ? "would " : "") << "delete unneeded files: "
                  << n(c, "unneeded_files") << " (" << c.value("unneeded_bytes", 0) << " bytes)\n";
    };
    auto* cleanup = app.add_subcommand("cleanup", "Server Cleanup Wizard: obsolete computers, unneeded files, old revisions");
    cleanup->add_flag("--dry-run", dry_run, "report what would be deleted; delete nothing");
    cleanup->callback([&] {
        set(run(g, "POST", "/api/v1/cleanup", json{{"dry_run", dry_run}}, print_job));
    });
    auto* maint = app.add_subcommand("maintenance", "run the maintenance job now: approval rules, declines, cleanup");
    maint->add_flag("--dry-run", dry_run, "report what would change; change nothing");
    maint->callback([&] {
        set(run(g, "POST", "/api/v1/maintenance", json{{"dry_run", dry_run}}, print_job));
    });
    app.add_subcommand("health", "store, disk, last sync, silent computers, content (exit 1 when degraded)")->callback([&] {
        bool degraded = false;
        set(run(g, "GET", "/api/v1/health", nullptr, [&](const json& b) {
            print_object(std::cout, g.format(), b);
            degraded = b.value("status", "") != "ok";
        }));
        if (code == kOk && degraded) code = kRefused;
    });
    app.add_subcommand("metrics", "the Prometheus metrics (text exposition)")->callback([&] {
        auto ep = resolve_endpoint(g.url, g.token, g.token_file, g.certificate, g.data_dir);
        if (!ep) {
            std::cerr << "wsusctl: " << ep.error().message << "\n";
            return set(kUsage);
        }
        auto r = call(*ep, "GET", "/api/v1/metrics");
        if (!r) {
            std::cerr << "wsusctl: " << r.error().message << "\n";
            return set(kUnreachable);
        }
        if (r->status != 200) {
            std::cerr << "wsusctl: " << r->body.value("error", "HTTP " + std::to_string(r->status)) << "\n";
            return set(r->status == 401 ? kUnauthorized : kRefused);
        }
        std::cout << r->text;
    });
    std::string backup_path;
    auto* backup = app.add_subcommand("backup", "online copy of the store while wsusd runs (SQLite backup API)");
    backup->add_option("--path", backup_path, "absolute path on the server (default DATA_DIR/backups/wsusd-TIME.db)");
    backup->callback([&] {
        json body = json::object();
        if (!backup_path.empty()) body["path"] = backup_path;
        set(run(g, "POST", "/api/v1/backup", body, [&](const json& b) { print_object(std::cout, g.format(), b); }));
    });
    auto* content = app.add_subcommand("content", "update files in the content store");
    content->require_subcommand(1);
    bool list_missing = false;
    auto* cstatus = content->add_subcommand("status", "present, missing, partial and corrupt files (sizes checked)");
    cstatus->add_flag("--list-missing", list_missing, "also list missing and partial files");
    cstatus->callback([&] {
        set(run(g, "GET", std::string("/api/v1/content") + (list_missing ? "?list=missing" : ""), nullptr,
                [&](const json& b) {
                    if (g.format() == Format::json) return print_object(std::cout, g.format(), b);
                    json summary = b;
                    summary.erase("listed");
                    print_object(std::cout, g.format(), summary);
                    if (!b["listed"].empty())
                        print_rows(std::cout, g.format(), b["listed"],
                                   {{"STATE", "state"}, {"SHA1", "sha1"}, {"SIZE", "size"}, {"NAME", "name"}}, b);
                }));
    });
    // Air-gapped bundles (docs/airgap.md). The folder is on the server's file system (the admin API is local);
    // a relative path is made absolute here. No timeout: a multi-gigabyte bundle takes as long as it takes.
    std::string bundle_dir, since, ag_content = "approved", part_size;
    std::vector<std::string> ag_products, ag_classifications;
    bool no_approvals = false;
    int max_parts = 0;
    auto* exp = app.add_subcommand("export", "write a signed bundle for a server without network path (wsusutil export)");
    exp->add_option("DIR", bundle_dir, "bundle folder to create (new or empty)")->required();
    exp->add_option("--since", since, "\"last\": only changes since the last export; or CATALOG:DEPLOYMENTS");
    exp->add_option("--content", ag_content, "update files: approved, all or none")->capture_default_str();
    exp->add_option("--product", ag_products, "only updates of this product (with --classification)");
    exp->add_option("--classification", ag_classifications, "only updates of this classification");
    exp->add_flag("--no-approvals", no_approvals, "leave groups and approvals out");
    exp->add_option("--part-size", part_size, "cut parts at this size (e.g. 4G, 700M)");
    exp->callback([&] {
        json body{{"path", std::filesystem::absolute(bundle_dir).string()}, {"since", since}, {"content", ag_content},
                  {"products", ag_products}, {"classifications", ag_classifications}, {"approvals", !no_approvals}};
        if (!part_size.empty()) body["part_size"] = part_size;
        set(run(g, "POST", "/api/v1/airgap/export", body, [&](const json& b) {
            if (g.format() == Format::json) return print_object(std::cout, g.format(), b);
            std::cout << "bundle " << b.value("bundle_id", "") << " sequence " << b.value("sequence", 0) << " ("
                      << (b["since"].is_null() ? "full" : "incremental") << ") in " << b.value("path", "") << "\n";
            print_object(std::cout, g.format(), b["counts"]);
        }, 0));
    });
    auto* imp = app.add_subcommand("import", "verify and import a bundle (resumes an interrupted import)");
    imp->add_option("DIR", bundle_dir, "bundle folder")->required();
    imp->add_option("--max-parts", max_parts, "commit at most this many parts now; run again to continue");
    imp->callback([&] {
        json body{{"path", std::filesystem::absolute(bundle_dir).string()}, {"max_parts", max_parts}};
        set(run(g, "POST", "/api/v1/airgap/import", body, [&](const json& b) { print_object(std::cout, g.format(), b); }, 0));
    });

    auto* token = app.add_subcommand("token", "API tokens (create them with `wsusd token create`)");
    token->require_subcommand(1);
    token->add_subcommand("list", "token names and last use")->callback([&] {
        set(run(g, "GET", "/api/v1/tokens", nullptr, [&](const json& b) {
            print_rows(std::cout, g.format(), b["tokens"],
                       {{"NAME", "name"}, {"CREATED", "created"}, {"LAST USED", "last_used"}}, b);
        }));
    });

    app.parse_complete_callback([&] {
        if (g.data_dir.empty()) g.data_dir = std::filesystem::exists("data/ports.json") ? "data" : "/var/lib/wsusd";
    });
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? kOk : kUsage;
    }
    return code;
}
