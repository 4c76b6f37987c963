// The admin API's JSON request bodies, through the in-process /api/v1/ router with a valid bearer token over a
// temporary store (tests/support/service_fixture.h: one registered computer), so that body parsing, argument
// validation and the handler with its store transaction all run. Input: the first byte picks one of the routes
// that take a body; up to the first newline come the path parameter's raw (percent-encoded) bytes; the rest is
// the body. Property: every answer is a 2xx or 4xx whose body is a JSON object, never a 5xx for bad input,
// never an exception or a crash. Seeds: a valid body for each route, as wsusctl sends it.
//
// Two routes write files where the body says: backup's "path" is moved into the fixture's folder (the handler
// still sees an absolute path), and the air-gap routes run without a bundle function (409), because bundles are
// read and written by src/app and their format has its own checks.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

#include "admin/api.h"
#include "admin/token.h"
#include "driver/fuzz_driver.h"
#include "store/admin_repo.h"
#include "support/service_fixture.h"

namespace fs = std::filesystem;

namespace {

struct BodyRoute {
    const char* method;
    const char* pattern;  // "{}": the path parameter from the input
    const char* param;    // the seeds' parameter
    const char* body;     // the seeds' body
};

// Every route of src/admin/routes_*.cpp that reads a body (DELETE and GET routes ignore theirs).
constexpr BodyRoute kRoutes[] = {
    {"POST", "/api/v1/groups", "", R"({"name":"Ring 1","parent":""})"},
    {"PATCH", "/api/v1/groups/{}", "Ring%201", R"({"name":"Ring 2","parent":"All Computers"})"},
    {"PUT", "/api/v1/computers/{}/groups", "e1da06a3-5601-43c9-bac3-52d5db701494", R"({"groups":["Ring 1","Unassigned Computers"]})"},
    {"POST", "/api/v1/sync", "", "{}"},
    {"PUT", "/api/v1/config/{}", "sync.schedule", R"({"value":"03:00"})"},
    {"PUT", "/api/v1/config/{}", "sync.products", R"({"value":["Windows 11","Windows Server 2025"]})"},
    {"PUT", "/api/v1/config/{}", "cleanup.enabled", R"({"value":true})"},
    {"PUT", "/api/v1/config/{}", "cleanup.obsolete_computer_days", R"({"value":30})"},
    {"POST", "/api/v1/rules", "",
     R"({"name":"Critical","classifications":["Critical Updates"],"products":[],"groups":["All Computers"],"enabled":true,"deadline_days":3})"},
    {"PATCH", "/api/v1/rules/{}", "Critical", R"({"enabled":false})"},
    {"POST", "/api/v1/rules/{}/run", "Critical", "{}"},
    {"POST", "/api/v1/maintenance", "", R"({"dry_run":true})"},
    {"POST", "/api/v1/cleanup", "", R"({"dry_run":false})"},
    {"POST", "/api/v1/backup", "", R"({"path":""})"},
    {"POST", "/api/v1/updates/{}/approve", "0b2b6e3a-8e3c-4f3e-9c58-6d1a2f1f0c11",
     R"({"group":"All Computers","action":"install","deadline":"2026-12-01T18:00:00Z","accept_eula":true})"},
    {"POST", "/api/v1/updates/{}/decline", "0b2b6e3a-8e3c-4f3e-9c58-6d1a2f1f0c11", "{}"},
    {"POST", "/api/v1/updates/{}/undecline", "0b2b6e3a-8e3c-4f3e-9c58-6d1a2f1f0c11", "{}"},
    {"POST", "/api/v1/airgap/export", "", R"({"path":"/tmp/x.wsusd-bundle","since":"2026-01-01T00:00:00Z"})"},
    {"POST", "/api/v1/airgap/import", "", R"({"path":"/tmp/x.wsusd-bundle"})"},
};
constexpr std::size_t kRouteCount = sizeof kRoutes / sizeof kRoutes[0];

struct Harness {
    wsusd::test_support::ServiceFixture fixture{"admin-fuzz"};
    std::shared_ptr<wsusd::admin::AdminContext> ctx = std::make_shared<wsusd::admin::AdminContext>();
    wsusd::net::Router router;
    std::string token = wsusd::admin::generate_token();
    bool sync_running = false;

