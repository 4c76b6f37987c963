// wsus-fleet: simulates a fleet of Windows Update Agent clients against a running wsusd, then (optionally)
// replays the same workload against wsus-static-server serving the very bytes wsusd sent, so that every
// figure has a same-run, same-machine baseline. See bench/README.md for the scenarios.
//
// Clients are C++20 coroutines on one io_context thread (a WUA session is a long scripted sequence, which
// reads far better as straight-line code than as a do_x/on_x chain; the daemon's sessions keep that
// shape). Each client holds one keep-alive connection for its cycle, as WUA does.
#include <utility>  // Boost 1.74's Asio uses std::exchange without including <utility>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/beast.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codec/content_coding.h"
#include "fleet/fleet_ids.h"
#include "fleet/recording.h"
#include "fleet/requests.h"
#include "fleet/responses.h"
#include "fleet/stats.h"

extern char** environ;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace wsusd::fleet;

namespace {

constexpr std::size_t kMaxResponseBytes = 256u << 20;  // decoded and on the wire
constexpr int kMaxSyncTrips = 200;                      // WUA gives up after 200 round trips (config comment)

// ------------------------------------------------------------------------------------------ options
struct Options {
    fs::path ports;     // wsusd's ports.json
    fs::path manifest;  // wsus-fleet-setup's output
    fs::path old_cookies;  // wsus-fleet-setup --cookies: registered clients' expired cookies
    fs::path captures = fs::path(WSUSD_SHARED_DIR) / "captures" / "wsus-m0-native" / "scan";
    fs::path static_server;  // run the baseline with this binary
    fs::path work_dir = fs::temp_directory_path();
    std::string label = "fleet";
    std::string host = "127.0.0.1";
    std::int64_t registered = 0;  // registered clients (ids 0..n-1 of the manifest's computers)
    std::int64_t fresh = 0;       // new clients: first contact and first scan
    std::string cycle = "daily";  // registered clients: daily | diff
    std::string arrival = "storm";
    std::string extended = "approved";
    bool loop = false;
    double duration = 10;
    double max_time = 600;
    double request_timeout = 60;
    int concurrency = 64;
    int diff_scans = 1;
    int extended_batch = 50;
    int static_threads = 0;
    bool check = false;
    bool identity = false;
    std::uint64_t seed = 1;
    std::uint32_t run_id = 0;
    fs::path json_out;
};

// ------------------------------------------------------------------------------------------ manifest
struct Expect {
    std::set<int> approved, software, drivers;
};

struct Manifest {
    int groups = 0;
    std::int64_t computers = 0;
    std::vector<std::string> devices;
    std::map<std::string, Expect> expected;
};

Manifest load_manifest(const fs::path& p) {
    std::ifstream in(p);
    if (!in) throw std::runtime_error("cannot read manifest " + p.string());
    json j = json::parse(in);
    Manifest m;
    m.groups = j.at("groups");
    m.computers = j.at("computers");
    m.devices = j.at("devices").get<std::vector<std::string>>();
    for (const auto& [key, e] : j.at("expected").items())
        m.expected[key] = {e.at("approved").get<std::set<int>>(), e.at("software").get<std::set<int>>(),
                           e.at("drivers").get<std::set<int>>()};
    return m;
}

// ------------------------------------------------------------------------------------------ clients
/// What a client holds after its scans. Clones of an up-to-date client share one until a scan changes it.
struct Cache {
    std::set<int> installed, other, drivers;
    std::string cached_xml, installed_xml, drivers_xml;  // request fragments, rebuilt on change
    void refresh() {
        std::vector<int> i(installed.begin(), installed.end()), o(other.begin(), other.end()),
            d(drivers.begin(), drivers.end());
        installed_xml = int_array("InstalledNonLeafUpdateIDs", i);
        cached_xml = installed_xml + int_array("OtherCachedUpdateIDs", o);
        drivers_xml = int_array("CachedDriverIDs", d);
    }
};

struct Client {
    std::string id, dns;
    std::string group;  // manifest key of its targeting
    bool registered = false;
    std::string cookie_exp, cookie_data;
    std::string old_cookie;  // yesterday's expired cookie (wsus-fleet-setup --cookies), until this run has one
    std::shared_ptr<const Cache> cache = std::make_shared<Cache>();
};

enum class JobKind { first_scan, daily, diff };

struct Job {
    std::size_t client = 0;
    JobKind kind = JobKind::daily;
    double start = 0;  // seconds after the phase starts
};

struct Target {
    tcp::endpoint endpoint;
    std::string host_header;
    pid_t pid = 0;
};

// ------------------------------------------------------------------------------------------ one phase
struct Run {
    Run(const Options& o, const Requests& r, const Manifest& m, asio::io_context& i, Target t, std::vector<Client>& c)
        : opt(o), requests(r), manifest(m), io(i), target(std::move(t)), clients(c) {}

