// wsusd configuration: structs with their defaults in place. Parsed and validated once at startup
// (config/wsusd.toml documents every key); no module reads files or the environment afterwards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::config {

struct ServerConfig {
    std::string bind = "0.0.0.0";         ///< address of the HTTP and HTTPS listeners
    std::uint16_t http_port = 8530;       ///< 0 = pick a free port (written to DATA_DIR/ports.json)
    std::uint16_t https_port = 8531;      ///< 0 = pick a free port
    bool https_enabled = true;            ///< serve HTTPS too
    std::string tls_certificate;          ///< PEM file; empty = DATA_DIR/tls/server.crt, generated on first start
    std::string tls_private_key;          ///< PEM file; empty = DATA_DIR/tls/server.key
    std::string public_host;              ///< host name clients use; empty = the Host header of each request
    unsigned io_threads = 1;              ///< network threads (accept, TLS, HTTP parsing)
    unsigned worker_threads = 0;          ///< SOAP/store workers; 0 = number of CPUs
};

struct AdminConfig {
    std::string bind = "127.0.0.1";  ///< loopback only unless you put TLS and a firewall in front
    std::uint16_t port = 8532;       ///< 0 = pick a free port
    bool enabled = true;
    bool tls = true;                 ///< HTTPS with the server's certificate (when server.https_enabled)
    unsigned max_page = 1000;        ///< most items one list call returns
    unsigned maintenance_interval_seconds = 3600;  ///< maintenance timer (approval rules, declines, cleanup)
    unsigned maintenance_max_per_run = 500;        ///< most objects one maintenance step touches per run
    unsigned notify_max_attempts = 5;              ///< deliveries of one notification before giving up
    unsigned notify_retry_seconds = 30;            ///< first retry delay; doubles with each attempt
    unsigned notify_timeout_seconds = 10;          ///< one SMTP or webhook attempt
};

/// This server as the upstream of other servers (MS-WSUSSS USS role): real WSUS or wsusd downstream servers.
struct UssConfig {
    bool enabled = true;                        ///< serve /ServerSyncWebService and /DssAuthWebService
    unsigned max_updates_per_request = 100;     ///< GetUpdateData limit (real WSUS: 100)
    bool lazy_sync = true;                      ///< downstream servers fetch files of approved updates only
    std::vector<std::string> languages = {"en"};  ///< update languages offered (ShortLanguage codes)
    unsigned cookie_lifetime_minutes = 240;     ///< server cookies (real WSUS: 4 hours)
    /// Downstream servers allowed, by account name (FQDN) or account GUID; empty: any server may sync.
    std::vector<std::string> allowed_downstream;
    /// Report rollup (MS-WSUSSS §3.1.4.13–17): accept computers and their update states from downstream servers
    /// (DoDetailedRollup); false keeps only the downstream servers' own summaries.
    bool rollup_detailed = true;
    /// Accept the rollup operations' reserved cookie (MS-WSUSSS: fixed value, no data; real WSUS downstream
    /// servers send it) from an address that authorized with GetCookie within the cookie lifetime. Off: only
    /// wsusd downstream servers, which send their server cookie, can roll up.
    bool rollup_reserved_cookie = true;
    unsigned rollup_max_client_summaries = 5000;  ///< RollupDownstreamServersMaxBatchSize
    unsigned rollup_max_computers = 1500;         ///< RollupComputersMaxBatchSize
    unsigned rollup_max_out_of_sync = 20000;      ///< GetOutOfSyncComputersMaxBatchSize
    unsigned rollup_max_status = 500;             ///< RollupComputerStatusMaxBatchSize (computers per request)
};

