#include "app/sync_setup.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "admin/token.h"
#include "content/content_store.h"
#include "store/admin_repo.h"
#include "store/store.h"
#include "store/sync_repo.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::app {

namespace {

namespace fs = std::filesystem;

sync::ContentMode content_mode(const std::string& s) {
    if (s == "none") return sync::ContentMode::none;
    if (s == "microsoft") return sync::ContentMode::microsoft;
    return sync::ContentMode::upstream;
}

sync::SyncOptions sync_options(const config::SyncConfig& s, const config::ContentConfig& content) {
    sync::SyncOptions o;
    o.parallel_downloads = content.parallel_downloads;
    o.max_bandwidth = content.max_bandwidth;
    o.upstream_url = s.upstream_url;
    o.replica = s.replica;
    o.account_name = s.account_name;
    o.account_guid = s.account_guid;
    o.products = s.products;
    o.classifications = s.classifications;
    o.languages = s.languages;
    o.drivers = s.drivers;
    o.content = content_mode(s.content);
    o.content_approved_only = s.content_approved_only;
    o.max_updates_per_request = s.max_updates_per_request;
    o.rollup = s.rollup;
    o.rollup_max_per_request = s.rollup_max_per_request;
    return o;
}

Result<sync::HttpOptions> http_options(const config::SyncConfig& s) {
    sync::HttpOptions h;
    h.proxy = s.proxy;
    h.proxy_user = s.proxy_user;
    h.proxy_auth = s.proxy_auth;
    h.ca_file = s.ca_file;
    h.verify_tls = s.verify_tls;
    h.connect_timeout_seconds = s.connect_timeout_seconds;
    h.request_timeout_seconds = s.request_timeout_seconds;
    h.max_response_bytes = s.max_response_bytes;
    if (!s.proxy_password_file.empty()) {
        std::ifstream in(s.proxy_password_file);
        if (!in)
            return fail(Errc::invalid_argument,
                        "sync.proxy_password_file: cannot read " + s.proxy_password_file + " (exists? readable by wsusd?)");
        std::getline(in, h.proxy_password);
    }
    if (!s.ca_file.empty() && !fs::exists(s.ca_file))
        return fail(Errc::invalid_argument, "sync.ca_file: " + s.ca_file + " does not exist");
    return h;
}

sync::RetryPolicy retry_policy(const config::SyncConfig& s) {
    return sync::RetryPolicy{s.retries, std::chrono::seconds(s.retry_base_seconds),
                             std::chrono::seconds(s.retry_max_seconds)};
}

// Everything one run needs, built per run so a run never shares a transport with another.
sync::SyncOutcome run_once(const config::Config& cfg, const sync::HttpOptions& http_opts, store::Store& db,
                           content::ContentStore* content, const std::string& by, sync::SyncScheduler::Kind kind,
                           sync::ProgressBoard* progress, const std::atomic<bool>& cancel) {
    auto http = sync::make_curl_transport(http_opts, &cancel);
    sync::SyncDeps deps;
    deps.store = &db;
    deps.content = content;
    deps.http = http.get();
    deps.retry = retry_policy(cfg.sync);
    deps.sleep = sync::real_sleeper(&cancel);
    deps.cancel = &cancel;
    auto options = sync_options(cfg.sync, cfg.content);
    options.rollup_only = kind == sync::SyncScheduler::Kind::rollup;
    return sync::run_sync(deps, options, by, progress);
}

// The run in progress (phase, counts, content transfer) and the next scheduled starts.
nlohmann::json scheduler_json(const sync::SyncScheduler::Status& s) {
    nlohmann::json j{{"running", s.running}, {"phase", sync::phase_name(s.progress.phase)}};
    if (s.running) {
        j["run_id"] = s.progress.run_id;
        j["done"] = s.progress.done;
        j["total"] = s.progress.total;
        j["started_by"] = s.progress.started_by;
        if (s.progress.content) j["content"] = content_progress_json(*s.progress.content);
    }
    if (s.next_start) j["next_start"] = util::format_datetime(*s.next_start, 0);
    if (s.next_rollup) j["next_rollup"] = util::format_datetime(*s.next_rollup, 0);
    return j;
}

nlohmann::json status_json(const sync::SyncScheduler::Status& s, store::Store& db) {
    nlohmann::json j = scheduler_json(s);
    auto recent = db.with_reader([](store::Connection& c) { return store::SyncRepo(c).recent_runs(1); });
    if (recent && !recent->empty()) {
        const auto& r = recent->front();
        static const char* names[] = {"running", "succeeded", "failed", "cancelled"};
        j["last"] = {{"id", r.id},
                     {"result", names[static_cast<int>(r.result)]},
                     {"started_at", util::format_datetime(r.started_at, 3)},
                     {"new", r.counts.new_updates},
                     {"revised", r.counts.revised},
                     {"expired", r.counts.expired},
                     {"declined", r.counts.declined},
                     {"error", r.error},
                     {"details", nlohmann::json::parse(r.details, nullptr, false)}};
    }
    return j;
}

net::HttpResponse json_response(unsigned status, const nlohmann::json& j) {
    net::HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = j.dump() + "\n";
    return r;
}

}  // namespace