    const Options& opt;
    const Requests& requests;
    const Manifest& manifest;
    asio::io_context& io;
    Target target;
    std::vector<Client>& clients;
    Recording* recording = nullptr;  // set: keep the first response of every key
    bool checks = false;
    Clock::time_point start, deadline, loop_end;
    PhaseStats stats;
    std::vector<std::string> failures;  // correctness
    std::uint64_t check_failures = 0, jobs_done = 0, jobs_failed = 0, jobs_cut = 0, jobs_unstarted = 0;
    std::map<std::string, std::shared_ptr<const Cache>> templates;  // group → cache after a first scan

    void failed_check(std::string what) {
        ++check_failures;
        if (failures.size() < 20) failures.push_back(std::move(what));
    }
    bool past_deadline() const { return Clock::now() >= deadline; }
};

struct Reply {
    bool ok = false;
    std::string body;  // decoded
    std::uint64_t wire = 0;
    double seconds = 0;
};

/// One keep-alive HTTP connection of one client.
class Conn {
  public:
    explicit Conn(Run& run) : run_(run), stream_(run.io) {}

    /// POSTs a SOAP body. Counts the request in the phase's stats under `op` (latency on success; error
    /// kind otherwise) and returns the decoded body of a 200 answer.
    asio::awaitable<Reply> call(const std::string& op, const char* path, const std::string& action, std::string body,
                                const std::string& key) {
        Reply out;
        beast::error_code ec;
        auto limit = [&] {
            auto t = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(run_.opt.request_timeout));
            stream_.expires_at(std::min(t, run_.deadline));
        };
        if (!open_) {
            limit();
            co_await stream_.async_connect(run_.target.endpoint, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                note_error(op, "connect: " + ec.message());
                co_return out;
            }
            stream_.socket().set_option(tcp::no_delay(true), ec);
            open_ = true;
        }
        http::request<http::string_body> req{http::verb::post, path, 11};
        req.set(http::field::cache_control, "no-cache");
        req.set(http::field::connection, "Keep-Alive");
        req.set(http::field::pragma, "no-cache");
        req.set(http::field::content_type, "text/xml; charset=utf-8");
        req.set(http::field::accept_encoding, run_.opt.identity ? "identity" : "xpress");
        req.set(http::field::user_agent, "Windows-Update-Agent/1507.2601.30012.0 Client-Protocol/2.90");
        req.set("SOAPAction", "\"" + action + "\"");
        req.set(http::field::host, run_.target.host_header);
        req.set(kBenchKeyHeader, key);
        req.body() = std::move(body);
        req.prepare_payload();
        std::uint64_t sent = req.body().size();

        auto t0 = Clock::now();
        limit();
        co_await http::async_write(stream_, req, asio::redirect_error(asio::use_awaitable, ec));
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxResponseBytes);
        if (!ec) co_await http::async_read(stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
        out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (ec) {
            close();
            note_error(op, ec == beast::error::timeout ? "timeout" : "io: " + ec.message());
            co_return out;
        }
        auto res = parser.release();
        if (!res.keep_alive()) close();
        out.wire = res.body().size();
        std::string encoding(res[http::field::content_encoding]);
        if (run_.recording && !run_.recording->count(key) && res.result() == http::status::ok)
            run_.recording->emplace(key, Recorded{std::string(res[http::field::content_type]), encoding, res.body()});
        if (!encoding.empty() && encoding != "identity") {
            auto coding = wsusd::codec::parse_coding(encoding);
            auto decoded = coding ? wsusd::codec::decode(*coding, res.body(), kMaxResponseBytes)
                                  : wsusd::Result<std::string>(std::unexpect, wsusd::Error{});
            if (!decoded) {
                note_error(op, "decode " + encoding);
                co_return out;
            }
            out.body = std::move(*decoded);
        } else {
            out.body = std::move(res.body());
        }
        if (res.result() != http::status::ok) {
            std::string kind = "http " + std::to_string(res.result_int());
            if (res.result() == http::status::internal_server_error) {
                // A SOAP fault: name it by its MS-WUSP ErrorCode.
                std::string copy = out.body;
                auto parsed = parse_register(copy);
                if (!parsed) kind = "fault " + parsed.error().message;
            }
            note_error(op, kind);
            co_return out;
        }
        run_.stats.ok(op, static_cast<std::uint32_t>(out.seconds * 1e6), sent, out.wire, out.body.size());
        out.ok = true;
        co_return out;
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream_.close();
        open_ = false;
    }

  private:
    void note_error(const std::string& op, const std::string& kind) {
        // Requests cut short by the phase's time bound are not server errors.
        if (run_.past_deadline()) return;
        run_.stats.error(op, kind);
    }

    Run& run_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    bool open_ = false;
};

std::string action(const char* name) { return std::string(kClientAction) + name; }

// Parses a reply; a parse failure is an error of the operation.
template <class T, class F>
std::optional<T> parsed(Run& run, const std::string& op, Reply& r, F parse) {
    auto v = parse(r.body);
    if (!v) {
        if (!run.past_deadline()) run.stats.error(op, "answer: " + v.error().message);
        return std::nullopt;
    }
    return std::move(*v);
}

