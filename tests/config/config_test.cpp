#include "config/config.h"

#include <gtest/gtest.h>

#include <fstream>

using wsusd::config::parse;

TEST(Config, DefaultsAreValid) {
    auto c = parse("", "empty");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->server.http_port, 8530);
    EXPECT_EQ(c->server.https_port, 8531);
    EXPECT_EQ(c->admin.bind, "127.0.0.1");
    EXPECT_EQ(c->client.max_extended_updates_per_request, 50u);
}

TEST(Config, ShippedFileParsesToDefaults) {
    std::ifstream in(std::string(WSUSD_SOURCE_DIR) + "/config/wsusd.toml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(text.empty());
    auto c = parse(text, "wsusd.toml");
    ASSERT_TRUE(c) << c.error().message;
    wsusd::config::Config d;
    EXPECT_EQ(c->server.bind, d.server.bind);
    EXPECT_EQ(c->limits.max_body_bytes, d.limits.max_body_bytes);
    EXPECT_EQ(c->limits.max_xml_depth, d.limits.max_xml_depth);
    EXPECT_EQ(c->client.cookie_lifetime_minutes, d.client.cookie_lifetime_minutes);
    EXPECT_EQ(c->log.level, d.log.level);
    EXPECT_EQ(c->content.root, d.content.root);
    EXPECT_EQ(c->store.startup_check, d.store.startup_check);
    EXPECT_EQ(c->store.backup_dir, d.store.backup_dir);
    EXPECT_EQ(c->limits.client_requests_per_second, d.limits.client_requests_per_second);
    EXPECT_EQ(c->limits.client_request_burst, d.limits.client_request_burst);
    EXPECT_EQ(c->limits.client_max_connections, d.limits.client_max_connections);
    EXPECT_EQ(c->limits.client_limit_exempt, d.limits.client_limit_exempt);
}

TEST(Config, PerClientLimits) {
    auto c = parse("[limits]\nclient_requests_per_second = 0\nclient_request_burst = 7\nclient_max_connections = 3\n"
                   "client_limit_exempt = [\"10.0.0.0/8\", \"fd00::/8\", \"192.0.2.1\"]\n",
                   "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->limits.client_requests_per_second, 0u);
    EXPECT_EQ(c->limits.client_request_burst, 7u);
    EXPECT_EQ(c->limits.client_max_connections, 3u);
    EXPECT_EQ(c->limits.client_limit_exempt.size(), 3u);
    for (const char* bad : {"\"10.0.0.0/33\"", "\"wsus.example\"", "\"::/200\"", "\"1.2.3.4/\""}) {
        auto e = parse(std::string("[limits]\nclient_limit_exempt = [") + bad + "]\n", "t.toml");
        ASSERT_FALSE(e) << bad;
        EXPECT_NE(e.error().message.find("limits.client_limit_exempt"), std::string::npos) << e.error().message;
    }
}

TEST(Config, ContentRootDefaultsIntoTheDataDirectory) {
    auto c = parse("data_dir = \"/srv/wsus\"\n", "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->content_root(), std::filesystem::path("/srv/wsus/content"));
    c = parse("data_dir = \"/srv/wsus\"\n[content]\nroot = \"/mnt/WsusContent\"\n", "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->content_root(), std::filesystem::path("/mnt/WsusContent"));
}

struct BadCase {
    const char* toml;
    const char* key_in_message;
};

TEST(Config, ErrorsNameTheKey) {
    const BadCase cases[] = {
        {"[server]\nhttp_port = 70000\n", "server.http_port"},
        {"[server]\nhttp_port = \"80\"\n", "server.http_port: must be an integer"},
        {"[server]\nbogus = 1\n", "server.bogus: unknown key"},
        {"nonsense = 1\n", "nonsense: unknown key"},
        {"[limits]\nmax_body_bytes = 5\n", "limits.max_body_bytes"},
        {"[log]\nlevel = \"loud\"\n", "log.level"},
        {"[server]\ntls_certificate = \"/x.pem\"\n", "server.tls_private_key"},
        {"[client]\nclient_reporting_level = 7\n", "client.client_reporting_level"},
        {"server = 3\n", "server: must be a table"},
        {"[content]\nroot = 5\n", "content.root: must be a path string"},
        {"[content]\nmode = \"x\"\n", "content.mode: unknown key"},
        {"data_dir = \"/srv/w\"\n[content]\nroot = \"/srv/w/\"\n", "content.root: must not be the data directory"},
        {"[server\n", "line"},
        {"[sync]\nupstream_url = \"wsus1:8530\"\n", "sync.upstream_url: must start with http"},
        {"[sync]\nschedule = [\"25:00\"]\n", "sync.schedule"},
        {"[sync]\nschedule = \"03:00\"\n", "sync.schedule: must be a list of strings"},
        {"[sync]\nproducts = [\"not-a-guid\"]\n", "sync.products"},
        {"[sync]\ncontent = \"everything\"\n", "sync.content"},
        {"[sync]\nproxy_auth = \"kerberos\"\n", "sync.proxy_auth"},
        {"[sync]\nproxy_password_file = \"/etc/p\"\n", "sync.proxy_user"},
        {"[sync]\nretry_base_seconds = 400\n", "sync.retry_base_seconds"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.toml, "t.toml");
        ASSERT_FALSE(r) << c.toml;
        EXPECT_NE(r.error().message.find(c.key_in_message), std::string::npos) << r.error().message;
    }
}

TEST(Config, AdminMaintenanceAndNotificationKeys) {
    auto c = parse("[admin]\nmaintenance_interval_seconds = 5\nmaintenance_max_per_run = 7\nnotify_max_attempts = 2\n"
                   "notify_retry_seconds = 1\nnotify_timeout_seconds = 3\n",
                   "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->admin.maintenance_interval_seconds, 5u);
    EXPECT_EQ(c->admin.maintenance_max_per_run, 7u);
    EXPECT_EQ(c->admin.notify_max_attempts, 2u);
    auto bad = parse("[admin]\nmaintenance_interval_seconds = 0\n", "t.toml");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("admin.maintenance_interval_seconds"), std::string::npos);
    bad = parse("[admin]\nnotify_max_attempts = 0\n", "t.toml");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("admin.notify_max_attempts"), std::string::npos);
}

TEST(Config, StoreStartupCheckAndBackupFolder) {
    auto c = parse("[store]\nstartup_check = \"full\"\ncheck_max_findings = 3\nbackup_dir = \"/srv/b\"\n", "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->store.startup_check, "full");
    EXPECT_EQ(c->store.check_max_findings, 3u);
    EXPECT_EQ(c->backup_dir(), "/srv/b");
    wsusd::config::Config d;
    EXPECT_EQ(d.store.startup_check, "quick");
    EXPECT_EQ(d.backup_dir(), d.data_dir / "backups") << "where the admin API's backups go";
    auto bad = parse("[store]\nstartup_check = \"sometimes\"\n", "t.toml");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("store.startup_check"), std::string::npos);
    bad = parse("[store]\ncheck_max_findings = 0\n", "t.toml");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("store.check_max_findings"), std::string::npos);
}

TEST(Config, OverridesWin) {
    wsusd::config::Overrides o;
    o.http_port = 0;
    o.data_dir = "/tmp/x";
    o.log_level = "debug";
    auto c = wsusd::config::load(std::nullopt, o);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->server.http_port, 0);
    EXPECT_EQ(c->data_dir, "/tmp/x");
    EXPECT_EQ(c->log.level, "debug");
}

TEST(Config, MissingFileIsAnError) {
    auto c = wsusd::config::load(std::filesystem::path("/nonexistent/wsusd.toml"), {});
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("/nonexistent/wsusd.toml"), std::string::npos);
}

