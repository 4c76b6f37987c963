#include "app/server_app.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "admin/api.h"
#include "admin/maintenance_timer.h"
#include "admin/metrics.h"
#include "admin/notifier.h"
#include "admin/server_settings.h"
#include "app/airgap.h"
#include "app/data_dir_check.h"
#include "app/sync_setup.h"
#include "content/content_http.h"
#include "services/server_sync_service.h"
#include "content/content_store.h"
#include "net/http_server.h"
#include "net/router.h"
#include "net/tls_material.h"
#include "services/client_config_state.h"
#include "services/client_service.h"
#include "services/reporting_service.h"
#include "services/simple_auth_service.h"
#include "soap/http_binding.h"
#include "store/store.h"
#include "util/log.h"
#include "util/url.h"

namespace wsusd::app {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr auto kShutdownGrace = std::chrono::seconds(20);

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

// Where local tools (tests, wsusctl --data-dir) find this instance: its ports, and for the admin API whether it is
// HTTPS and which certificate to pin.
bool write_ports_file(const fs::path& dir, std::uint16_t http, std::uint16_t https, std::uint16_t admin,
                      const std::string& admin_certificate) {
    nlohmann::json j{{"http", http}, {"https", https}, {"admin", admin}, {"pid", static_cast<int>(getpid())},
                     {"admin_tls", !admin_certificate.empty()}, {"admin_certificate", admin_certificate}};
    fs::path tmp = dir / "ports.json.tmp";
    {
        std::ofstream out(tmp);
        out << j.dump(2) << "\n";
        if (!out) return false;
    }
    std::error_code ec;
    fs::rename(tmp, dir / "ports.json", ec);  // atomic: a reader never sees half a file
    return !ec;
}

}  // namespace