// GetConfig, GetAuthorizationCookie, GetCookie: a fresh client cookie.
asio::awaitable<bool> handshake(Run& run, Conn& conn, Client& c, FirstScan* fs) {
    auto r = co_await conn.call("GetConfig", kClientPath, action("GetConfig"), run.requests.get_config(), "GetConfig");
    if (fs) fs->all_wire_bytes += r.wire;
    if (!r.ok) co_return false;
    auto last_change = parsed<std::string>(run, "GetConfig", r, parse_get_config);
    if (!last_change) co_return false;
    r = co_await conn.call("GetAuthorizationCookie", kSimpleAuthPath, kSimpleAuthAction,
                           run.requests.get_authorization_cookie(c.id, c.dns), "GetAuthorizationCookie");
    if (fs) fs->all_wire_bytes += r.wire;
    if (!r.ok) co_return false;
    auto auth = parsed<std::string>(run, "GetAuthorizationCookie", r, parse_authorization_cookie);
    if (!auth) co_return false;
    // The agent names the cookie it holds (expired, or none on first contact) so that the server can keep its state.
    const std::string& held = c.cookie_data.empty() ? c.old_cookie : c.cookie_data;
    r = co_await conn.call("GetCookie", kClientPath, action("GetCookie"),
                           run.requests.get_cookie(*auth, *last_change, held), "GetCookie");
    if (fs) fs->all_wire_bytes += r.wire;
    if (!r.ok) co_return false;
    auto cookie = parsed<CookieReply>(run, "GetCookie", r, parse_get_cookie);
    if (!cookie) co_return false;
    c.cookie_exp = cookie->expiration;
    c.cookie_data = cookie->encrypted_data;
    co_return true;
}

asio::awaitable<bool> register_computer(Run& run, Conn& conn, Client& c, FirstScan* fs) {
    auto r = co_await conn.call("RegisterComputer", kClientPath, action("RegisterComputer"),
                                run.requests.register_computer(cookie_xml(c.cookie_exp, c.cookie_data), c.dns),
                                "RegisterComputer");
    if (fs) fs->all_wire_bytes += r.wire;
    if (!r.ok) co_return false;
    if (!parsed<bool>(run, "RegisterComputer", r, [](std::string& b) -> wsusd::Result<bool> {
            auto v = parse_register(b);
            if (!v) return std::unexpected(v.error());
            return true;
        }))
        co_return false;
    c.registered = true;
    co_return true;
}

/// What one scan (both passes) offered and withdrew.
struct ScanOutcome {
    std::map<int, Action> software, drivers;  // NewUpdates
    std::vector<int> out_of_scope;
    std::size_t changed = 0;
    bool driver_pass = false;
};

// Software pass, then the driver pass unless the server says it is not needed. `stage` names the step in
// the recording keys and the operation names ("first" or "diff"/"daily").
asio::awaitable<bool> scan(Run& run, Conn& conn, Client& c, const std::string& stage, const std::string& op_suffix,
                           ScanOutcome& out, FirstScan* fs) {
    // Clones share one cache: copy it only when this scan changes it (most differential scans do not).
    std::shared_ptr<Cache> mine;
    auto cache = [&]() -> const Cache& { return mine ? *mine : *c.cache; };
    auto writable = [&]() -> Cache& {
        if (!mine) mine = std::make_shared<Cache>(*c.cache);
        return *mine;
    };
    bool driver_sync_not_needed = false;
    std::string op = "SyncUpdates (" + op_suffix + ", software)";
    for (int page = 0;; ++page) {
        if (page >= kMaxSyncTrips) {
            run.stats.error(op, "no convergence in 200 trips");
            co_return false;
        }
        auto r = co_await conn.call(op, kClientPath, action("SyncUpdates"),
                                    run.requests.sync_software(cookie_xml(c.cookie_exp, c.cookie_data), cache().cached_xml),
                                    "SyncUpdates|" + c.group + "|" + stage + "|p" + std::to_string(page));
        if (fs) {
            ++fs->sync_trips;
            ++fs->software_trips;
            fs->sync_wire_bytes += r.wire;
            fs->sync_decoded_bytes += r.body.size();
            fs->all_wire_bytes += r.wire;
            fs->sync_seconds += r.seconds;
        }
        if (!r.ok) co_return false;
        auto s = parsed<SyncReply>(run, op, r, parse_sync);
        if (!s) co_return false;
        c.cookie_data = s->new_cookie;
        driver_sync_not_needed = s->driver_sync_not_needed;
        out.changed += s->changed_updates.size();
        for (int id : s->out_of_scope) {
            writable().installed.erase(id);
            writable().other.erase(id);
            out.software.erase(id);
            out.out_of_scope.push_back(id);
        }
        for (const auto& u : s->new_updates) {
            out.software[u.id] = u.action;
            // The WUA evaluation rule of the simulation: categories and detectoids evaluate as installed;
            // installed non-leaf revisions unlock what requires them, everything else is cached.
            if (!u.is_leaf && u.category_or_detectoid) writable().installed.insert(u.id);
            else writable().other.insert(u.id);
        }
        if (s->new_updates.empty() && s->out_of_scope.empty()) break;
        writable().refresh();
        if (s->new_updates.empty()) break;
    }
    if (!driver_sync_not_needed) {
        out.driver_pass = true;
        op = "SyncUpdates (" + op_suffix + ", drivers)";
        for (int page = 0;; ++page) {
            if (page >= kMaxSyncTrips) {
                run.stats.error(op, "no convergence in 200 trips");
                co_return false;
            }
            auto r = co_await conn.call(op, kClientPath, action("SyncUpdates"),
                                        run.requests.sync_drivers(cookie_xml(c.cookie_exp, c.cookie_data),
                                                                  cache().installed_xml, cache().drivers_xml),
                                        "SyncUpdates|" + c.group + "|" + stage + "|d" + std::to_string(page));
            if (fs) {
                ++fs->sync_trips;
                fs->sync_wire_bytes += r.wire;
                fs->sync_decoded_bytes += r.body.size();
                fs->all_wire_bytes += r.wire;
                fs->sync_seconds += r.seconds;
            }
            if (!r.ok) co_return false;
            auto s = parsed<SyncReply>(run, op, r, parse_sync);
            if (!s) co_return false;
            c.cookie_data = s->new_cookie;
            for (int id : s->out_of_scope) {
                writable().drivers.erase(id);
                out.drivers.erase(id);
                out.out_of_scope.push_back(id);
            }
            for (const auto& u : s->new_updates) {
                out.drivers[u.id] = u.action;
                writable().drivers.insert(u.id);
            }
            if (s->new_updates.empty() && s->out_of_scope.empty()) break;
            writable().refresh();
            if (s->new_updates.empty()) break;
        }
    }
    if (mine) c.cache = std::move(mine);
    co_return true;
}

