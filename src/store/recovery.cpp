#include "store/recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <system_error>

#include "store/schema.h"
#include "store/settings_repo.h"
#include "store/store.h"
#include "store/try.h"

namespace fs = std::filesystem;

namespace wsusd::store {

namespace {

fs::path with_suffix(const fs::path& p, std::string_view suffix) {
    fs::path out = p;
    out += std::string(suffix);
    return out;
}

std::string utc_stamp() {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

void remove_file_set(const fs::path& db) {
    std::error_code ec;
    for (const char* s : {"", "-wal", "-shm", "-journal"}) fs::remove(with_suffix(db, s), ec);
}

// A renamed file is durable only once its folder is synced; the store is too valuable to trust the page cache.
void sync_path(const fs::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

// Moves db, db-wal and db-shm to <db>.corrupt-<stamp>[-N] (with the same suffixes, so SQLite still reads them
// together). Returns the new name of the main file, or empty when there was no store.
Result<fs::path> move_aside(const fs::path& db) {
    std::error_code ec;
    if (!fs::exists(db, ec)) return fs::path();
    fs::path target = with_suffix(db, ".corrupt-" + utc_stamp());
    for (int n = 1; fs::exists(target, ec); ++n) target = with_suffix(db, ".corrupt-" + utc_stamp() + "-" + std::to_string(n));
    for (const char* s : {"", "-wal", "-shm"}) {
        const fs::path from = with_suffix(db, s);
        if (!fs::exists(from, ec)) continue;
        fs::rename(from, with_suffix(target, s), ec);
        if (ec)
            return fail(Errc::io, "recover: move " + from.string() + " aside to " + with_suffix(target, s).string() +
                                      ": " + ec.message() + " (check the permissions of " +
                                      db.parent_path().string() + ")");
    }
    return target;
}

StoreOptions private_options() {
    StoreOptions o;
    o.readers = 1;
    o.create_if_missing = false;
    o.synchronous = Synchronous::full;
    return o;
}

struct Carried {
    std::vector<Setting> settings;
    struct Token {
        std::string name, hash;
        TimePoint created;
        std::optional<TimePoint> last_used;
    };
    std::vector<Token> tokens;
};

// "server.*": settings set through the admin API (src/admin/server_settings.cpp); "sync.account_guid": this
// server's identity towards its upstream (src/services/reporting_rollup.h), so the upstream sees the same server.
bool kept_setting(std::string_view key) { return key.starts_with("server.") || key == "sync.account_guid"; }

// Best effort: a damaged store may still give up these few rows; whatever cannot be read is left behind.
Carried read_carried(const fs::path& damaged, std::vector<std::string>& notes) {
    Carried out;
    ConnectionOptions o;
    o.create = false;
    o.query_only = true;
    auto conn = Connection::open(damaged, o);
    if (!conn) {
        notes.push_back("nothing carried over: " + conn.error().message);
        return out;
    }
    auto settings = [&]() -> Result<std::vector<Setting>> { return SettingsRepo(*conn).all(); }();
    if (settings) {
        for (auto& s : *settings)
            if (kept_setting(s.key)) out.settings.push_back(std::move(s));
    } else {
        notes.push_back("server settings not carried over: " + settings.error().message);
    }
    auto tokens = [&]() -> Result<void> {
        STORE_ASSIGN(auto st, conn->prepare(sql::admin_token_export0));
        while (true) {
            STORE_ASSIGN(const bool row, st.step());
            if (!row) break;
            out.tokens.push_back({st.text(0), st.text(1), st.time(2), st.opt_time(3)});
        }
        return {};
    }();
    if (!tokens) {
        out.tokens.clear();
        notes.push_back("admin tokens not carried over: " + tokens.error().message);
    }
    return out;
}

}  // namespace

std::vector<fs::path> list_backups(const fs::path& dir) {
    std::vector<std::pair<fs::file_time_type, fs::path>> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (!e.is_regular_file(ec) || e.path().extension() != ".db") continue;
        found.emplace_back(e.last_write_time(ec), e.path());
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second > b.second;
    });
    std::vector<fs::path> out;
    for (auto& f : found) out.push_back(std::move(f.second));
    return out;
}

Result<RecoveryReport> restore_backup(const fs::path& db_file, const fs::path& backup) {
    std::error_code ec;
    if (!fs::is_regular_file(backup, ec)) return fail(Errc::not_found, "recover: backup " + backup.string() + " does not exist");
    // Checked on a private copy next to the store: opening applies migrations and WAL mode, which must not
    // touch the backup itself, and the final rename stays on one file system.
    const fs::path staged = with_suffix(db_file, ".restore");
    remove_file_set(staged);
    fs::copy_file(backup, staged, fs::copy_options::overwrite_existing, ec);
    if (ec) return fail(Errc::io, "recover: copy " + backup.string() + " to " + staged.string() + ": " + ec.message());
    {
        auto st = Store::open(staged, private_options());
        Result<void> checked = st ? (*st)->integrity_check() : Result<void>(std::unexpect, st.error());
        if (!checked) {
            st = std::unexpected(Error{Errc::internal, ""});  // close before removing
            remove_file_set(staged);
            const Errc code = checked.error().code == Errc::conflict ? Errc::conflict : Errc::corrupt;
            return fail(code, "backup " + backup.string() + " is not usable: " + checked.error().message);
        }
    }  // closing checkpoints the WAL into the staged file
    sync_path(staged);
    RecoveryReport report;
    report.backup = backup;
    STORE_ASSIGN(report.moved_aside, move_aside(db_file));
    fs::rename(staged, db_file, ec);
    if (ec) return fail(Errc::io, "recover: rename " + staged.string() + " to " + db_file.string() + ": " + ec.message());
    remove_file_set(staged);
    sync_path(db_file.parent_path());
    return report;
}

Result<RecoveryReport> restore_latest_backup(const fs::path& db_file, const fs::path& dir) {
    std::vector<std::string> rejected;
    for (const auto& candidate : list_backups(dir)) {
        auto r = restore_backup(db_file, candidate);
        if (r) {
            r->rejected = std::move(rejected);
            return r;
        }
        if (r.error().code == Errc::io) return r;  // the store's folder, not the backup, is the problem
        rejected.push_back(r.error().message);
    }
    std::string why = rejected.empty() ? "there is none" : std::to_string(rejected.size()) + " failed their check";
    return fail(Errc::not_found, "recover: no usable backup in " + dir.string() + " (" + why +
                                     "); name one with --from-backup FILE, or start empty with --reset");
}

Result<RecoveryReport> reset_store(const fs::path& db_file) {
    RecoveryReport report;
    STORE_ASSIGN(report.moved_aside, move_aside(db_file));
    Carried carried;
    if (!report.moved_aside.empty()) carried = read_carried(report.moved_aside, report.rejected);
    StoreOptions o = private_options();
    o.create_if_missing = true;
    STORE_ASSIGN(auto fresh, Store::open(db_file, o));
    STORE_TRY(fresh->with_writer([&](Connection& c) -> Result<void> {
        SettingsRepo settings(c);
        for (const auto& s : carried.settings) STORE_TRY(settings.set(s.key, s.value, s.changed_at));
        for (const auto& t : carried.tokens) {
            STORE_ASSIGN(auto st, c.prepare(sql::admin_token_import4));
            st.bind_all(t.name, t.hash, t.created, t.last_used);
            STORE_TRY(st.run());
        }
        return {};
    }));
    report.settings_kept = carried.settings.size();
    report.tokens_kept = carried.tokens.size();
    return report;
}

}  // namespace wsusd::store