/// This server as a downstream server (MS-WSUSSS DSS role): where and when it synchronizes from.
struct SyncConfig {
    /// Replica servers copy groups and approvals from the upstream server; local approval changes are refused.
    bool replica = false;
    /// Root URL of the upstream server ("http://wsus1:8530", "https://wsus1:8531", or Microsoft Update
    /// "https://sws.update.microsoft.com"); empty = this server does not synchronize.
    std::string upstream_url;
    std::string account_name;                  ///< DssAuth accountName; empty = this host's name
    std::string account_guid;                  ///< DssAuth accountGuid; empty = generated once, kept in the store
    std::vector<std::string> schedule;         ///< times of day "HH:MM" (UTC) to synchronize at
    unsigned interval_minutes = 0;             ///< alternatively: every N minutes (0 = off)
    unsigned jitter_minutes = 15;              ///< random delay added to each scheduled start (no stampede)
    std::vector<std::string> products;         ///< product/product family ids; empty = every product upstream
    std::vector<std::string> classifications;  ///< classification ids; empty = every classification upstream
    std::vector<std::string> languages;        ///< short names ("en", "de"); empty = every language
    bool drivers = false;                      ///< also the Drivers classification
    /// "upstream": files from the upstream server's /Content/; "microsoft": from the MUUrl of each file;
    /// "none": metadata only.
    std::string content = "upstream";
    bool content_approved_only = false;        ///< only files of updates approved for install (lazy sync)
    std::string proxy;                         ///< "http://proxy:3128"; empty = no proxy
    std::string proxy_user;
    std::string proxy_password_file;           ///< file holding the proxy password (keep it mode 0600)
    std::string proxy_auth = "basic";          ///< basic, ntlm or any
    std::string ca_file;                       ///< PEM CA bundle for an HTTPS upstream; empty = system store
    bool verify_tls = true;                    ///< verify the upstream's certificate and host name
    unsigned connect_timeout_seconds = 30;
    unsigned request_timeout_seconds = 600;    ///< one SOAP call or one file (slowest case)
    unsigned retries = 5;                      ///< attempts after the first on network errors and ServerBusy
    unsigned retry_base_seconds = 2;           ///< first backoff; doubles each attempt, with full jitter
    unsigned retry_max_seconds = 300;          ///< backoff ceiling
    unsigned max_updates_per_request = 0;      ///< GetUpdateData batch; 0 = the upstream's maximum
    std::uint64_t max_response_bytes = 256ull << 20;  ///< larger SOAP responses are refused
    /// Report rollup to the upstream server (MS-WSUSSS §3.2.4.5) after each successful sync: this server, its
    /// computers and their update states, what changed since the last acknowledged rollup.
    bool rollup = true;
    unsigned rollup_max_per_request = 0;   ///< computers per request; 0 = the upstream's maximum
    /// Between syncs, roll up alone every N minutes (0 = only with each sync), so the root's reports stay fresh
    /// when this server synchronizes once a day.
    unsigned rollup_interval_minutes = 60;
};

struct LimitsConfig {
    std::uint64_t max_body_bytes = 16 * 1024 * 1024;  ///< larger requests get 413
    std::uint32_t max_header_bytes = 16 * 1024;       ///< larger header blocks get 431
    unsigned read_timeout_seconds = 30;               ///< time to receive one whole request
    unsigned idle_timeout_seconds = 120;              ///< keep-alive connection without a request
    unsigned header_timeout_seconds = 10;             ///< whole request header once it has started (slowloris)
    unsigned max_connections = 4096;                  ///< further connections are closed at accept
    unsigned max_xml_depth = 64;                      ///< nesting depth of a SOAP request
    std::uint32_t max_array_items = 100000;           ///< items in one array of a SOAP request
    // Per-client limits of the client listeners (not the admin API). Generous by default, because a site's
    // clients behind one NAT or proxy share an address; 0 turns a limit off.
    unsigned client_requests_per_second = 100;  ///< sustained requests per client address; beyond: 503 + Retry-After
    unsigned client_request_burst = 2000;       ///< requests a client address may send at once (bucket size)
    unsigned client_max_connections = 256;      ///< open connections per client address; beyond: closed at accept
    /// Addresses and prefixes (CIDR) never limited per client: loopback, and NAT gateways or proxies of many clients.
    std::vector<std::string> client_limit_exempt = {"127.0.0.0/8", "::1"};
};

struct ClientServiceConfig {
    bool registration_required = true;        ///< GetConfig IsRegistrationRequired
    unsigned max_extended_updates_per_request = 50;
    unsigned client_reporting_level = 2;      ///< ClientReportingLevel as real WSUS sends it
    bool inventory_required = false;          ///< IsInventoryRequired
    std::string protocol_version = "3.2";     ///< server protocol version reported in GetConfig
    std::string package_server_share;         ///< optional UNC share advertised as PackageServerShare
    unsigned cookie_lifetime_minutes = 60;    ///< client cookie lifetime (real WSUS: one hour)
    /// "server": the administrator assigns computers to groups; "client": computers name their groups
    /// (Group Policy TargetGroup), as WSUS's "use Group Policy or registry settings on computers".
    std::string targeting = "server";
    bool create_unknown_target_groups = false;  ///< client targeting: create groups clients name
    unsigned sync_page_size = 2000;             ///< updates per SyncUpdates response before Truncated (bench scenario 2)
    std::uint32_t max_cached_update_ids = 100000;  ///< InstalledNonLeaf + OtherCached ids per request
    unsigned max_events_per_batch = 1000;          ///< ReportEventBatch events per request
};