// GetExtendedUpdateInfo for what the scan offered, at most `extended_batch` revisions per call.
asio::awaitable<bool> extended_info(Run& run, Conn& conn, Client& c, const std::string& stage, const ScanOutcome& o,
                                    FirstScan* fs) {
    if (run.opt.extended == "none") co_return true;
    std::vector<int> ids;
    for (const auto* m : {&o.software, &o.drivers})
        for (const auto& [id, a] : *m)
            if (run.opt.extended == "all" || a == Action::install || a == Action::uninstall) ids.push_back(id);
    for (std::size_t i = 0, k = 0; i < ids.size(); i += static_cast<std::size_t>(run.opt.extended_batch), ++k) {
        std::vector<int> batch(ids.begin() + static_cast<std::ptrdiff_t>(i),
                               ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + run.opt.extended_batch)));
        auto r = co_await conn.call("GetExtendedUpdateInfo", kClientPath, action("GetExtendedUpdateInfo"),
                                    run.requests.extended_info(cookie_xml(c.cookie_exp, c.cookie_data),
                                                               int_array("revisionIDs", batch)),
                                    "GetExtendedUpdateInfo|" + c.group + "|" + stage + "|x" + std::to_string(k));
        if (fs) fs->all_wire_bytes += r.wire;
        if (!r.ok) co_return false;
        auto e = parsed<ExtendedReply>(run, "GetExtendedUpdateInfo", r, parse_extended);
        if (!e) co_return false;
        if (run.checks && (!e->out_of_scope.empty() || e->fragments < batch.size()))
            run.failed_check(c.id + ": GetExtendedUpdateInfo of offered revisions: " + std::to_string(e->fragments) +
                             " fragments for " + std::to_string(batch.size()) + " ids, " +
                             std::to_string(e->out_of_scope.size()) + " out of scope");
    }
    co_return true;
}

std::string describe_difference(const std::set<int>& got, const std::set<int>& want) {
    std::vector<int> extra, missing;
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::string s = std::to_string(got.size()) + " offered, " + std::to_string(want.size()) + " expected";
    auto list = [](const std::vector<int>& v) {
        std::string t;
        for (std::size_t i = 0; i < v.size() && i < 8; ++i) t += (i ? "," : "") + std::to_string(v[i]);
        return t + (v.size() > 8 ? ",…" : "");
    };
    if (!extra.empty()) s += "; unexpected " + list(extra);
    if (!missing.empty()) s += "; missing " + list(missing);
    return s;
}

// A first scan must offer exactly the approved updates' closure (manifest), with Install on the approved ones.
void check_first_scan(Run& run, const Client& c, const ScanOutcome& o) {
    auto it = run.manifest.expected.find(c.group);
    if (it == run.manifest.expected.end()) return run.failed_check(c.id + ": no expectation for group " + c.group);
    const Expect& e = it->second;
    std::set<int> sw, drv, install;
    for (const auto& [id, a] : o.software) {
        sw.insert(id);
        if (a == Action::install) install.insert(id);
    }
    for (const auto& [id, a] : o.drivers) {
        drv.insert(id);
        if (a == Action::install) install.insert(id);
    }
    if (sw != e.software) run.failed_check(c.id + " (" + c.group + ") software pass: " + describe_difference(sw, e.software));
    if (drv != e.drivers) run.failed_check(c.id + " (" + c.group + ") driver pass: " + describe_difference(drv, e.drivers));
    std::set<int> approved_offered;
    for (int id : e.approved)
        if (e.software.count(id) || e.drivers.count(id)) approved_offered.insert(id);
    if (install != approved_offered)
        run.failed_check(c.id + " (" + c.group + ") Install actions: " + describe_difference(install, approved_offered));
}