TEST(Config, AirgapSectionAndItsLimits) {
    auto c = parse("data_dir = \"/srv/w\"\n[airgap]\ntrusted_keys = [\"/etc/wsusd/a.pub\", \"/etc/wsusd/b.pub\"]\n"
                   "part_size_bytes = 4294967296\n",
                   "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->airgap.trusted_keys.size(), 2u);
    EXPECT_EQ(c->airgap.part_size_bytes, 4294967296ull);
    EXPECT_EQ(c->airgap_signing_key(), std::filesystem::path("/srv/w/airgap/signing.pem"));
    EXPECT_EQ(c->airgap_staging(), std::filesystem::path("/srv/w/airgap/staging"));
    auto small = parse("[airgap]\npart_size_bytes = 1000\n", "t.toml");
    ASSERT_FALSE(small);
    EXPECT_NE(small.error().message.find("airgap.part_size_bytes"), std::string::npos);
    auto typo = parse("[airgap]\ntrusted_key = []\n", "t.toml");
    ASSERT_FALSE(typo);
    EXPECT_NE(typo.error().message.find("airgap.trusted_key"), std::string::npos);
}

TEST(Config, ContentTransfersParallelAndBandwidthWithSuffixes) {
    auto c = parse("", "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->content.parallel_downloads, 4u);
    EXPECT_EQ(c->content.max_bandwidth, 0u);
    struct Case {
        const char* value;
        std::uint64_t bytes;
    } cases[] = {{"1048576", 1048576},  {"\"512K\"", 512 * 1024}, {"\"10M\"", 10ull << 20},
                 {"\"10 MiB\"", 10ull << 20}, {"\"1.5G\"", 3ull << 29},  {"\"2048\"", 2048},
                 {"\"64kb\"", 64 * 1024}, {"0", 0}};
    for (const auto& k : cases) {
        auto r = parse(std::string("[content]\nparallel_downloads = 1\nmax_bandwidth = ") + k.value + "\n", "t.toml");
        ASSERT_TRUE(r) << k.value << ": " << r.error().message;
        EXPECT_EQ(r->content.max_bandwidth, k.bytes) << k.value;
        EXPECT_EQ(r->content.parallel_downloads, 1u);
    }
}

TEST(Config, ContentTransferLimitsAreChecked) {
    for (const char* text : {"[content]\nmax_bandwidth = \"ten\"\n", "[content]\nmax_bandwidth = \"10X\"\n",
                             "[content]\nmax_bandwidth = \"1.2.3M\"\n", "[content]\nmax_bandwidth = -5\n",
                             "[content]\nmax_bandwidth = 100\n", "[content]\nmax_bandwidth = true\n"}) {
        auto r = parse(text, "t.toml");
        ASSERT_FALSE(r) << text;
        EXPECT_NE(r.error().message.find("content.max_bandwidth"), std::string::npos) << r.error().message;
    }
    for (const char* text : {"[content]\nparallel_downloads = 0\n", "[content]\nparallel_downloads = 65\n"}) {
        auto r = parse(text, "t.toml");
        ASSERT_FALSE(r) << text;
        EXPECT_NE(r.error().message.find("content.parallel_downloads"), std::string::npos) << r.error().message;
    }
    for (const char* text : {"[content]\nlookup_cache_seconds = 0\n", "[content]\nlookup_cache_entries = -1\n",
                             "[content]\nlookup_cache_entries = 20000000\n"}) {
        auto r = parse(text, "t.toml");
        ASSERT_FALSE(r) << text;
        EXPECT_NE(r.error().message.find("content.lookup_cache_"), std::string::npos) << r.error().message;
    }
    auto tuned = parse("[content]\nlookup_cache_entries = 0\nlookup_cache_seconds = 5\n", "t.toml");
    ASSERT_TRUE(tuned) << tuned.error().message;
    EXPECT_EQ(tuned->content.lookup_cache_entries, 0u);
    EXPECT_EQ(tuned->content.lookup_cache_seconds, 5u);
}
