#include <arpa/inet.h>
#include <toml++/toml.h>

#include <cctype>
#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <vector>
#include <sstream>

#include "config/config.h"

#include "util/ascii.h"
#include "util/guid.h"

namespace wsusd::config {

namespace {

std::optional<std::uint64_t> parse_byte_size(std::string s) {
    std::erase_if(s, [](unsigned char c) { return std::isspace(c); });
    s = util::to_upper(std::move(s));
    if (s.ends_with("IB")) s.resize(s.size() - 2);
    else if (s.ends_with("B")) s.resize(s.size() - 1);
    double unit = 1;
    if (!s.empty() && (s.back() == 'K' || s.back() == 'M' || s.back() == 'G')) {
        unit = s.back() == 'K' ? 1024.0 : s.back() == 'M' ? 1024.0 * 1024 : 1024.0 * 1024 * 1024;
        s.pop_back();
    }
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }) ||
        std::count(s.begin(), s.end(), '.') > 1)
        return std::nullopt;
    double v = std::stod(s) * unit;
    if (v > 1e18) return std::nullopt;
    return static_cast<std::uint64_t>(v);
}

// Reads typed values out of one TOML table, rejecting wrong types and unknown keys so that a typo
// in the file is reported instead of silently ignored.
class TableReader {
public:
    TableReader(const toml::table& table, std::string prefix) : table_(table), prefix_(std::move(prefix)) {}

    template <class T>
    void read(const char* key, T& out) {
        seen_.insert(key);
        const toml::node* node = table_.get(key);
        if (!node || !error_.empty()) return;
        if constexpr (std::is_same_v<T, bool>) {
            if (auto v = node->value_exact<bool>()) out = *v;
            else type_error(key, "true or false");
        } else if constexpr (std::is_same_v<T, std::string>) {
            if (auto v = node->value_exact<std::string>()) out = *v;
            else type_error(key, "a string");
        } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
            if (auto v = node->value_exact<std::string>()) out = *v;
            else type_error(key, "a path string");
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            const toml::array* a = node->as_array();
            if (!a) return type_error(key, "a list of strings");
            std::vector<std::string> items;
            for (const auto& item : *a) {
                auto v = item.value_exact<std::string>();
                if (!v) return type_error(key, "a list of strings");
                items.push_back(*v);
            }
            out = std::move(items);
        } else {
            auto v = node->value_exact<int64_t>();
            if (!v) return type_error(key, "an integer");
            if (*v < 0 || static_cast<uint64_t>(*v) > std::numeric_limits<T>::max())
                return set_error(name(key) + ": " + std::to_string(*v) + " is out of range (0.." +
                                 std::to_string(std::numeric_limits<T>::max()) + ")");
            out = static_cast<T>(*v);
        }
    }

    /// A byte count: an integer, or a string with a K, M or G suffix (powers of 1024; "B"/"iB" after it and
    /// spaces are allowed): 1048576, "512K", "10M", "1.5G".
    void read_bytes(const char* key, std::uint64_t& out) {
        seen_.insert(key);
        const toml::node* node = table_.get(key);
        if (!node || !error_.empty()) return;
        if (auto v = node->value_exact<int64_t>()) {
            if (*v < 0) return set_error(name(key) + ": must not be negative");
            out = static_cast<std::uint64_t>(*v);
            return;
        }
        auto text = node->value_exact<std::string>();
        if (!text) return type_error(key, "a number of bytes or a string such as \"10M\"");
        auto parsed = parse_byte_size(*text);
        if (!parsed) return set_error(name(key) + ": \"" + *text + "\" is not a size (e.g. 1048576, \"512K\", \"10M\", \"1G\")");
        out = *parsed;
    }

    void finish() {
        for (const auto& [k, v] : table_) {
            if (!seen_.count(std::string(k.str())) && error_.empty())
                set_error(name(std::string(k.str()).c_str()) + ": unknown key");
        }
    }

    const std::string& error() const { return error_; }