// An up-to-date client's later scan: nothing new, nothing withdrawn.
void check_up_to_date(Run& run, const Client& c, const ScanOutcome& o) {
    if (!o.software.empty() || !o.drivers.empty() || !o.out_of_scope.empty())
        run.failed_check(c.id + " (" + c.group + "): differential scan of an up-to-date client offered " +
                         std::to_string(o.software.size() + o.drivers.size()) + " and withdrew " +
                         std::to_string(o.out_of_scope.size()));
}

// One client's cycle. Returns false when a request failed (counted already).
asio::awaitable<bool> cycle(Run& run, Conn& conn, Client& c, JobKind kind) {
    if (kind == JobKind::first_scan) {
        FirstScan fs;
        auto t0 = Clock::now();
        if (!co_await handshake(run, conn, c, &fs)) co_return false;
        if (!c.registered && !co_await register_computer(run, conn, c, &fs)) co_return false;
        ScanOutcome o;
        if (!co_await scan(run, conn, c, "first", "first", o, &fs)) co_return false;
        if (!co_await extended_info(run, conn, c, "first", o, &fs)) co_return false;
        fs.total_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        fs.offered = o.software.size() + o.drivers.size();
        run.stats.first_scan(fs);
        if (run.checks) check_first_scan(run, c, o);
        if (!run.templates.count(c.group)) run.templates[c.group] = c.cache;
        for (int i = 0; i < run.opt.diff_scans; ++i) {
            ScanOutcome d;
            if (!co_await scan(run, conn, c, "diff", "diff", d, nullptr)) co_return false;
            if (run.checks) check_up_to_date(run, c, d);
        }
        co_return true;
    }
    if (kind == JobKind::daily) {
        // A day later: the cookie has expired, so the agent starts with the handshake.
        if (!co_await handshake(run, conn, c, nullptr)) co_return false;
        ScanOutcome o;
        if (!co_await scan(run, conn, c, "daily", "daily", o, nullptr)) co_return false;
        if (run.checks) check_up_to_date(run, c, o);
        if (!co_await extended_info(run, conn, c, "daily", o, nullptr)) co_return false;
        co_return true;
    }
    // diff: the next scan (both passes) with the cookie of the previous one, still valid.
    ScanOutcome o;
    bool ok = co_await scan(run, conn, c, "diff", "diff", o, nullptr);
    if (ok && run.checks) check_up_to_date(run, c, o);
    co_return ok;
}

// ------------------------------------------------------------------------------------------ scheduling
struct Slots {
    int active = 0;
    asio::steady_timer wake;
    explicit Slots(asio::io_context& io) : wake(io, Clock::time_point::max()) {}
    asio::awaitable<void> wait_below(int n) {
        while (active >= n) {
            wake.expires_at(Clock::time_point::max());
            beast::error_code ec;
            co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }
    void release() {
        --active;
        wake.cancel();
    }
};

asio::awaitable<void> run_job(Run& run, Job job, Slots& slots, bool loop) {
    Conn conn(run);
    Client& c = run.clients[job.client];
    bool ok = true;
    do {
        ok = co_await cycle(run, conn, c, job.kind);
    } while (ok && loop && Clock::now() < run.loop_end && !run.past_deadline());
    conn.close();
    if (run.past_deadline() && !(loop && ok)) ++run.jobs_cut;
    else if (ok) ++run.jobs_done;
    else ++run.jobs_failed;
    slots.release();
}

asio::awaitable<void> dispatch(Run& run, std::vector<Job> jobs, int concurrency, bool loop) {
    Slots slots(run.io);
    asio::steady_timer timer(run.io);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        auto at = run.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(jobs[i].start));
        if (at > Clock::now()) {
            timer.expires_at(std::min(at, run.deadline));
            beast::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        co_await slots.wait_below(concurrency);
        if (run.past_deadline()) {
            run.jobs_unstarted += jobs.size() - i;
            break;
        }
        ++slots.active;
        asio::co_spawn(run.io, run_job(run, jobs[i], slots, loop), asio::detached);
    }
    co_await slots.wait_below(1);
}

double client_cpu() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct PhaseResult {
    json report;
    std::uint64_t errors = 0, check_failures = 0;
    std::map<std::string, std::shared_ptr<const Cache>> templates;
};