int serve(const config::Config& file_cfg) {
    auto log = log::app();
    // What the daemon runs with: the file, then settings stored with `wsusctl server config set` (they win).
    config::Config cfg = file_cfg;
    std::error_code ec;
    fs::create_directories(cfg.data_dir, ec);
    if (ec) {
        log->critical("cannot create data directory {}: {} (check data_dir and permissions)", cfg.data_dir.string(),
                      ec.message());
        return 1;
    }
    // The data directory holds the store, the cookie keys and the TLS key: nobody but the service user may read
    // them or change them. Tighten the directory, and refuse to run on anything others could already have changed.
    if (auto secured = secure_data_dir(cfg.data_dir, geteuid()); !secured) {
        log->critical("{}", secured.error().message);
        return 1;
    }

    unsigned workers_n = cfg.server.worker_threads ? cfg.server.worker_threads
                                                   : std::max(2u, std::thread::hardware_concurrency());
    store::StoreOptions store_options;
    store_options.readers = workers_n + 1;
    const fs::path db_file = cfg.data_dir / "wsusd.db";
    auto refuse_damaged = [&](const std::string& finding) {
        log->critical("store {} is damaged: {}. wsusd refuses to serve from it. Stop here and run `wsusd store "
                      "recover --data-dir {} --latest-backup` (or --from-backup FILE; or --reset to start empty and "
                      "resynchronize from upstream); see docs/operations.md",
                      db_file.string(), finding, cfg.data_dir.string());
        return kExitStoreCorrupt;
    };
    auto opened = store::Store::open(db_file, store_options);
    if (!opened && opened.error().code == Errc::corrupt) return refuse_damaged(opened.error().message);
    if (!opened) {
        log->critical("store {}: {} (run `wsusd store check --data-dir {}`)", (cfg.data_dir / "wsusd.db").string(),
                      opened.error().message, cfg.data_dir.string());
        return 1;
    }
    std::shared_ptr<store::Store> db = std::move(*opened);
    log->info("store {} (schema {})", db->path().string(), db->schema_version());
    if (cfg.store.startup_check != "off") {
        // Before anything reads the store: a damaged page must not turn into wrong answers to clients.
        const auto started = std::chrono::steady_clock::now();
        auto checked = cfg.store.startup_check == "full"
                           ? db->integrity_check()
                           : db->quick_check(static_cast<int>(cfg.store.check_max_findings));
        if (!checked && checked.error().code == Errc::corrupt) return refuse_damaged(checked.error().message);
        if (!checked) {
            log->critical("store {}: the {} check could not run: {} (run `wsusd store check --data-dir {}`)",
                          db_file.string(), cfg.store.startup_check, checked.error().message, cfg.data_dir.string());
            return 1;
        }
        log->info("store {}: {} check ok in {} ms", db_file.string(), cfg.store.startup_check,
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                      .count());
    }
    if (auto eff = db->with_reader([&](store::Connection& c) { return admin::overlay_config(c, file_cfg); }); !eff) {
        log->critical("{}", eff.error().message);
        return 1;
    } else {
        cfg = std::move(*eff);
    }

    // TLS material: generated on first start so that HTTPS works out of the box.
    fs::path cert = cfg.server.tls_certificate.empty() ? cfg.data_dir / "tls" / "server.crt"
                                                       : fs::path(cfg.server.tls_certificate);
    fs::path key = cfg.server.tls_private_key.empty() ? cfg.data_dir / "tls" / "server.key"
                                                      : fs::path(cfg.server.tls_private_key);
    std::shared_ptr<net::ServerTls> tls;
    if (cfg.server.https_enabled) {
        if (cfg.server.tls_certificate.empty()) {
            std::string host = cfg.server.public_host.empty() ? host_name() : cfg.server.public_host;
            auto made = net::ensure_self_signed(cert, key, host, {host, host_name()});
            if (!made) {
                log->critical("{}", made.error().message);
                return 1;
            }
            if (*made) log->info("generated a self-signed certificate {} for {}", cert.string(), host);
        }
        auto ctx = net::ServerTls::load(cert, key);
        if (!ctx) {
            log->critical("{} (set server.tls_certificate/server.tls_private_key or disable server.https_enabled)",
                          ctx.error().message);
            return 1;
        }
        tls = *ctx;
        log->info("TLS certificate {} SHA-256 {}", cert.string(), net::certificate_fingerprint(cert));
    }

    auto cookies = core::CookieCodec::load_or_create(cfg.data_dir / "keys" / "cookie.keys");
    if (!cookies) {
        log->critical("cookie keys: {} (restore the file from backup, or delete it: clients then re-authenticate)",
                      cookies.error().message);
        return 1;
    }

    auto last_change = services::client_config_last_change(*db, cfg.client, std::chrono::system_clock::now());
    if (!last_change) {
        log->critical("store: cannot record the configuration state: {}", last_change.error().message);
        return 1;
    }

    soap::ParseLimits parse_limits{cfg.limits.max_xml_depth, cfg.limits.max_array_items};
    auto client_deps = std::make_shared<services::ClientServiceDeps>();
    client_deps->config = cfg.client;
    client_deps->config_last_change = *last_change;
    client_deps->store = db;
    client_deps->planner = std::make_shared<services::ScanPlanner>(db);
    client_deps->cookies = std::make_shared<core::CookieCodec>(std::move(*cookies));
    auto client_ep = services::make_client_endpoint(client_deps, parse_limits);
    auto simple_auth_ep = services::make_simple_auth_endpoint(client_deps, parse_limits);
    // The upstream role (MS-WSUSSS) shares the cookie codec and store; the Reporting service takes rollups with it.
    std::shared_ptr<services::ServerSyncDeps> uss_deps;
    if (cfg.uss.enabled) {
        uss_deps = std::make_shared<services::ServerSyncDeps>();
        uss_deps->config = cfg.uss;
        uss_deps->cookies = client_deps->cookies;
        uss_deps->store = db;
    }
    auto reporting_ep = services::make_reporting_endpoint(client_deps, uss_deps, parse_limits);

    // Counted for /api/v1/metrics: every response of the client listener, SOAP operations and faults.
    auto metrics = std::make_shared<admin::Metrics>();
    auto counted = [&](net::Handler h) { return metrics->counted(admin::Metrics::Listener::client, std::move(h)); };
    net::Router router;
    soap::BindingOptions client_binding;
    client_binding.public_host = cfg.server.public_host;
    router.add("/ClientWebService/client.asmx", counted(soap::make_soap_handler(*client_ep, client_binding)));
    soap::BindingOptions asmx_binding = client_binding;
    asmx_binding.cache_control = "private, max-age=0";
    router.add("/SimpleAuthWebService/SimpleAuth.asmx", counted(soap::make_soap_handler(*simple_auth_ep, asmx_binding)));
    soap::BindingOptions reporting_binding = asmx_binding;
    reporting_binding.compressible = false;  // MS-WUSP compresses only the Client and SimpleAuth services
    router.add("/ReportingWebService/ReportingWebService.asmx", counted(soap::make_soap_handler(*reporting_ep, reporting_binding)));
    // The upstream role (MS-WSUSSS): downstream WSUS and wsusd servers synchronize from these two services.
    std::unique_ptr<soap::Endpoint> dss_auth_ep, server_sync_ep;
    if (cfg.uss.enabled) {
        dss_auth_ep = services::make_dss_auth_endpoint(uss_deps, parse_limits);
        server_sync_ep = services::make_server_sync_endpoint(uss_deps, parse_limits);
        soap::BindingOptions uss_binding = asmx_binding;
        uss_binding.vary_accept_encoding = false;  // server-to-server traffic is not compressed by real WSUS
        uss_binding.compressible = false;
        router.add("/DssAuthWebService/DssAuthWebService.asmx", soap::make_soap_handler(*dss_auth_ep, uss_binding));
        router.add("/ServerSyncWebService/ServerSyncWebService.asmx", soap::make_soap_handler(*server_sync_ep, uss_binding));
    }
    // Update files (MS-WUSP §2.2.2.5): GET/HEAD with ranges, streamed from the verified content store.
    auto content = content::ContentStore::open(cfg.content_root());
    if (!content) {
        log->critical("{} (content.root)", content.error().message);
        return 1;
    }
    log->info("content {}", (*content)->root().string());
    auto content_lookups = std::make_shared<content::LookupCache>(
        cfg.content.lookup_cache_entries, std::chrono::seconds(cfg.content.lookup_cache_seconds));
    router.add_prefix("/Content/", content::make_content_handler(*content, content::store_lookup(db), content_lookups),
                      content::make_content_quick_handler(*content, content_lookups));
    router.add_prefix("/selfupdate/", content::make_selfupdate_handler());

    net::Router admin_router;
    admin_router.add("/health", [](const net::HttpRequest&) {
        net::HttpResponse r;
        r.content_type = "application/json";
        r.body = nlohmann::json{{"status", "ok"}, {"version", WSUSD_VERSION}}.dump() + "\n";
        return r;
    });
    // The downstream role: the sync timer thread, and /sync on the admin listener (see app/sync_setup.h).
    std::atomic<admin::MaintenanceTimer*> maintenance_after_sync{nullptr};  // set once the timer exists
    auto scheduler = make_sync_scheduler(cfg, db, *content, [&maintenance_after_sync] {
        if (auto* m = maintenance_after_sync.load()) m->trigger();
    });
    if (!scheduler) {
        log->critical("{}", scheduler.error().message);
        return 1;
    }
    add_sync_routes(admin_router, db, scheduler->get());
    auto admin_ctx = std::make_shared<admin::AdminContext>();
    if (sync::SyncScheduler* s = scheduler->get()) {
        admin_ctx->start_sync = [s]() -> Result<void> {
            if (s->trigger("admin") == sync::SyncScheduler::Trigger::already_running)
                return fail(Errc::conflict, "a synchronization is already running");
            return {};
        };
        admin_ctx->start_rollup = [s, enabled = cfg.sync.rollup]() -> Result<void> {
            if (!enabled) return fail(Errc::conflict, "report rollup is off on this server (sync.rollup = false)");
            if (s->trigger("admin rollup", sync::SyncScheduler::Kind::rollup) ==
                sync::SyncScheduler::Trigger::already_running)
                return fail(Errc::conflict, "a synchronization or rollup is already running");
            return {};
        };
        admin_ctx->sync_progress = [s] { return live_sync_json(*s); };
    }
    admin_ctx->db = db;
    admin_ctx->replica = cfg.sync.replica;
    admin_ctx->client_targeting = cfg.client.targeting == "client";
    admin_ctx->max_page = cfg.admin.max_page;
    admin_ctx->content = *content;
    admin_ctx->data_dir = cfg.data_dir;
    admin_ctx->backup_dir = cfg.backup_dir();
    admin_ctx->file_config = file_cfg;
    admin_ctx->max_per_run = cfg.admin.maintenance_max_per_run;
    admin_ctx->metrics = metrics;
    admin::NotifierOptions notify_options;
    notify_options.max_attempts = static_cast<int>(cfg.admin.notify_max_attempts);
    notify_options.retry_delay = std::chrono::seconds(cfg.admin.notify_retry_seconds);
    notify_options.timeout_seconds = static_cast<long>(cfg.admin.notify_timeout_seconds);
    admin_ctx->notifier = std::make_shared<admin::Notifier>(notify_options, metrics.get());
    {
        // Runs on the admin listener's thread for as long as the bundle takes (docs/airgap.md).
        auto shared_cfg = std::make_shared<const config::Config>(cfg);
        std::shared_ptr<content::ContentStore> cs = *content;
        admin_ctx->airgap_export = [shared_cfg, db, cs](const nlohmann::json& req) {
            return airgap_export(*shared_cfg, *db, cs.get(), req);
        };
        admin_ctx->airgap_import = [shared_cfg, db, cs](const nlohmann::json& req) {
            return airgap_import(*shared_cfg, *db, cs.get(), req);
        };
    }
    admin::register_api(admin_router, admin_ctx);
    // Policies, cleanup and notifications on their own timer thread: never on the sync's or a request's path.
    admin::MaintenanceTimer maintenance(admin_ctx, std::chrono::seconds(cfg.admin.maintenance_interval_seconds),
                                        std::chrono::seconds(std::min(10u, cfg.admin.maintenance_interval_seconds)));

    asio::io_context ioc(static_cast<int>(cfg.server.io_threads));
    asio::thread_pool workers(workers_n);
    net::ServerLimits limits;
    limits.max_body_bytes = cfg.limits.max_body_bytes;
    limits.max_header_bytes = cfg.limits.max_header_bytes;
    limits.read_timeout_seconds = cfg.limits.read_timeout_seconds;
    limits.idle_timeout_seconds = cfg.limits.idle_timeout_seconds;
    limits.header_timeout_seconds = cfg.limits.header_timeout_seconds;
    limits.max_connections = cfg.limits.max_connections;
    // The admin listener is loopback-only and authenticated: per-client limits apply to the client listeners only.
    net::HttpServer admin(ioc, workers, admin_router, limits);
    net::ClientLimitOptions client_limits;
    client_limits.requests_per_second = cfg.limits.client_requests_per_second;
    client_limits.request_burst = cfg.limits.client_request_burst;
    client_limits.max_connections = cfg.limits.client_max_connections;
    client_limits.exempt = cfg.limits.client_limit_exempt;
    if (client_limits.requests_per_second || client_limits.max_connections) {
        auto limiter = net::ClientLimiter::create(client_limits);
        if (!limiter) {
            log->critical("{}", limiter.error().message);
            return 1;
        }
        limits.client_limiter = *limiter;
    }
    net::HttpServer server(ioc, workers, router, limits);

    auto http_port = server.listen(cfg.server.bind, cfg.server.http_port, nullptr);
    if (!http_port) {
        log->critical("HTTP: {} (server.http_port)", http_port.error().message);
        return 1;
    }
    std::uint16_t https_port = 0;
    if (tls) {
        auto p = server.listen(cfg.server.bind, cfg.server.https_port, tls);
        if (!p) {
            log->critical("HTTPS: {} (server.https_port)", p.error().message);
            return 1;
        }
        https_port = *p;
    }
    std::uint16_t admin_port = 0;
    if (cfg.admin.enabled) {
        // HTTPS with the server's certificate (wsusctl pins it), unless TLS is off for the whole server.
        auto p = admin.listen(cfg.admin.bind, cfg.admin.port, cfg.admin.tls ? tls : nullptr);
        if (!p) {
            log->critical("admin API: {} (admin.port)", p.error().message);
            return 1;
        }
        admin_port = *p;
    }
    const bool admin_tls = cfg.admin.enabled && cfg.admin.tls && tls;
    if (!write_ports_file(cfg.data_dir, *http_port, https_port, admin_port,
                          admin_tls ? fs::absolute(cert).string() : std::string()))
        log->warn("cannot write {}/ports.json; tests and scripts that read it will not find the ports",
                  cfg.data_dir.string());
    log->info("wsusd {} serving: HTTP {}:{}, HTTPS {}:{}, admin {}:{}, data {}", WSUSD_VERSION, cfg.server.bind,
              *http_port, cfg.server.bind, https_port, cfg.admin.bind, admin_port, cfg.data_dir.string());

    // SIGHUP: a renewed certificate (e.g. by certbot's deploy hook) goes live for new connections; connections
    // already open keep theirs, and a broken pair of files leaves the current one in place.
    asio::signal_set hangup(ioc, SIGHUP);
    std::function<void()> await_hangup = [&] {
        hangup.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            if (!tls) {
                log->info("SIGHUP: HTTPS is off (server.https_enabled); nothing to reload");
            } else if (auto fp = tls->reload(); !fp) {
                log->error("SIGHUP: keeping the current TLS certificate: {} (fix the files and send SIGHUP again)",
                           fp.error().message);
            } else {
                log->info("SIGHUP: TLS certificate {} reloaded, SHA-256 {}; new connections use it",
                          tls->certificate().string(), *fp);
            }
            await_hangup();
        });
    };
    await_hangup();
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    asio::steady_timer deadline(ioc);
    asio::steady_timer poll(ioc);
    std::function<void()> check_drained = [&] {
        if (server.active_connections() == 0 && admin.active_connections() == 0) {
            deadline.cancel();
            return;
        }
        poll.expires_after(std::chrono::milliseconds(50));
        poll.async_wait([&](boost::system::error_code ec) {
            if (!ec) check_drained();
        });
    };
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        log->info("signal {}: stopping; finishing requests in progress", sig);
        hangup.cancel();
        sd_notify(0, "STOPPING=1");
        server.begin_shutdown();
        admin.begin_shutdown();
        // Requests still running after the grace period are abandoned.
        deadline.expires_after(kShutdownGrace);
        deadline.async_wait([&](boost::system::error_code ec) {
            if (!ec) {
                log->warn("shutdown grace period over; closing remaining connections");
                ioc.stop();
            }
        });
        // The io_context ends by itself once every connection is closed and the deadline is cancelled.
        check_drained();
    });
    if (*scheduler) {
        (*scheduler)->start();
        log->info("synchronizing from {} ({})", util::redact_url(cfg.sync.upstream_url), cfg.sync.replica ? "replica" : "autonomous");
    }
    maintenance.start();
    maintenance_after_sync = &maintenance;
    sd_notify(0, "READY=1");

    std::vector<std::thread> io_threads;
    for (unsigned i = 1; i < cfg.server.io_threads; ++i) io_threads.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : io_threads) t.join();
    workers.join();
    // A sync in progress stops at its next checkpoint; what it committed stays, the next one resumes.
    if (*scheduler) (*scheduler)->stop();
    maintenance_after_sync = nullptr;
    maintenance.stop();
    // Endpoints and handlers are gone; closing the store last checkpoints the WAL.
    client_deps.reset();
    admin_ctx.reset();
    db.reset();
    log->info("stopped cleanly");
    return 0;
}

}  // namespace wsusd::app