nlohmann::json content_progress_json(const sync::ContentProgress& c) {
    return {{"files_done", c.files_done},   {"files_total", c.files_total}, {"files_failed", c.files_failed},
            {"bytes_done", c.bytes_done},   {"bytes_total", c.bytes_total}, {"bytes_per_second", c.bytes_per_second},
            {"active", c.active}};
}

nlohmann::json live_sync_json(const sync::SyncScheduler& scheduler) { return scheduler_json(scheduler.status()); }

Result<std::unique_ptr<sync::SyncScheduler>> make_sync_scheduler(const config::Config& cfg,
                                                                 std::shared_ptr<store::Store> db,
                                                                 std::shared_ptr<content::ContentStore> content,
                                                                 std::function<void()> after_run) {
    if (cfg.sync.upstream_url.empty()) return std::unique_ptr<sync::SyncScheduler>();
    auto http = http_options(cfg.sync);
    if (!http) return std::unexpected(http.error());
    // A run the previous process did not finish (killed) is recorded as failed; its committed batches stay.
    (void)db->with_writer([](store::Connection& c) {
        return store::SyncRepo(c).interrupt_running_runs(
            "interrupted: wsusd stopped during the sync; the next sync resumes from the last committed batch",
            std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    });
    auto schedule = sync::make_schedule(cfg.sync.schedule, cfg.sync.interval_minutes, cfg.sync.jitter_minutes);
    if (cfg.sync.rollup) schedule.rollup_every = std::chrono::minutes(cfg.sync.rollup_interval_minutes);
    auto run = [cfg, http = *http, db, content, after_run](const std::string& by, sync::SyncScheduler::Kind kind,
                                                           sync::ProgressBoard& progress,
                                                           const std::atomic<bool>& cancel) {
        auto outcome = run_once(cfg, http, *db, content.get(), by, kind, &progress, cancel);
        if (after_run) after_run();
        return outcome;
    };
    return std::make_unique<sync::SyncScheduler>(schedule, run);
}

void add_sync_routes(net::Router& router, std::shared_ptr<store::Store> db, sync::SyncScheduler* scheduler) {
    auto handler = [db, scheduler](const net::HttpRequest& req) -> net::HttpResponse {
        auto log = log::sync();
        std::string_view auth = req.header("Authorization");
        if (!auth.starts_with("Bearer ") || auth.size() <= 7)
            return json_response(401, {{"error", "authentication required: Authorization: Bearer <admin token>"}});
        const std::string hash = admin::token_hash(auth.substr(7));
        auto who = db->with_reader([&](store::Connection& c) { return store::AdminRepo(c).token_name(hash); });
        if (!who) return json_response(401, {{"error", "invalid token"}});
        if (!scheduler)
            return json_response(409, {{"error", "this server does not synchronize: set sync.upstream_url"}});
        if (req.method == "GET" && req.path == "/sync") return json_response(200, status_json(scheduler->status(), *db));
        if (req.method == "POST" && req.path == "/sync") {
            auto t = scheduler->trigger("manual");
            log->info("[{}] sync requested by {} from {}: {}", req.request_id, *who, req.peer,
                      t == sync::SyncScheduler::Trigger::started ? "started" : "one is already running");
            auto j = status_json(scheduler->status(), *db);
            j["accepted"] = t == sync::SyncScheduler::Trigger::started;
            return json_response(t == sync::SyncScheduler::Trigger::started ? 202 : 409, j);
        }
        if (req.method == "POST" && req.path == "/sync/cancel") {
            bool c = scheduler->cancel();
            log->info("[{}] sync cancel by {}: {}", req.request_id, *who, c ? "cancelling" : "none running");
            return json_response(c ? 202 : 409, {{"cancelled", c}});
        }
        return json_response(405, {{"error", "use GET /sync, POST /sync or POST /sync/cancel"}});
    };
    router.add("/sync", handler);
    router.add("/sync/cancel", handler);
}

namespace {

struct Daemon {
    std::string url;
    std::string certificate;
};

// The daemon of this data directory, if one runs: ports.json names its pid and admin port.
std::optional<Daemon> running_daemon(const fs::path& data_dir) {
    std::ifstream in(data_dir / "ports.json");
    if (!in) return std::nullopt;
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.contains("pid") || j.value("admin", 0) == 0) return std::nullopt;
    if (kill(j["pid"].get<int>(), 0) != 0) return std::nullopt;
    const bool tls = j.value("admin_tls", false);
    return Daemon{std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(j["admin"].get<int>()),
                  tls ? j.value("admin_certificate", "") : ""};
}

std::size_t collect(char* d, std::size_t s, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(d, s * n);
    return s * n;
}

Result<std::pair<long, nlohmann::json>> admin_call(const Daemon& d, const std::string& token, const char* method,
                                                   const std::string& path) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    std::string body, url = d.url + path, auth = "Authorization: Bearer " + token;
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(curl_slist_append(nullptr, auth.c_str()),
                                                               curl_slist_free_all);
    curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h.get(), CURLOPT_PROXY, "");
    if (!d.certificate.empty()) {
        // Loopback to our own daemon: its self-signed certificate is the trust anchor; the name is 127.0.0.1.
        curl_easy_setopt(h.get(), CURLOPT_CAINFO, d.certificate.c_str());
        curl_easy_setopt(h.get(), CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(h.get());
    if (rc != CURLE_OK) return fail(Errc::io, std::string("admin listener ") + d.url + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
    return std::pair{status, nlohmann::json::parse(body, nullptr, false)};
}

void print_outcome(const sync::SyncOutcome& o) {
    static const char* names[] = {"running", "succeeded", "failed", "cancelled"};
    std::cout << "sync " << o.run_id << " " << names[static_cast<int>(o.result)] << ": " << o.counts.new_updates
              << " new, " << o.counts.revised << " revised, " << o.counts.expired << " expired, " << o.counts.declined
              << " declined" << (o.error.empty() ? "" : "; " + o.error) << "\n";
}

}  // namespace

int sync_now(const config::Config& cfg, bool wait) {
    if (auto d = running_daemon(cfg.data_dir)) {
        // A short-lived token of our own (we can write the store: we are root or the service user).
        std::string token = admin::generate_token();
        const std::string name = "sync-now-" + std::to_string(getpid());
        auto opened = store::Store::open(cfg.data_dir / "wsusd.db");
        if (!opened) {
            std::cerr << "wsusd sync now: store: " << opened.error().message << "\n";
            return 1;
        }
        std::shared_ptr<store::Store> db = std::move(*opened);
        auto now = [] { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); };
        if (auto t = db->with_writer([&](store::Connection& c) {
                return store::AdminRepo(c).create_token(name, admin::token_hash(token), now());
            });
            !t) {
            std::cerr << "wsusd sync now: " << t.error().message << "\n";
            return 1;
        }
        struct Revoke {
            std::shared_ptr<store::Store> db;
            std::string name;
            ~Revoke() { (void)db->with_writer([&](store::Connection& c) { return store::AdminRepo(c).revoke_token(name); }); }
        } revoke{db, name};
        auto r = admin_call(*d, token, "POST", "/sync");
        if (!r) {
            std::cerr << "wsusd sync now: " << r.error().message << "\n";
            return 1;
        }
        if (r->first == 409 && r->second.value("accepted", true) == false)
            std::cout << "a sync is already running; waiting for it\n";
        else if (r->first != 202) {
            std::cerr << "wsusd sync now: the daemon answered " << r->first << ": " << r->second.dump() << "\n";
            return 1;
        } else
            std::cout << "sync started by the running wsusd\n";
        if (!wait) return 0;
        for (;;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            auto s = admin_call(*d, token, "GET", "/sync");
            if (!s) {
                std::cerr << "wsusd sync now: " << s.error().message << "\n";
                return 1;
            }
            if (!s->second.value("running", false)) {
                const auto& last = s->second["last"];
                std::cout << last.dump() << "\n";
                return last.value("result", "") == "succeeded" ? 0 : 1;
            }
        }
    }
    if (cfg.sync.upstream_url.empty()) {
        std::cerr << "wsusd sync now: sync.upstream_url is not set\n";
        return 2;
    }
    auto http = http_options(cfg.sync);
    if (!http) {
        std::cerr << "wsusd sync now: " << http.error().message << "\n";
        return 2;
    }
    std::error_code ec;
    fs::create_directories(cfg.data_dir, ec);
    auto opened = store::Store::open(cfg.data_dir / "wsusd.db");
    if (!opened) {
        std::cerr << "wsusd sync now: store: " << opened.error().message << "\n";
        return 1;
    }
    auto content = content::ContentStore::open(cfg.content_root());
    if (!content) {
        std::cerr << "wsusd sync now: " << content.error().message << " (content.root)\n";
        return 1;
    }
    (void)(*opened)->with_writer([](store::Connection& c) {
        return store::SyncRepo(c).interrupt_running_runs(
            "interrupted: the sync process stopped; the next sync resumes from the last committed batch",
            std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    });
    // Ctrl-C cancels at the next checkpoint instead of killing mid-write (a kill is safe too, only slower to resume).
    static std::atomic<bool> cancel{false};
    std::signal(SIGINT, [](int) { cancel = true; });
    std::signal(SIGTERM, [](int) { cancel = true; });
    auto outcome = run_once(cfg, *http, **opened, content->get(), "cli", sync::SyncScheduler::Kind::sync, nullptr, cancel);
    print_outcome(outcome);
    return outcome.result == store::SyncResult::succeeded ? 0 : 1;
}

nlohmann::json sync_runs_json(const std::vector<store::SyncRun>& runs) {
    static const char* names[] = {"running", "succeeded", "failed", "cancelled"};
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : runs)
        out.push_back({{"id", r.id},
                       {"started_at", util::format_datetime(r.started_at, 3)},
                       {"finished_at", r.finished_at ? util::format_datetime(*r.finished_at, 3) : ""},
                       {"result", names[static_cast<int>(r.result)]},
                       {"started_by", r.started_by},
                       {"upstream", r.upstream},
                       {"new", r.counts.new_updates},
                       {"revised", r.counts.revised},
                       {"expired", r.counts.expired},
                       {"declined", r.counts.declined},
                       {"error", r.error},
                       {"details", nlohmann::json::parse(r.details, nullptr, false)}});
    return out;
}

int sync_history(const config::Config& cfg, int limit) {
    auto opened = store::Store::open(cfg.data_dir / "wsusd.db");
    if (!opened) {
        std::cerr << "wsusd sync history: store: " << opened.error().message << "\n";
        return 1;
    }
    auto runs = (*opened)->with_reader([&](store::Connection& c) { return store::SyncRepo(c).recent_runs(limit); });
    if (!runs) {
        std::cerr << "wsusd sync history: " << runs.error().message << "\n";
        return 1;
    }
    std::cout << sync_runs_json(*runs).dump(2) << "\n";
    return 0;
}

}  // namespace wsusd::app
