#include "app/diagnose.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <systemd/sd-journal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>
#include <vector>

#include "app/sync_setup.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "store/sync_repo.h"
#include "util/ascii.h"
#include "util/time_format.h"
#include "util/url.h"

namespace wsusd::app {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

bool is_secret_key(std::string key) {
    key = util::to_lower(std::move(key));
    for (const char* word : {"password", "passphrase", "secret", "token", "credential", "private"})
        if (key.find(word) != std::string::npos) return true;
    return key.ends_with("_key") || key == "key";
}

void redact_node(toml::node& node);

void redact_table(toml::table& table) {
    for (auto&& [key, value] : table) {
        if (is_secret_key(std::string(key.str())) && !value.is_table() && !value.is_array()) {
            table.insert_or_assign(key, "<redacted>");
            continue;
        }
        redact_node(value);
    }
}

void redact_node(toml::node& node) {
    if (auto* t = node.as_table()) return redact_table(*t);
    if (auto* a = node.as_array()) {
        for (auto& item : *a) redact_node(item);
        return;
    }
    if (auto* s = node.as_string()) s->get() = util::redact_url(s->get());
}

// Store health from a read-only connection: diagnose must never migrate or otherwise write the store.
json store_report(const fs::path& db_file, json& history) {
    json out{{"file", db_file.string()}, {"supported_schema_version", store::kLatestSchemaVersion}};
    std::error_code ec;
    out["size_bytes"] = fs::exists(db_file, ec) ? static_cast<std::int64_t>(fs::file_size(db_file, ec)) : 0;
    auto wal = fs::path(db_file.string() + "-wal");
    out["wal_bytes"] = fs::exists(wal, ec) ? static_cast<std::int64_t>(fs::file_size(wal, ec)) : 0;
    store::ConnectionOptions o;
    o.create = false;
    o.query_only = true;
    auto conn = store::Connection::open(db_file, o);
    if (!conn) {
        out["error"] = "cannot open: " + conn.error().message;
        history = {{"error", "store not readable"}};
        return out;
    }
    if (auto v = conn->query_int("PRAGMA user_version")) out["schema_version"] = *v;
    if (auto check = conn->prepare("PRAGMA quick_check")) {
        json problems = json::array();
        while (check->step().value_or(false) && problems.size() < 20) {
            if (check->text(0) != "ok") problems.push_back(check->text(0));
        }
        out["quick_check"] = problems.empty() ? json("ok") : problems;
    }
    json rows = json::object();
    std::vector<std::string> tables;
    if (auto st = conn->prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                "ORDER BY name")) {
        while (st->step().value_or(false)) tables.push_back(st->text(0));
    }
    for (const auto& t : tables) {
        // Names come from sqlite_master of this file; quoting keeps an odd name from breaking the statement.
        if (auto n = conn->query_int("SELECT COUNT(*) FROM \"" + t + "\"")) rows[t] = *n;
    }
    out["rows"] = rows;
    auto runs = store::SyncRepo(*conn).recent_runs(20);
    history = runs ? sync_runs_json(*runs) : json{{"error", runs.error().message}};
    return out;
}

json filesystem_report(const fs::path& dir) {
    json out{{"path", dir.string()}};
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) != 0) {
        out["error"] = "not accessible";
        return out;
    }
    out["total_bytes"] = static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
    out["free_bytes"] = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    return out;
}

// Bytes and files under a directory; bounded so a huge content store does not make diagnose take minutes.
json usage_of(const fs::path& dir, std::size_t max_files = 2'000'000) {
    std::uint64_t bytes = 0, files = 0;
    std::error_code ec;
    bool complete = true;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        bytes += it->file_size(ec);
        if (++files >= max_files) {
            complete = false;
            break;
        }
    }
    return {{"path", dir.string()}, {"bytes", bytes}, {"files", files}, {"complete", complete}};
}

// The last warnings and errors wsusd wrote to the journal (when it runs under systemd).
std::string journal_excerpt(int entries) {
    sd_journal* j = nullptr;
    if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0) return "journal not readable by this user\n";
    std::unique_ptr<sd_journal, decltype(&sd_journal_close)> guard(j, sd_journal_close);
    sd_journal_add_match(j, "_SYSTEMD_UNIT=wsusd.service", 0);
    sd_journal_add_conjunction(j);
    for (const char* p : {"PRIORITY=0", "PRIORITY=1", "PRIORITY=2", "PRIORITY=3", "PRIORITY=4"})
        sd_journal_add_match(j, p, 0);
    std::vector<std::string> lines;
    sd_journal_seek_tail(j);
    while (static_cast<int>(lines.size()) < entries && sd_journal_previous(j) > 0) {
        const void* data = nullptr;
        std::size_t length = 0;
        std::uint64_t usec = 0;
        sd_journal_get_realtime_usec(j, &usec);
        std::string message;
        if (sd_journal_get_data(j, "MESSAGE", &data, &length) >= 0) message.assign(static_cast<const char*>(data), length);
        if (message.starts_with("MESSAGE=")) message.erase(0, 8);
        auto when = std::chrono::system_clock::time_point(std::chrono::microseconds(usec));
        lines.push_back(util::format_datetime(when, 3) + " " +
                        message);
    }
    if (lines.empty()) return "no warnings or errors from wsusd.service in the journal\n";
    std::string out;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) out += *it + "\n";
    return out;
}