    Harness() {
        ctx->db = fixture.store;
        ctx->data_dir = fixture.dir;
        ctx->max_per_run = 20;
        // Alternates started / already running, as the scheduler answers.
        ctx->start_sync = [this]() -> wsusd::Result<void> {
            sync_running = !sync_running;
            if (!sync_running) return wsusd::fail(wsusd::Errc::conflict, "a synchronization is already running");
            return {};
        };
        wsusd::admin::register_api(router, ctx);
        auto created = fixture.store->with_writer([&](wsusd::store::Connection& c) {
            return wsusd::store::AdminRepo(c).create_token("fuzz", wsusd::admin::token_hash(token), wsusd::admin::now());
        });
        if (!created) std::abort();
    }
};

Harness& harness() {
    static Harness h;
    return h;
}

std::string replace_param(std::string pattern, std::string_view param) {
    if (auto at = pattern.find("{}"); at != std::string::npos) pattern.replace(at, 2, param);
    return pattern;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto& h = harness();
    const BodyRoute& route = kRoutes[data[0] % kRouteCount];
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto nl = rest.find('\n');
    const std::string_view param = nl == std::string_view::npos ? std::string_view() : rest.substr(0, nl);
    wsusd::net::HttpRequest req;
    req.method = route.method;
    req.target = replace_param(route.pattern, param);
    req.path = wsusd::net::Router::normalize(req.target);
    req.body = std::string(nl == std::string_view::npos ? rest : rest.substr(nl + 1));
    req.headers.emplace_back("Authorization", "Bearer " + h.token);
    req.peer = "127.0.0.1:1";
    req.request_id = "fuzz";

    const bool is_backup = std::string_view(route.pattern) == "/api/v1/backup";
    if (is_backup) {
        // Keep the backup inside the fixture's folder, still as an absolute path.
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (body.is_object() && body.contains("path") && body["path"].is_string() &&
            body["path"].get<std::string>().starts_with('/')) {
            body["path"] = (h.fixture.dir / "given" / "backup.db").string();
            req.body = body.dump();
        }
    }
    const auto* found = h.router.find(req.path);
    if (!found) return 0;  // the parameter made it another path (a '?', '#', '/'): not ours to judge
    const wsusd::net::HttpResponse r = found->handler(req);
    if (is_backup) {
        std::error_code ec;
        fs::remove_all(h.fixture.dir / "given", ec);
        fs::remove_all(h.fixture.dir / "backups", ec);
    }
    if (r.status < 200 || r.status >= 500 || (r.status >= 300 && r.status < 400)) {
        std::fprintf(stderr, "admin_json_fuzz: %s %s → %u %s\n", req.method.c_str(), req.target.c_str(), r.status,
                     r.body.c_str());
        std::abort();
    }
    auto answer = nlohmann::json::parse(r.body, nullptr, false);
    if (!answer.is_object()) std::abort();
    return 0;
}

namespace wsusd::fuzz {

std::vector<std::string> seeds() {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kRouteCount; ++i) {
        std::string s(1, static_cast<char>(i));
        s += kRoutes[i].param;
        s += '\n';
        s += kRoutes[i].body;
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<std::string> dictionary() {
    return {"{", "}", "[", "]", "\"", ":", ",", "null", "true", "false", "1e309", "-0", "18446744073709551616",
            "-9223372036854775809", "\\u0000", "\\ud800", "\"name\"", "\"parent\"", "\"groups\"", "\"value\"",
            "\"path\"", "\"group\"", "\"action\"", "\"deadline\"", "\"dry_run\"", "\"enabled\"", "\"deadline_days\"",
            "\"classifications\"", "\"products\"", "\"accept_eula\"", "\"All Computers\"", "\"Unassigned Computers\"",
            "%FF", "%00", "%2F", "..", "9999-12-31T23:59:59Z", "\"uninstall\"", "\"not_approved\""};
}

}  // namespace wsusd::fuzz