PhaseResult run_phase(const std::string& title, const Options& opt, const Requests& requests, const Manifest& manifest,
                      const Target& target, std::vector<Client>& clients, const std::vector<Job>& jobs, int concurrency,
                      bool loop, bool checks, Recording* recording) {
    asio::io_context io(1);
    Run run(opt, requests, manifest, io, target, clients);
    run.recording = recording;
    run.checks = checks;
    run.start = Clock::now();
    auto secs = [](double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
    run.deadline = run.start + secs(opt.max_time);
    run.loop_end = run.start + secs(opt.duration);
    auto before = sample_process(target.pid);
    double cpu0 = client_cpu();
    asio::co_spawn(io, dispatch(run, jobs, concurrency, loop), asio::detached);
    io.run();
    double wall = std::chrono::duration<double>(Clock::now() - run.start).count();
    auto after = sample_process(target.pid);
    PhaseResult out;
    out.report = run.stats.to_json(wall, before, after, client_cpu() - cpu0);
    out.report["jobs"] = {{"scheduled", jobs.size()},
                          {"done", run.jobs_done},
                          {"failed", run.jobs_failed},
                          {"cut_by_max_time", run.jobs_cut},
                          {"not_started", run.jobs_unstarted}};
    if (checks) out.report["checks"] = {{"failures", run.check_failures}, {"examples", run.failures}};
    out.errors = run.stats.total_errors() + run.jobs_failed + run.jobs_cut + run.jobs_unstarted;
    out.check_failures = run.check_failures;
    out.templates = run.templates;
    print_phase(title, out.report);
    std::printf("jobs: %zu scheduled, %llu done, %llu failed, %llu cut by --max-time, %llu not started\n", jobs.size(),
                static_cast<unsigned long long>(run.jobs_done), static_cast<unsigned long long>(run.jobs_failed),
                static_cast<unsigned long long>(run.jobs_cut), static_cast<unsigned long long>(run.jobs_unstarted));
    if (checks) {
        std::printf("checks: %llu failures\n", static_cast<unsigned long long>(run.check_failures));
        for (const auto& f : run.failures) std::printf("  %s\n", f.c_str());
    }
    std::fflush(stdout);
    return out;
}

// ------------------------------------------------------------------------------------------ targets
Target read_ports(const fs::path& p, const std::string& host) {
    std::ifstream in(p);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    json j = json::parse(in);
    Target t;
    t.endpoint = {asio::ip::make_address(host), j.at("http").get<unsigned short>()};
    t.host_header = host + ":" + std::to_string(t.endpoint.port());
    t.pid = j.value("pid", 0);
    return t;
}

/// The baseline server, started for one phase and stopped after it.
class StaticServer {
  public:
    StaticServer(const Options& opt, const fs::path& recording) {
        ports_ = opt.work_dir / ("wsus-static-" + std::to_string(getpid()) + ".json");
        fs::remove(ports_);
        std::vector<std::string> args = {opt.static_server.string(), "--recording", recording.string(), "--ports-file",
                                         ports_.string()};
        if (opt.static_threads > 0) {
            args.push_back("--threads");
            args.push_back(std::to_string(opt.static_threads));
        }
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
            throw std::runtime_error("cannot start " + opt.static_server.string());
        for (int i = 0; i < 400 && !fs::exists(ports_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        target_ = read_ports(ports_, opt.host);
    }
    ~StaticServer() {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        fs::remove(ports_);
    }
    const Target& target() const { return target_; }

  private:
    pid_t pid_ = 0;
    fs::path ports_;
    Target target_;
};

// ------------------------------------------------------------------------------------------ report
json ratios(const json& server, const json& baseline) {
    json r;
    for (const auto& [name, o] : server["ops"].items()) {
        if (!baseline["ops"].contains(name)) continue;
        const auto& b = baseline["ops"][name];
        auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
        r["ops"][name] = {{"p50", ratio(o["latency_ms"]["p50"], b["latency_ms"]["p50"])},
                          {"p95", ratio(o["latency_ms"]["p95"], b["latency_ms"]["p95"])},
                          {"p99", ratio(o["latency_ms"]["p99"], b["latency_ms"]["p99"])},
                          {"throughput", ratio(b["throughput_per_s"], o["throughput_per_s"])}};
    }
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    r["throughput"] = ratio(baseline["throughput_per_s"], server["throughput_per_s"]);
    if (server.contains("server") && baseline.contains("server"))
        r["server_cpu_per_request"] =
            ratio(server["server"]["cpu_ms_per_request"], baseline["server"]["cpu_ms_per_request"]);
    return r;
}

void print_ratios(const json& r) {
    std::printf("\n== wsusd / static baseline (same run, same requests, same response bytes)\n");
    std::printf("%-34s %8s %8s %8s %12s\n", "operation", "p50 ×", "p95 ×", "p99 ×", "throughput ×");
    if (r.contains("ops"))
        for (const auto& [name, o] : r["ops"].items())
            std::printf("%-34s %8.2f %8.2f %8.2f %12.2f\n", name.c_str(), o["p50"].get<double>(), o["p95"].get<double>(),
                        o["p99"].get<double>(), o["throughput"].get<double>());
    std::printf("whole phase: baseline throughput / wsusd throughput = %.2f", r["throughput"].get<double>());
    if (r.contains("server_cpu_per_request"))
        std::printf("; server CPU per request ×%.1f", r["server_cpu_per_request"].get<double>());
    std::printf("\n");
}

std::vector<double> arrivals(std::size_t n, const Options& opt) {
    std::vector<double> t(n, 0.0);
    if (opt.arrival == "uniform") {
        std::uint64_t s = opt.seed * 0x9e3779b97f4a7c15ull + 7;
        for (auto& x : t) {
            s += 0x9e3779b97f4a7c15ull;
            std::uint64_t z = s;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            z ^= z >> 31;
            x = static_cast<double>(z >> 11) / 9007199254740992.0 * opt.duration;
        }
        std::sort(t.begin(), t.end());
    }
    return t;
}

int run_main(const Options& opt) {
    Manifest manifest = load_manifest(opt.manifest);
    auto requests = Requests::load(opt.captures, manifest.devices);
    if (!requests) throw std::runtime_error(requests.error().message);
    Target server = read_ports(opt.ports, opt.host);
    if (opt.registered > manifest.computers)
        throw std::runtime_error("--registered " + std::to_string(opt.registered) + " exceeds the " +
                                 std::to_string(manifest.computers) + " computers of the manifest");
    std::uint32_t run_id = opt.run_id ? opt.run_id : static_cast<std::uint32_t>(getpid() ^ time(nullptr));

    // Clients: registered ones first (ids of wsus-fleet-setup), then new ones.
    std::vector<Client> clients;
    std::vector<std::string> old_cookies;
    if (!opt.old_cookies.empty()) {
        std::ifstream in(opt.old_cookies);
        for (std::string line; std::getline(in, line);) old_cookies.push_back(line);
        if (old_cookies.size() < static_cast<std::size_t>(opt.registered))
            throw std::runtime_error(opt.old_cookies.string() + " holds " + std::to_string(old_cookies.size()) +
                                     " cookies, fewer than --registered");
    }
    for (std::int64_t i = 0; i < opt.registered; ++i) {
        Client c;
        c.id = registered_client_id(i);
        if (!old_cookies.empty()) c.old_cookie = std::move(old_cookies[static_cast<std::size_t>(i)]);
        c.group = ring_key(ring_of(i, manifest.groups));
        c.registered = true;
        clients.push_back(std::move(c));
    }
    for (std::int64_t i = 0; i < opt.fresh; ++i) {
        Client c;
        c.id = new_client_id(run_id, i);
        c.group = kUnassigned;
        clients.push_back(std::move(c));
    }
    for (auto& c : clients) c.dns = dns_name(c.id);

    json report;
    report["label"] = opt.label;
    report["options"] = {{"registered", opt.registered}, {"new", opt.fresh},         {"cycle", opt.cycle},
                         {"arrival", opt.arrival},       {"loop", opt.loop},         {"duration", opt.duration},
                         {"concurrency", opt.concurrency}, {"max_time", opt.max_time}, {"extended", opt.extended},
                         {"identity", opt.identity},     {"diff_scans", opt.diff_scans}};
    report["manifest"] = {{"computers", manifest.computers}, {"groups", manifest.groups}};
    std::uint64_t errors = 0, check_failures = 0;

    // Warm-up (wsusd only, not compared): one first scan per targeting group of the registered clients;
    // every registered client then holds that up-to-date cache. `diff` clients also need a current cookie.
    if (opt.registered > 0) {
        std::map<std::string, std::size_t> first_of_group;
        for (std::size_t i = 0; i < static_cast<std::size_t>(opt.registered); ++i) first_of_group.emplace(clients[i].group, i);
        std::vector<Job> jobs;
        for (const auto& [g, i] : first_of_group) jobs.push_back({i, JobKind::first_scan, 0});
        auto warm = run_phase("warm-up: one first scan per group", opt, *requests, manifest, server, clients, jobs,
                              opt.concurrency, false, opt.check, nullptr);
        errors += warm.errors;
        check_failures += warm.check_failures;
        report["phases"]["warmup_first_scans"] = warm.report;
        for (std::size_t i = 0; i < static_cast<std::size_t>(opt.registered); ++i) {
            auto t = warm.templates.find(clients[i].group);
            if (t == warm.templates.end()) throw std::runtime_error("warm-up first scan failed for " + clients[i].group);
            clients[i].cache = t->second;
        }
        if (opt.cycle == "diff") {
            jobs.clear();
            for (std::size_t i = 0; i < static_cast<std::size_t>(opt.registered); ++i) jobs.push_back({i, JobKind::daily, 0});
            auto cookies = run_phase("warm-up: handshake and one scan per registered client", opt, *requests, manifest,
                                     server, clients, jobs, opt.concurrency, false, false, nullptr);
            errors += cookies.errors;
            report["phases"]["warmup_cookies"] = cookies.report;
        }
    }

    // The measured phase: registered clients' cycles and new clients' first scans, mixed by the seed.
    std::vector<Job> jobs;
    JobKind registered_kind = opt.cycle == "diff" ? JobKind::diff : JobKind::daily;
    for (std::size_t i = 0; i < clients.size(); ++i)
        jobs.push_back({i, clients[i].registered ? registered_kind : JobKind::first_scan, 0});
    {
        std::uint64_t s = opt.seed;
        for (std::size_t i = jobs.size(); i > 1; --i) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            std::swap(jobs[i - 1], jobs[(s >> 33) % i]);
        }
    }
    auto starts = arrivals(jobs.size(), opt);
    for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i].start = starts[i];
    int concurrency = opt.loop ? static_cast<int>(jobs.size()) : opt.concurrency;

    std::vector<Client> snapshot = clients;
    Recording recording;
    auto measured = run_phase("wsusd", opt, *requests, manifest, server, clients, jobs, concurrency, opt.loop, opt.check,
                              opt.static_server.empty() ? nullptr : &recording);
    errors += measured.errors;
    check_failures += measured.check_failures;
    report["phases"]["wsusd"] = measured.report;

    if (!opt.static_server.empty()) {
        fs::path file = opt.work_dir / ("wsus-fleet-recording-" + std::to_string(getpid()) + ".bin");
        if (!write_recording(file.string(), recording)) throw std::runtime_error("cannot write " + file.string());
        std::printf("\nrecorded %zu distinct responses for the baseline\n", recording.size());
        {
            StaticServer baseline(opt, file);
            clients = snapshot;
            auto b = run_phase("static baseline", opt, *requests, manifest, baseline.target(), clients, jobs, concurrency,
                               opt.loop, false, nullptr);
            report["phases"]["static"] = b.report;
            report["ratios"] = ratios(measured.report, b.report);
            print_ratios(report["ratios"]);
        }
        fs::remove(file);
    }
    report["errors"] = errors;
    report["check_failures"] = check_failures;
    if (!opt.json_out.empty()) std::ofstream(opt.json_out) << report.dump(1) << "\n";
    std::printf("\n%s: %llu errors, %llu check failures\n", opt.label.c_str(), static_cast<unsigned long long>(errors),
                static_cast<unsigned long long>(check_failures));
    return errors == 0 && check_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"Simulates Windows Update Agent clients against wsusd; optionally compares with a static baseline"};
    app.add_option("--ports", o.ports, "wsusd's DATA_DIR/ports.json (http port and pid)")->required();
    app.add_option("--manifest", o.manifest, "wsus-fleet-setup's manifest")->required();
    app.add_option("--old-cookies", o.old_cookies,
                   "registered clients' expired cookies (wsus-fleet-setup --cookies), sent in GetCookie's oldCookie");
    app.add_option("--captures", o.captures, "folder of the captured native scan (request templates)")
        ->capture_default_str();
    app.add_option("--static-server", o.static_server, "wsus-static-server binary: replay the measured phase on it");
    app.add_option("--static-threads", o.static_threads, "threads of the static server (0: its default)");
    app.add_option("--work-dir", o.work_dir, "where the recording and the baseline's ports file go")->capture_default_str();
    app.add_option("--label", o.label, "name of the run in the report")->capture_default_str();
    app.add_option("--host", o.host)->capture_default_str();
    app.add_option("--registered", o.registered, "registered clients (the manifest's computers 0..N-1)")
        ->capture_default_str();
    app.add_option("--new", o.fresh, "new clients: first contact and first scan")->capture_default_str();
    app.add_option("--cycle", o.cycle, "registered clients: daily (handshake + scan) or diff (scan, warm cookie)")
        ->check(CLI::IsMember({"daily", "diff"}))
        ->capture_default_str();
    app.add_option("--arrival", o.arrival, "storm: all at once; uniform: spread over --duration")
        ->check(CLI::IsMember({"storm", "uniform"}))
        ->capture_default_str();
    app.add_flag("--loop", o.loop, "closed loop: every client repeats its cycle until --duration has passed");
    app.add_option("--duration", o.duration, "seconds: the arrival window, or the loop's length")->capture_default_str();
    app.add_option("--concurrency", o.concurrency, "most clients in flight at once")->capture_default_str();
    app.add_option("--max-time", o.max_time, "seconds: hard bound of each phase")->capture_default_str();
    app.add_option("--request-timeout", o.request_timeout, "seconds per request")->capture_default_str();
    app.add_option("--diff-scans", o.diff_scans, "differential scans after a new client's first scan")
        ->capture_default_str();
    app.add_option("--extended", o.extended, "GetExtendedUpdateInfo for: approved (Install/Uninstall), all, none")
        ->check(CLI::IsMember({"approved", "all", "none"}))
        ->capture_default_str();
    app.add_option("--extended-batch", o.extended_batch, "revisions per GetExtendedUpdateInfo")->capture_default_str();
    app.add_flag("--check", o.check, "verify offers against the manifest (exit 1 on a mismatch)");
    app.add_flag("--identity", o.identity, "ask for identity instead of xpress");
    app.add_option("--seed", o.seed, "arrival and mix seed")->capture_default_str();
    app.add_option("--run-id", o.run_id, "keeps new client ids of separate runs apart (default: from pid and time)");
    app.add_option("--json", o.json_out, "write the report as JSON");
    CLI11_PARSE(app, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    try {
        return run_main(o);
    } catch (const std::exception& e) {
        std::cerr << "wsus-fleet: " << e.what() << "\n";
        return 2;
    }
}