struct ContentConfig {
    /// Update files, as <XX>/<SHA1>.<ext> (the WsusContent layout); empty = DATA_DIR/content.
    std::filesystem::path root;
    unsigned parallel_downloads = 4;  ///< files a sync downloads at once; 1 = one after the other
    /// Bytes per second for all of a sync's downloads together (TOML: integer or "10M"); 0 = unlimited.
    std::uint64_t max_bandwidth = 0;
    /// Catalog rows of served files kept in memory so that a download is answered on the network thread: how many
    /// (0 = none) and for how long (a file taken out of the catalog stops being served after that).
    unsigned lookup_cache_entries = 65536;
    unsigned lookup_cache_seconds = 60;
};

/// Air-gapped transfer (docs/airgap.md): bundles exported here and imported on a disconnected server.
struct AirgapConfig {
    std::filesystem::path signing_key;            ///< exporter's Ed25519 private key (PEM); empty = DATA_DIR/airgap/signing.pem
    std::vector<std::string> trusted_keys;  ///< importer: public keys (PEM) whose bundles are accepted
    std::uint64_t part_size_bytes = 0;            ///< default part size of exports; 0 = one part
    std::uint64_t max_manifest_bytes = 64ull << 20;  ///< larger manifest.json files are refused
    std::uint64_t max_record_bytes = 64ull << 20;    ///< larger update documents or approval records are refused
    std::filesystem::path staging;                ///< files split across parts wait here; empty = DATA_DIR/airgap/staging
};

struct StoreConfig {
    /// What wsusd checks before it serves: "quick" (PRAGMA quick_check, O(pages)), "full" (integrity_check and
    /// foreign keys, slower on a large catalog) or "off". A damaged store stops the start (exit 3).
    std::string startup_check = "quick";
    unsigned check_max_findings = 10;  ///< the check stops after this many problems (they are all logged)
    std::filesystem::path backup_dir;  ///< where backups go and `store recover --latest-backup` looks; empty = DATA_DIR/backups
};

struct LogConfig {
    std::string level = "info";  ///< trace, debug, info, warn, error, critical, off
};

struct Config {
    std::filesystem::path data_dir = "data";  ///< store, TLS material, keys, ports.json
    ServerConfig server;
    AdminConfig admin;
    LimitsConfig limits;
    ClientServiceConfig client;
    ContentConfig content;
    SyncConfig sync;
    UssConfig uss;
    AirgapConfig airgap;
    StoreConfig store;
    LogConfig log;

    /// content.root, or DATA_DIR/content when it is empty.
    std::filesystem::path content_root() const { return content.root.empty() ? data_dir / "content" : content.root; }
    /// store.backup_dir, or DATA_DIR/backups when it is empty.
    std::filesystem::path backup_dir() const { return store.backup_dir.empty() ? data_dir / "backups" : store.backup_dir; }
    std::filesystem::path airgap_signing_key() const {
        return airgap.signing_key.empty() ? data_dir / "airgap" / "signing.pem" : airgap.signing_key;
    }
    std::filesystem::path airgap_staging() const {
        return airgap.staging.empty() ? data_dir / "airgap" / "staging" : airgap.staging;
    }
};

/// Values given on the command line; each one set overrides the file.
struct Overrides {
    std::optional<std::filesystem::path> data_dir;
    std::optional<std::uint16_t> http_port, https_port, admin_port;
    std::optional<std::string> bind, log_level;
};

/// Loads `file` (if given; missing file is an error) over the defaults, applies overrides and
/// validates. Errors name the offending key, e.g. "limits.max_body_bytes: must be at least 1024".
Result<Config> load(const std::optional<std::filesystem::path>& file, const Overrides& overrides);

/// Parses TOML text (for tests and `wsusd config check`).
Result<Config> parse(std::string_view toml_text, const std::string& source_name);

Result<void> validate(const Config& config);

}  // namespace wsusd::config
