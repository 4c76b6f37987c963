#include "admin/maintenance.h"

#include <algorithm>
#include <filesystem>

#include "admin/approvals.h"
#include "admin/health.h"
#include "admin/metrics.h"
#include "admin/notifier.h"
#include "admin/server_settings.h"
#include "content/content_store.h"
#include "store/admin_repo.h"
#include "store/computer_repo.h"
#include "store/maintenance_repo.h"
#include "store/settings_repo.h"
#include "store/update_query.h"
#include "util/log.h"

namespace wsusd::admin {

namespace {

using nlohmann::json;

// Bookkeeping of the maintenance job in the setting table (not server.*: not administrator settings).
constexpr std::string_view kLastSeenCatalog = "maintenance.last_seen_catalog_version";
constexpr std::string_view kLastStatusReport = "maintenance.last_status_report";

std::vector<std::string> product_ids(store::Connection& c, store::RevisionId id) {
    std::vector<std::string> out;
    if (auto cats = store::RevisionRepo(c).categories(id))
        for (const auto& cat : *cats)
            if (cat.kind == store::CategoryKind::product) out.push_back(cat.category_id);
    return out;
}

Result<void> audit(store::Connection& c, std::string_view actor, std::string_view action, std::string_view target,
                   const json& detail, store::TimePoint now) {
    // Titles come from upstream metadata and need not be valid UTF-8: replaced, never thrown on (this runs on the
    // maintenance thread, where an exception would end the daemon).
    return store::AdminRepo(c).audit(actor, action, target,
                                     detail.dump(-1, ' ', false, json::error_handler_t::replace), now);
}

// Approves `rev` for the rule's groups that do not have it for install yet. Rules accept license agreements: the
// administrator who made the rule accepted them in advance, as in WSUS.
Result<void> apply_rule(store::Connection& c, const store::ApprovalRule& rule, const store::Revision& rev,
                        const std::string& actor, store::TimePoint now, bool dry_run, json& made) {
    for (const auto& gid : rule.groups) {
        auto existing = store::DeploymentRepo(c).get(gid, rev.update_id);
        if (existing && existing->action == store::DeploymentAction::install) continue;
        made.push_back(json{{"rule", rule.name}, {"update", rev.update_id}, {"title", rev.title}, {"group_id", gid}});
        if (dry_run) continue;
        ApprovalRequest req{rev.update_id, gid, store::DeploymentAction::install, std::nullopt, true, actor};
        if (rule.deadline_days) req.deadline = now + std::chrono::days(*rule.deadline_days);
        auto o = approve(c, req, now);
        if (!o) return std::unexpected(o.error());
        if (auto a = audit(c, actor, "approve", rev.update_id,
                           json{{"group", o->group.name}, {"action", "install"}, {"rule", rule.name},
                                {"prerequisites", o->prerequisites}},
                           now);
            !a)
            return a;
    }
    return {};
}

Result<json> policies(const AdminContext& ctx, store::Connection& c, const ServerSettings& s, bool dry_run,
                      json& new_updates) {
    const int budget = static_cast<int>(std::max(1u, ctx.max_per_run));
    const auto now = std::chrono::floor<std::chrono::milliseconds>(ctx.clock());
    const std::string system = "system";
    json report = json::object();
    store::SettingsRepo settings(c);
    store::MaintenanceRepo q(c);
    store::RevisionRepo revisions(c);
    auto seen = settings.get(kLastSeenCatalog);
    if (!seen) return std::unexpected(seen.error());
    auto catalog = settings.catalog_version();
    if (!catalog) return std::unexpected(catalog.error());
    const std::int64_t since = *seen ? std::stoll(**seen) : 0;
    // Updates that arrived since the last run: notified, and approved by the rules (a replica takes its approvals
    // from upstream). The first run on an existing catalog only notes where it stands, so that rules made
    // later do not approve the whole history by surprise: `wsusctl rule run` does that on purpose.
    json auto_approved = json::array();
    if (*seen) {
        auto fresh = q.new_approvable(since, budget);
        if (!fresh) return std::unexpected(fresh.error());
        auto rules = store::ApprovalRuleRepo(c).list();
        if (!rules) return std::unexpected(rules.error());
        auto revs = revisions.get_many(*fresh);
        if (!revs) return std::unexpected(revs.error());
        for (const auto& rev : *revs) {
            new_updates.push_back(json{{"id", rev.update_id}, {"title", rev.title}});
            if (ctx.replica) continue;
            auto products = product_ids(c, rev.id);
            for (const auto& rule : *rules) {
                if (!rule.enabled || !rule_matches(rule, rev.classification_id, products)) continue;
                if (auto r = apply_rule(c, rule, rev, system, now, dry_run, auto_approved); !r)
                    return std::unexpected(r.error());
            }
        }
        if (!dry_run) {
            // A full page leaves the rest for the next run.
            std::int64_t mark = *catalog;
            if (static_cast<int>(revs->size()) >= budget && !revs->empty()) mark = revs->back().change_seq;
            if (auto r = settings.set(kLastSeenCatalog, std::to_string(mark), now); !r) return std::unexpected(r.error());
        }
    } else if (!dry_run) {
        if (auto r = settings.set(kLastSeenCatalog, std::to_string(*catalog), now); !r) return std::unexpected(r.error());
    }
    report["auto_approved"] = auto_approved;

    json revised = json::array();
    if (flag(s, "approvals.approve_new_revisions") && !ctx.replica) {
        auto stale = q.stale_approvals(budget);
        if (!stale) return std::unexpected(stale.error());
        store::DeploymentRepo deployments(c);
        for (const auto& d : *stale) {
            revised.push_back(json{{"update", d.update_id}, {"group_id", d.group_id}, {"revision_id", d.latest_revision}});
            if (dry_run) continue;
            auto old = deployments.get(d.group_id, d.update_id);
            if (!old) return std::unexpected(old.error());
            if (auto r = deployments.set({d.group_id, d.latest_revision, old->action, old->deadline, system}, now); !r)
                return std::unexpected(r.error());
            if (auto a = audit(c, system, "approve.new_revision", d.update_id,
                               json{{"group_id", d.group_id}, {"revision_id", d.latest_revision}}, now);
                !a)
                return std::unexpected(a.error());
        }
    }
    report["approvals_moved_to_new_revision"] = revised;

    json declined = json::array();
    auto decline_all = [&](const std::vector<std::string>& ids, const char* why) -> Result<void> {
        for (const auto& id : ids) {
            declined.push_back(json{{"update", id}, {"reason", why}});
            if (dry_run) continue;
            auto n = decline_update(c, id, system, now);
            if (!n) return std::unexpected(n.error());
            if (auto a = audit(c, system, "decline", id, json{{"reason", why}, {"approvals_withdrawn", *n}}, now); !a)
                return a;
        }
        return {};
    };
    if (!ctx.replica) {
        if (auto days = integer(s, "approvals.decline_superseded_after_days"); days > 0) {
            auto ids = q.superseded_before(now - std::chrono::days(days), budget);
            if (!ids) return std::unexpected(ids.error());
            if (auto r = decline_all(*ids, "superseded"); !r) return std::unexpected(r.error());
        }
        if (flag(s, "approvals.decline_expired")) {
            auto ids = q.expired_undeclined(budget);
            if (!ids) return std::unexpected(ids.error());
            if (auto r = decline_all(*ids, "expired"); !r) return std::unexpected(r.error());
        }
    }
    report["declined"] = declined;
    return report;
}

Result<json> cleanup(const AdminContext& ctx, store::Connection& c, const ServerSettings& s, bool dry_run,
                     const std::string& actor) {
    const int budget = static_cast<int>(std::max(1u, ctx.max_per_run));
    const auto now = std::chrono::floor<std::chrono::milliseconds>(ctx.clock());
    store::MaintenanceRepo q(c);
    json report = json::object();
    json computers = json::array();
    if (auto days = integer(s, "cleanup.obsolete_computer_days"); days > 0) {
        auto silent = q.silent_computers(now - std::chrono::days(days), budget);
        if (!silent) return std::unexpected(silent.error());
        for (const auto& sc : *silent) {
            computers.push_back(json{{"id", sc.client_id}, {"name", sc.dns_name}, {"last_seen", time_json(sc.last_seen)}});
            if (dry_run) continue;
            if (auto r = store::ComputerRepo(c).remove(sc.id); !r) return std::unexpected(r.error());
            if (auto a = audit(c, actor, "cleanup.computer", sc.client_id, json{{"name", sc.dns_name}}, now); !a)
                return std::unexpected(a.error());
        }
    }
    report["obsolete_computers"] = computers;
    json revisions = json::array();
    if (flag(s, "cleanup.old_revisions")) {
        auto old = q.old_revisions(budget);
        if (!old) return std::unexpected(old.error());
        for (const auto& o : *old) {
            revisions.push_back(json{{"update", o.update_id}, {"revision", o.revision_number}});
            if (!dry_run)
                if (auto r = q.delete_revision(o.id); !r) return std::unexpected(r.error());
        }
        if (!dry_run && !old->empty())
            if (auto a = audit(c, actor, "cleanup.revisions", "", json{{"deleted", old->size()}}, now); !a)
                return std::unexpected(a.error());
    }
    report["old_revisions"] = revisions;
    json files = json::array();
    std::uint64_t bytes = 0;
    if (flag(s, "cleanup.unneeded_content") && ctx.content) {
        auto unneeded = q.unneeded_files("", budget);
        if (!unneeded) return std::unexpected(unneeded.error());
        for (const auto& f : *unneeded) {
            content::ExpectedFile ef{f.sha1, f.sha256, static_cast<std::uint64_t>(f.size), content::extension_of(f.name)};
            auto path = ctx.content->path_of(ef);
            if (!path) continue;
            std::error_code ec;
            if (!std::filesystem::exists(*path, ec)) continue;
            files.push_back(json{{"sha1", f.sha1}, {"name", f.name}, {"size", f.size}});
            bytes += static_cast<std::uint64_t>(f.size);
            if (dry_run) continue;
            std::filesystem::remove(*path, ec);
            if (ec)
                log::admin()->warn("cleanup: cannot delete {}: {} (check the permissions of the content store)",
                                   path->string(), ec.message());
        }
        if (!dry_run && !files.empty())
            if (auto a = audit(c, actor, "cleanup.content", "", json{{"files", files.size()}, {"bytes", bytes}}, now); !a)
                return std::unexpected(a.error());
    }
    report["unneeded_files"] = files;
    report["unneeded_bytes"] = bytes;
    if (!dry_run)
        if (auto r = q.delete_orphan_files(); !r) return std::unexpected(r.error());
    return report;
}

std::string new_updates_text(const json& list) {
    std::string text = std::to_string(list.size()) + " new update(s) arrived on wsusd:\n\n";
    for (const auto& u : list) text += "  " + u.value("title", std::string()) + " (" + u.value("id", std::string()) + ")\n";
    return text + "\nApprove them with `wsusctl update approve ID --group GROUP`.\n";
}

NotifyTargets notify_targets(const ServerSettings& s) {
    NotifyTargets t;
    t.smtp_url = text(s, "notify.smtp_url");
    t.smtp_starttls = flag(s, "notify.smtp_starttls");
    t.smtp_user = text(s, "notify.smtp_user");
    t.smtp_password = text(s, "notify.smtp_password");
    t.mail_from = text(s, "notify.mail_from");
    t.mail_to = list(s, "notify.mail_to");
    t.webhook_url = text(s, "notify.webhook_url");
    t.webhook_secret = text(s, "notify.webhook_secret");
    return t;
}

}  // namespace

bool rule_matches(const store::ApprovalRule& rule, const std::optional<std::string>& classification_id,
                  const std::vector<std::string>& product_ids) {
    if (!rule.classifications.empty() &&
        (!classification_id || std::find(rule.classifications.begin(), rule.classifications.end(),
                                          *classification_id) == rule.classifications.end()))
        return false;
    if (rule.products.empty()) return true;
    for (const auto& p : product_ids)
        if (std::find(rule.products.begin(), rule.products.end(), p) != rule.products.end()) return true;
    return false;
}

Result<json> run_rule(store::Connection& c, const store::ApprovalRule& rule, const std::string& actor,
                      store::TimePoint now, unsigned max_per_run) {
    json made = json::array();
    store::UpdateFilter f;
    f.limit = 500;
    while (true) {
        auto page = store::UpdateQuery(c).search(f);
        if (!page) return std::unexpected(page.error());
        for (const auto& s : *page) {
            const auto& rev = s.revision;
            if (rev.declined || rev.expired) continue;
            if (!rule_matches(rule, rev.classification_id, product_ids(c, rev.id))) continue;
            if (auto r = apply_rule(c, rule, rev, actor, now, false, made); !r) return std::unexpected(r.error());
            if (made.size() >= max_per_run) return json{{"rule", rule.name}, {"approved", made}, {"complete", false}};
        }
        if (static_cast<int>(page->size()) < f.limit) break;
        f.after_update_id = page->back().revision.update_id;
    }
    return json{{"rule", rule.name}, {"approved", made}, {"complete", true}};
}

Result<json> run_maintenance(const AdminContext& ctx, const MaintenanceOptions& o) {
    json new_updates = json::array();
    ServerSettings settings;
    json report{{"dry_run", o.dry_run}};
    const auto started = std::chrono::steady_clock::now();
    // Policies and cleanup in separate transactions: a failure of one leaves the other's work committed.
    if (o.policies) {
        auto p = ctx.db->with_writer([&](store::Connection& c) -> Result<json> {
            auto s = load_settings(c, ctx.file_config);
            if (!s) return std::unexpected(s.error());
            settings = *s;
            return policies(ctx, c, *s, o.dry_run, new_updates);
        });
        if (!p) return std::unexpected(p.error());
        report["policies"] = *p;
        report["new_updates"] = new_updates;
    }
    if (o.cleanup) {
        auto cl = ctx.db->with_writer([&](store::Connection& c) -> Result<json> {
            auto s = load_settings(c, ctx.file_config);
            if (!s) return std::unexpected(s.error());
            settings = *s;
            if (!o.forced_cleanup && !flag(*s, "cleanup.enabled")) return json{{"skipped", "cleanup.enabled is false"}};
            return cleanup(ctx, c, *s, o.dry_run, o.actor);
        });
        if (!cl) return std::unexpected(cl.error());
        report["cleanup"] = *cl;
    }
    if (!o.dry_run && ctx.notifier && o.policies) {
        auto targets = notify_targets(settings);
        if (!new_updates.empty() && flag(settings, "notify.on_new_updates"))
            ctx.notifier->notify(targets, NotifyEvent{"updates.new",
                                                      "wsusd: " + std::to_string(new_updates.size()) + " new update(s)",
                                                      new_updates_text(new_updates), json{{"updates", new_updates}}});
        if (auto hours = integer(settings, "notify.status_report_hours"); hours > 0) {
            const auto now = std::chrono::floor<std::chrono::milliseconds>(ctx.clock());
            auto due = ctx.db->with_writer([&](store::Connection& c) -> Result<bool> {
                store::SettingsRepo sr(c);
                auto last = sr.get(kLastStatusReport);
                if (!last) return std::unexpected(last.error());
                const auto now_ms = now.time_since_epoch().count();
                if (*last && now_ms - std::stoll(**last) < hours * 3600 * 1000) return false;
                if (auto r = sr.set(kLastStatusReport, std::to_string(now_ms), now); !r) return std::unexpected(r.error());
                return true;
            });
            if (due && *due)
                if (auto h = health_report(ctx))
                    ctx.notifier->notify(targets, NotifyEvent{"status.report", "wsusd status report",
                                                              "wsusd status:\n\n" + h->dump(2) + "\n", *h});
        }
    }
    report["duration_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace wsusd::admin