std::string version_text() {
    std::ostringstream out;
    out << "wsusd " << WSUSD_VERSION << "\n"
        << "sqlite " << sqlite3_libversion() << "\n"
        << OpenSSL_version(OPENSSL_VERSION) << "\n"
        << curl_version() << "\n";
    struct utsname u {};
    if (::uname(&u) == 0) out << u.sysname << " " << u.release << " " << u.version << " " << u.machine << "\n";
    return out.str();
}

class TarGz {
  public:
    explicit TarGz(const fs::path& path) : a_(archive_write_new()) {
        archive_write_add_filter_gzip(a_);
        archive_write_set_format_pax_restricted(a_);
        ok_ = archive_write_open_filename(a_, path.c_str()) == ARCHIVE_OK;
    }
    ~TarGz() {
        archive_write_close(a_);
        archive_write_free(a_);
    }
    bool ok() const { return ok_; }
    std::string error() const { return archive_error_string(a_) ? archive_error_string(a_) : "unknown error"; }
    bool add(const std::string& name, const std::string& data) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, ("wsusd-diagnose/" + name).c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0600);
        archive_entry_set_mtime(e, std::time(nullptr), 0);
        bool good = archive_write_header(a_, e) == ARCHIVE_OK &&
                    archive_write_data(a_, data.data(), data.size()) == static_cast<la_ssize_t>(data.size());
        archive_entry_free(e);
        ok_ = ok_ && good;
        return good;
    }
    bool close() { return archive_write_close(a_) == ARCHIVE_OK && ok_; }

  private:
    archive* a_;
    bool ok_ = false;
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::string redact_config(std::string_view toml_text) {
    try {
        toml::table table = toml::parse(toml_text);
        redact_table(table);
        std::ostringstream out;
        out << table << "\n";
        return out.str();
    } catch (const toml::parse_error& e) {
        return "# the configuration file does not parse (" + std::string(e.description()) +
               "); left out so no secret can leak\n";
    }
}

int diagnose(const config::Config& cfg, const std::optional<fs::path>& config_file, const fs::path& output,
             int journal_entries) {
    // The archive holds host details: only its owner may read it.
    const mode_t old_mask = ::umask(077);
    TarGz tar(output);
    ::umask(old_mask);
    if (!tar.ok()) {
        std::cerr << "wsusd diagnose: cannot write " << output.string() << ": " << tar.error()
                  << " (choose another --output)\n";
        return 1;
    }
    json history;
    json store = store_report(cfg.data_dir / "wsusd.db", history);
    json disk{{"data_dir", filesystem_report(cfg.data_dir)},
              {"content_root", filesystem_report(cfg.content_root())},
              {"data_usage", usage_of(cfg.data_dir)},
              {"content_usage", usage_of(cfg.content_root())}};
    json summary{{"generated_at", util::format_datetime(std::chrono::system_clock::now(), 3)},
                 {"config_file", config_file ? config_file->string() : "(built-in defaults)"},
                 {"data_dir", cfg.data_dir.string()},
                 {"http_port", cfg.server.http_port},
                 {"https_port", cfg.server.https_port},
                 {"admin_port", cfg.admin.port},
                 {"upstream", util::redact_url(cfg.sync.upstream_url)},
                 {"replica", cfg.sync.replica}};
    std::string config_text = config_file ? redact_config(read_file(*config_file))
                                          : "# no configuration file: built-in defaults and command-line options\n";
    std::error_code ec;
    std::string ports = fs::exists(cfg.data_dir / "ports.json", ec) ? read_file(cfg.data_dir / "ports.json")
                                                                     : "{}\n";
    bool good = tar.add("README.txt",
                        "Collected by `wsusd diagnose`. Secrets in the configuration are replaced by <redacted>.\n"
                        "summary.json   effective settings\nversion.txt    wsusd, libraries, kernel\n"
                        "config.toml    the configuration file, redacted\nstore.json     schema, integrity, row counts\n"
                        "sync-history.json  the last 20 synchronizations\ndisk.json      free space and usage\n"
                        "ports.json     the ports the running daemon listens on\n"
                        "journal.log    the last warnings and errors of wsusd.service\n") &&
                tar.add("summary.json", summary.dump(2) + "\n") && tar.add("version.txt", version_text()) &&
                tar.add("config.toml", config_text) && tar.add("store.json", store.dump(2) + "\n") &&
                tar.add("sync-history.json", history.dump(2) + "\n") && tar.add("disk.json", disk.dump(2) + "\n") &&
                tar.add("ports.json", ports) && tar.add("journal.log", journal_excerpt(journal_entries));
    if (!good || !tar.close()) {
        std::cerr << "wsusd diagnose: writing " << output.string() << " failed: " << tar.error()
                  << " (check free space)\n";
        return 1;
    }
    std::cout << output.string() << "\n";
    return 0;
}

}  // namespace wsusd::app