private:
    std::string name(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
    void type_error(const char* key, const char* want) { set_error(name(key) + ": must be " + want); }
    void set_error(std::string e) {
        if (error_.empty()) error_ = std::move(e);
    }

    const toml::table& table_;
    std::string prefix_;
    std::set<std::string> seen_;
    std::string error_;
};

Result<void> read_section(const toml::table& root, const char* section, auto&& fill) {
    const toml::node* node = root.get(section);
    if (!node) return {};
    const toml::table* t = node->as_table();
    if (!t) return fail(Errc::invalid_argument, std::string(section) + ": must be a table ([" + section + "])");
    TableReader r(*t, section);
    fill(r);
    r.finish();
    if (!r.error().empty()) return fail(Errc::invalid_argument, r.error());
    return {};
}

}  // namespace

Result<Config> parse(std::string_view toml_text, const std::string& source_name) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << source_name << " line " << e.source().begin.line << ", column " << e.source().begin.column << ": "
            << e.description();
        return fail(Errc::invalid_argument, msg.str());
    }
    Config c;
    if (const toml::node* dd = root.get("data_dir")) {
        auto v = dd->value_exact<std::string>();
        if (!v) return fail(Errc::invalid_argument, "data_dir: must be a path string");
        c.data_dir = *v;
    }
    if (auto r = read_section(root, "server", [&](TableReader& t) {
            t.read("bind", c.server.bind);
            t.read("http_port", c.server.http_port);
            t.read("https_port", c.server.https_port);
            t.read("https_enabled", c.server.https_enabled);
            t.read("tls_certificate", c.server.tls_certificate);
            t.read("tls_private_key", c.server.tls_private_key);
            t.read("public_host", c.server.public_host);
            t.read("io_threads", c.server.io_threads);
            t.read("worker_threads", c.server.worker_threads);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "admin", [&](TableReader& t) {
            t.read("bind", c.admin.bind);
            t.read("port", c.admin.port);
            t.read("enabled", c.admin.enabled);
            t.read("tls", c.admin.tls);
            t.read("max_page", c.admin.max_page);
            t.read("maintenance_interval_seconds", c.admin.maintenance_interval_seconds);
            t.read("maintenance_max_per_run", c.admin.maintenance_max_per_run);
            t.read("notify_max_attempts", c.admin.notify_max_attempts);
            t.read("notify_retry_seconds", c.admin.notify_retry_seconds);
            t.read("notify_timeout_seconds", c.admin.notify_timeout_seconds);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "limits", [&](TableReader& t) {
            t.read("max_body_bytes", c.limits.max_body_bytes);
            t.read("max_header_bytes", c.limits.max_header_bytes);
            t.read("read_timeout_seconds", c.limits.read_timeout_seconds);
            t.read("idle_timeout_seconds", c.limits.idle_timeout_seconds);
            t.read("header_timeout_seconds", c.limits.header_timeout_seconds);
            t.read("max_connections", c.limits.max_connections);
            t.read("max_xml_depth", c.limits.max_xml_depth);
            t.read("max_array_items", c.limits.max_array_items);
            t.read("client_requests_per_second", c.limits.client_requests_per_second);
            t.read("client_request_burst", c.limits.client_request_burst);
            t.read("client_max_connections", c.limits.client_max_connections);
            t.read("client_limit_exempt", c.limits.client_limit_exempt);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "client", [&](TableReader& t) {
            t.read("registration_required", c.client.registration_required);
            t.read("max_extended_updates_per_request", c.client.max_extended_updates_per_request);
            t.read("client_reporting_level", c.client.client_reporting_level);
            t.read("inventory_required", c.client.inventory_required);
            t.read("protocol_version", c.client.protocol_version);
            t.read("package_server_share", c.client.package_server_share);
            t.read("cookie_lifetime_minutes", c.client.cookie_lifetime_minutes);
            t.read("targeting", c.client.targeting);
            t.read("create_unknown_target_groups", c.client.create_unknown_target_groups);
            t.read("sync_page_size", c.client.sync_page_size);
            t.read("max_cached_update_ids", c.client.max_cached_update_ids);
            t.read("max_events_per_batch", c.client.max_events_per_batch);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "content", [&](TableReader& t) {
            t.read("root", c.content.root);
            t.read("parallel_downloads", c.content.parallel_downloads);
            t.read_bytes("max_bandwidth", c.content.max_bandwidth);
            t.read("lookup_cache_entries", c.content.lookup_cache_entries);
            t.read("lookup_cache_seconds", c.content.lookup_cache_seconds);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "sync", [&](TableReader& t) {
            auto& s = c.sync;
            t.read("replica", s.replica);
            t.read("upstream_url", s.upstream_url);
            t.read("account_name", s.account_name);
            t.read("account_guid", s.account_guid);
            t.read("schedule", s.schedule);
            t.read("interval_minutes", s.interval_minutes);
            t.read("jitter_minutes", s.jitter_minutes);
            t.read("products", s.products);
            t.read("classifications", s.classifications);
            t.read("languages", s.languages);
            t.read("drivers", s.drivers);
            t.read("content", s.content);
            t.read("content_approved_only", s.content_approved_only);
            t.read("proxy", s.proxy);
            t.read("proxy_user", s.proxy_user);
            t.read("proxy_password_file", s.proxy_password_file);
            t.read("proxy_auth", s.proxy_auth);
            t.read("ca_file", s.ca_file);
            t.read("verify_tls", s.verify_tls);
            t.read("connect_timeout_seconds", s.connect_timeout_seconds);
            t.read("request_timeout_seconds", s.request_timeout_seconds);
            t.read("retries", s.retries);
            t.read("retry_base_seconds", s.retry_base_seconds);
            t.read("retry_max_seconds", s.retry_max_seconds);
            t.read("max_updates_per_request", s.max_updates_per_request);
            t.read("max_response_bytes", s.max_response_bytes);
            t.read("rollup", s.rollup);
            t.read("rollup_max_per_request", s.rollup_max_per_request);
            t.read("rollup_interval_minutes", s.rollup_interval_minutes);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "upstream_role", [&](TableReader& t) {
            t.read("enabled", c.uss.enabled);
            t.read("max_updates_per_request", c.uss.max_updates_per_request);
            t.read("lazy_sync", c.uss.lazy_sync);
            t.read("languages", c.uss.languages);
            t.read("cookie_lifetime_minutes", c.uss.cookie_lifetime_minutes);
            t.read("allowed_downstream", c.uss.allowed_downstream);
            t.read("rollup_detailed", c.uss.rollup_detailed);
            t.read("rollup_reserved_cookie", c.uss.rollup_reserved_cookie);
            t.read("rollup_max_client_summaries", c.uss.rollup_max_client_summaries);
            t.read("rollup_max_computers", c.uss.rollup_max_computers);
            t.read("rollup_max_out_of_sync", c.uss.rollup_max_out_of_sync);
            t.read("rollup_max_status", c.uss.rollup_max_status);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "airgap", [&](TableReader& t) {
            t.read("signing_key", c.airgap.signing_key);
            t.read("trusted_keys", c.airgap.trusted_keys);
            t.read("part_size_bytes", c.airgap.part_size_bytes);
            t.read("max_manifest_bytes", c.airgap.max_manifest_bytes);
            t.read("max_record_bytes", c.airgap.max_record_bytes);
            t.read("staging", c.airgap.staging);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "store", [&](TableReader& t) {
            t.read("startup_check", c.store.startup_check);
            t.read("check_max_findings", c.store.check_max_findings);
            t.read("backup_dir", c.store.backup_dir);
        });
        !r)
        return std::unexpected(r.error());
    if (auto r = read_section(root, "log", [&](TableReader& t) { t.read("level", c.log.level); }); !r)
        return std::unexpected(r.error());
    for (const auto& [k, v] : root) {
        static const std::set<std::string> known{"data_dir", "server", "admin", "limits", "client", "content", "sync", "upstream_role", "airgap", "store", "log"};
        if (!known.count(std::string(k.str())))
            return fail(Errc::invalid_argument, std::string(k.str()) + ": unknown key");
    }
    if (auto r = validate(c); !r) return std::unexpected(r.error());
    return c;
}

Result<Config> load(const std::optional<std::filesystem::path>& file, const Overrides& o) {
    Config c;
    if (file) {
        std::ifstream in(*file, std::ios::binary);
        if (!in) return fail(Errc::io, file->string() + ": cannot read the configuration file");
        std::stringstream text;
        text << in.rdbuf();
        auto parsed = parse(text.str(), file->string());
        if (!parsed) return parsed;
        c = std::move(*parsed);
    }
    if (o.data_dir) c.data_dir = *o.data_dir;
    if (o.http_port) c.server.http_port = *o.http_port;
    if (o.https_port) c.server.https_port = *o.https_port;
    if (o.admin_port) c.admin.port = *o.admin_port;
    if (o.bind) c.server.bind = *o.bind;
    if (o.log_level) c.log.level = *o.log_level;
    if (auto r = validate(c); !r) return std::unexpected(r.error());
    return c;
}

namespace {


bool is_time_of_day(std::string_view s) {
    if (s.size() != 5 || s[2] != ':') return false;
    for (int i : {0, 1, 3, 4})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60;
}

Result<void> validate_sync(const SyncConfig& s) {
    auto bad = [](std::string key, std::string why) { return fail(Errc::invalid_argument, "sync." + key + ": " + why); };
    if (!s.upstream_url.empty() && !s.upstream_url.starts_with("http://") && !s.upstream_url.starts_with("https://"))
        return bad("upstream_url", "must start with http:// or https:// (e.g. \"http://wsus1:8530\")");
    if (!s.account_guid.empty() && !util::is_guid(s.account_guid))
        return bad("account_guid", "must be a GUID (8-4-4-4-12 hexadecimal digits) or empty");
    for (const auto& t : s.schedule)
        if (!is_time_of_day(t)) return bad("schedule", "\"" + t + "\" is not a time of day HH:MM (00:00 to 23:59, UTC)");
    if (s.jitter_minutes > 720) return bad("jitter_minutes", "must be 0..720");
    for (const auto& id : s.products)
        if (!util::is_guid(id)) return bad("products", "\"" + id + "\" is not a category GUID");
    for (const auto& id : s.classifications)
        if (!util::is_guid(id)) return bad("classifications", "\"" + id + "\" is not a classification GUID");
    for (const auto& l : s.languages)
        if (l.empty() || l.size() > 16) return bad("languages", "\"" + l + "\" is not a language short name");
    if (s.content != "upstream" && s.content != "microsoft" && s.content != "none")
        return bad("content", "must be \"upstream\", \"microsoft\" or \"none\"");
    if (!s.proxy.empty() && s.proxy.find("://") == std::string::npos)
        return bad("proxy", "must be a URL such as \"http://proxy.example:3128\"");
    if (s.proxy_auth != "basic" && s.proxy_auth != "ntlm" && s.proxy_auth != "any")
        return bad("proxy_auth", "must be \"basic\", \"ntlm\" or \"any\"");
    if (!s.proxy_password_file.empty() && s.proxy_user.empty())
        return bad("proxy_user", "must be set when sync.proxy_password_file is");
    if (s.connect_timeout_seconds < 1) return bad("connect_timeout_seconds", "must be at least 1");
    if (s.request_timeout_seconds < 1) return bad("request_timeout_seconds", "must be at least 1");
    if (s.retries > 100) return bad("retries", "must be 0..100");
    if (s.retry_base_seconds > s.retry_max_seconds)
        return bad("retry_base_seconds", "must not exceed sync.retry_max_seconds");
    if (s.max_response_bytes < 1024 * 1024) return bad("max_response_bytes", "must be at least 1048576");
    if (s.rollup_max_per_request > 100000) return bad("rollup_max_per_request", "must be 0..100000");
    if (s.rollup_interval_minutes > 10080) return bad("rollup_interval_minutes", "must be 0..10080 (a week)");
    return {};
}

// "addr" or "addr/bits" with an IPv4 or IPv6 address (net::AddressSet reads the same form).
bool is_address_or_prefix(const std::string& s) {
    auto slash = s.find('/');
    std::string addr = s.substr(0, slash);
    unsigned char buf[16];
    bool v4 = inet_pton(AF_INET, addr.c_str(), buf) == 1;
    if (!v4 && inet_pton(AF_INET6, addr.c_str(), buf) != 1) return false;
    if (slash == std::string::npos) return true;
    auto digits = s.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos)
        return false;
    return std::stoul(digits) <= (v4 ? 32u : 128u);
}

}  // namespace

Result<void> validate(const Config& c) {
    auto bad = [](std::string key, std::string why) { return fail(Errc::invalid_argument, key + ": " + why); };
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!levels.count(c.log.level)) return bad("log.level", "must be one of trace, debug, info, warn, error, critical, off");
    if (c.data_dir.empty()) return bad("data_dir", "must not be empty");
    if (c.server.bind.empty()) return bad("server.bind", "must be an IP address");
    if (c.server.io_threads < 1 || c.server.io_threads > 64) return bad("server.io_threads", "must be 1..64");
    if (c.server.worker_threads > 256) return bad("server.worker_threads", "must be 0..256");
    if (c.server.https_enabled && c.server.http_port != 0 && c.server.http_port == c.server.https_port)
        return bad("server.https_port", "must differ from server.http_port");
    if (c.server.tls_certificate.empty() != c.server.tls_private_key.empty())
        return bad("server.tls_private_key", "set both server.tls_certificate and server.tls_private_key, or neither");
    if (c.limits.max_body_bytes < 1024) return bad("limits.max_body_bytes", "must be at least 1024");
    if (c.limits.max_header_bytes < 1024) return bad("limits.max_header_bytes", "must be at least 1024");
    if (c.limits.read_timeout_seconds < 1) return bad("limits.read_timeout_seconds", "must be at least 1");
    if (c.limits.header_timeout_seconds < 1) return bad("limits.header_timeout_seconds", "must be at least 1");
    if (c.limits.idle_timeout_seconds < 1) return bad("limits.idle_timeout_seconds", "must be at least 1");
    if (c.limits.max_connections < 1) return bad("limits.max_connections", "must be at least 1");
    if (c.limits.max_xml_depth < 8) return bad("limits.max_xml_depth", "must be at least 8");
    if (c.limits.max_array_items < 1) return bad("limits.max_array_items", "must be at least 1");
    for (const auto& e : c.limits.client_limit_exempt)
        if (!is_address_or_prefix(e))
            return bad("limits.client_limit_exempt",
                       "'" + e + "' is not an IP address or prefix (examples: 10.0.0.0/8, 192.168.1.20, fd00::/8)");
    if (c.client.max_extended_updates_per_request < 1)
        return bad("client.max_extended_updates_per_request", "must be at least 1");
    if (c.client.cookie_lifetime_minutes < 1) return bad("client.cookie_lifetime_minutes", "must be at least 1");
    if (c.client.targeting != "server" && c.client.targeting != "client")
        return bad("client.targeting", "must be \"server\" or \"client\"");
    if (c.client.sync_page_size < 1 || c.client.sync_page_size > 10000)
        return bad("client.sync_page_size", "must be 1..10000");
    if (c.uss.max_updates_per_request < 1 || c.uss.max_updates_per_request > 10000)
        return bad("upstream_role.max_updates_per_request", "must be 1 to 10000");
    if (c.uss.cookie_lifetime_minutes < 1) return bad("upstream_role.cookie_lifetime_minutes", "must be at least 1");
    for (auto [key, v] : {std::pair{"rollup_max_client_summaries", c.uss.rollup_max_client_summaries},
                          std::pair{"rollup_max_computers", c.uss.rollup_max_computers},
                          std::pair{"rollup_max_out_of_sync", c.uss.rollup_max_out_of_sync},
                          std::pair{"rollup_max_status", c.uss.rollup_max_status}})
        if (v < 1 || v > 100000) return bad(std::string("upstream_role.") + key, "must be 1 to 100000");
    if (c.admin.max_page < 1 || c.admin.max_page > 100000) return bad("admin.max_page", "must be 1 to 100000");
    if (c.store.startup_check != "quick" && c.store.startup_check != "full" && c.store.startup_check != "off")
        return bad("store.startup_check", "must be quick, full or off");
    if (c.store.check_max_findings < 1 || c.store.check_max_findings > 10000)
        return bad("store.check_max_findings", "must be 1 to 10000");
    if (c.admin.maintenance_interval_seconds < 1 || c.admin.maintenance_interval_seconds > 7 * 86400)
        return bad("admin.maintenance_interval_seconds", "must be 1 to 604800 (a week)");
    if (c.admin.maintenance_max_per_run < 1 || c.admin.maintenance_max_per_run > 1000000)
        return bad("admin.maintenance_max_per_run", "must be 1 to 1000000");
    if (c.admin.notify_max_attempts < 1 || c.admin.notify_max_attempts > 100)
        return bad("admin.notify_max_attempts", "must be 1 to 100");
    if (c.admin.notify_retry_seconds > 86400) return bad("admin.notify_retry_seconds", "must be at most 86400");
    if (c.admin.notify_timeout_seconds < 1 || c.admin.notify_timeout_seconds > 600)
        return bad("admin.notify_timeout_seconds", "must be 1 to 600");
    if (c.client.max_events_per_batch < 1) return bad("client.max_events_per_batch", "must be at least 1");
    if (c.client.max_cached_update_ids < 1) return bad("client.max_cached_update_ids", "must be at least 1");
    if (c.client.client_reporting_level > 2) return bad("client.client_reporting_level", "must be 0, 1 or 2");
    if (!c.content.root.empty() && (c.content.root / "").lexically_normal() == (c.data_dir / "").lexically_normal())
        return bad("content.root",
                   "must not be the data directory itself (use a folder inside it, e.g. DATA_DIR/content)");
    if (c.content.parallel_downloads < 1 || c.content.parallel_downloads > 64)
        return bad("content.parallel_downloads", "must be 1 (one file at a time) to 64");
    if (c.content.lookup_cache_entries > 10'000'000)
        return bad("content.lookup_cache_entries", "must be 0 (no cache) to 10000000");
    if (c.content.lookup_cache_seconds < 1 || c.content.lookup_cache_seconds > 86400)
        return bad("content.lookup_cache_seconds", "must be 1 to 86400");
    if (c.content.max_bandwidth != 0 && c.content.max_bandwidth < 1024)
        return bad("content.max_bandwidth", "must be 0 (unlimited) or at least 1024 bytes/s (\"1K\")");
    if (auto r = validate_sync(c.sync); !r) return r;
    if (c.airgap.part_size_bytes != 0 && c.airgap.part_size_bytes < 1024 * 1024)
        return bad("airgap.part_size_bytes", "must be 0 (one part) or at least 1048576");
    if (c.airgap.max_manifest_bytes < 64 * 1024) return bad("airgap.max_manifest_bytes", "must be at least 65536");
    if (c.airgap.max_record_bytes < 1024 * 1024) return bad("airgap.max_record_bytes", "must be at least 1048576");
    return {};
}

}  // namespace wsusd::config
