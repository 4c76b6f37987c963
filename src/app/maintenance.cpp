#include "app/maintenance.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "admin/token.h"
#include "catalog/catalog_import.h"
#include "content/content_catalog.h"
#include "content/content_store.h"
#include "core/cookie_codec.h"
#include "metadata/catalog_generator.h"
#include "store/admin_repo.h"
#include "store/recovery.h"
#include "store/revision_repo.h"
#include "store/store.h"
#include "util/ascii.h"
#include "util/encoding.h"
#include "util/time_format.h"

namespace wsusd::app {

namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kCorrupt = 3, kNoBackup = 5;

std::unique_ptr<store::Store> open_store(const std::filesystem::path& data_dir, bool create) {
    std::error_code ec;
    if (create) std::filesystem::create_directories(data_dir, ec);
    store::StoreOptions o;
    o.readers = 2;
    o.create_if_missing = create;
    auto st = store::Store::open(data_dir / "wsusd.db", o);
    if (!st) {
        std::cerr << "wsusd: cannot open the store in " << data_dir.string() << ": " << st.error().message << "\n";
        return nullptr;
    }
    return std::move(*st);
}

// Writes every file of a generated catalog's content-manifest.tsv as <XX>/<SHA1>.<ext>, streamed.
Result<std::size_t> write_generated_content(const std::filesystem::path& manifest, const std::filesystem::path& out) {
    std::ifstream in(manifest);
    if (!in) return fail(Errc::io, "cannot read " + manifest.string());
    std::vector<char> buf(1 << 20);
    std::size_t files = 0;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        std::vector<std::string> cols;
        for (std::size_t start = 0;;) {
            auto tab = line.find('\t', start);
            cols.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        auto sha1 = cols.size() == 5 ? util::base64_decode(cols[0]) : std::nullopt;
        if (!sha1 || sha1->size() != 20) return fail(Errc::invalid_argument, manifest.string() + ": bad line: " + line);
        metadata::FileSpec spec;
        try {
            spec.size = std::stoull(cols[2]);
            spec.content_seed = std::stoull(cols[3], nullptr, 16);
        } catch (const std::exception&) {
            return fail(Errc::invalid_argument, manifest.string() + ": bad size or seed: " + line);
        }
        std::string hex = util::to_upper(util::to_hex(*sha1));
        std::string ext = content::extension_of(cols[4]);
        auto dir = out / hex.substr(38);
        std::filesystem::create_directories(dir);
        auto path = dir / (ext.empty() ? hex : hex + "." + ext);
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        for (std::uint64_t off = 0; off < spec.size;) {
            auto n = metadata::generated_file_bytes(spec, off, buf.data(), buf.size());
            if (n == 0) break;
            f.write(buf.data(), static_cast<std::streamsize>(n));
            off += n;
        }
        if (!f) return fail(Errc::io, "cannot write " + path.string());
        ++files;
    }
    return files;
}

}  // namespace

int catalog_import(const std::filesystem::path& data_dir, const std::filesystem::path& source, bool quiet) {
    auto st = open_store(data_dir, true);
    if (!st) return kFailed;
    catalog::ImportOptions opt;
    auto started = std::chrono::steady_clock::now();
    if (!quiet)
        opt.progress = [](std::size_t done, std::size_t total) {
            std::cerr << "\rimported " << done << " of " << total << " documents" << std::flush;
        };
    auto report = catalog::import_catalog(*st, source, opt);
    if (!quiet) std::cerr << "\n";
    if (!report) {
        std::cerr << "wsusd: catalog import failed: " << report.error().message
                  << " (batches committed before the failure are kept; run the import again to finish)\n";
        return kFailed;
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "documents: " << report->documents << ", new revisions: " << report->imported
              << ", already present: " << report->unchanged << ", rejected: " << report->rejected.size() << " ("
              << secs << " s)\n";
    for (const auto& r : report->rejected) std::cout << "rejected " << r.file.string() << ": " << r.reason << "\n";
    return report->rejected.empty() ? kOk : 4;  // 4: imported, but some documents were bad
}

int catalog_export(const std::filesystem::path& data_dir, const std::filesystem::path& target) {
    auto st = open_store(data_dir, false);
    if (!st) return kFailed;
    auto n = catalog::export_catalog(*st, target);
    if (!n) {
        std::cerr << "wsusd: catalog export failed: " << n.error().message << "\n";
        return kFailed;
    }
    std::cout << "exported " << *n << " documents to " << target.string() << "\n";
    return kOk;
}

int catalog_generate(std::uint64_t revisions, std::uint64_t seed, const std::filesystem::path& out,
                     const std::filesystem::path& templates, const std::filesystem::path& content_out) {
    metadata::GeneratorOptions o;
    o.revisions = revisions;
    o.seed = seed;
    o.output_dir = out;
    o.template_dir = templates;
    auto started = std::chrono::steady_clock::now();
    auto stats = metadata::generate_catalog(o);
    if (!stats) {
        std::cerr << "wsusd: catalog generate failed: " << stats.error().message << "\n";
        return kFailed;
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "generated " << stats->documents << " documents (" << stats->update_ids << " updates, "
              << stats->bundles << " bundles, " << stats->drivers << " drivers, " << stats->superseding_updates
              << " superseding) in " << out.string() << " (" << secs << " s)\n";
    if (!content_out.empty()) {
        auto written = write_generated_content(out / "content-manifest.tsv", content_out);
        if (!written) {
            std::cerr << "wsusd: catalog generate --write-content failed: " << written.error().message << "\n";
            return kFailed;
        }
        std::cout << "wrote " << *written << " content files to " << content_out.string() << "\n";
    }
    return kOk;
}

int content_import(const config::Config& config, const std::filesystem::path& source, bool quiet) {
    auto st = open_store(config.data_dir, false);
    if (!st) return kFailed;
    auto content = content::ContentStore::open(config.content_root());
    if (!content) {
        std::cerr << "wsusd: " << content.error().message << "\n";
        return kFailed;
    }
    std::shared_ptr<store::Store> db = std::move(st);
    auto started = std::chrono::steady_clock::now();
    std::function<void(std::size_t)> progress;
    if (!quiet) progress = [](std::size_t n) { std::cerr << "\rhashed " << n << " files" << std::flush; };
    auto report = content::import_directory(**content, content::store_lookup(db), source, progress);
    if (!quiet) std::cerr << "\n";
    if (!report) {
        std::cerr << "wsusd: content import failed: " << report.error().message
                  << " (files stored before the failure are kept; run the import again to finish)\n";
        return kFailed;
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "files: " << report->scanned << ", imported: " << report->imported << " (" << report->bytes_imported
              << " bytes), already present: " << report->already_present
              << ", not in the catalog: " << report->not_in_catalog << ", rejected: " << report->rejected.size()
              << " (" << secs << " s) into " << (*content)->root().string() << "\n";
    for (const auto& [file, why] : report->rejected) std::cout << "rejected " << file.string() << ": " << why << "\n";
    return report->rejected.empty() ? kOk : 4;  // 4: imported, but some files were bad
}

int content_status(const config::Config& config, bool verify, bool list_missing) {
    auto st = open_store(config.data_dir, false);
    if (!st) return kFailed;
    auto content = content::ContentStore::open(config.content_root());
    if (!content) {
        std::cerr << "wsusd: " << content.error().message << "\n";
        return kFailed;
    }
    auto report = content::content_status(**content, *st, {verify, list_missing});
    if (!report) {
        std::cerr << "wsusd: content status failed: " << report.error().message << "\n";
        return kFailed;
    }
    std::cout << "content " << (*content)->root().string() << ": " << report->files << " catalog files, present: "
              << report->present << ", missing: " << report->missing << ", partial: " << report->partial
              << ", corrupt: " << report->corrupt << " (" << report->bytes_present << " bytes present, "
              << report->bytes_missing << " missing" << (verify ? "; digests verified" : "; sizes checked") << ")\n";
    for (const auto& f : report->listed) {
        auto path = (*content)->path_of(f.file);
        std::cout << content::state_name(f.state) << " " << f.file.sha1 << " " << f.file.size << " " << f.name << " "
                  << (path ? path->string() : "") << "\n";
    }
    if (report->corrupt > 0) {
        std::cerr << "wsusd: " << report->corrupt
                  << " corrupt files are not served; import them again with `wsusd content import`\n";
        return kCorrupt;
    }
    return kOk;
}

int store_check(const std::filesystem::path& data_dir) {
    auto st = open_store(data_dir, false);
    if (!st) {
        std::cerr << "  if the file is damaged: with wsusd stopped, run `wsusd store recover --data-dir "
                  << data_dir.string() << " --latest-backup` (or --from-backup FILE, or --reset)\n";
        return kCorrupt;
    }
    if (auto r = st->integrity_check(); !r) {
        std::cerr << "wsusd: store check FAILED: " << r.error().message
                  << "\n  with wsusd stopped, run `wsusd store recover --data-dir " << data_dir.string()
                  << " --latest-backup` (or --from-backup FILE, or --reset to resynchronize from upstream)\n";
        return kCorrupt;
    }
    auto count = st->with_reader([](store::Connection& c) { return store::RevisionRepo(c).count(); });
    std::cout << "store " << st->path().string() << ": ok (schema " << st->schema_version() << ", "
              << (count ? *count : -1) << " revisions)\n";
    return kOk;
}

int store_backup(const std::filesystem::path& data_dir, const std::filesystem::path& target) {
    auto st = open_store(data_dir, false);
    if (!st) return kFailed;
    if (auto r = st->backup_to(target); !r) {
        std::cerr << "wsusd: backup failed: " << r.error().message << "\n";
        return kFailed;
    }
    std::cout << "backup written to " << target.string() << "\n";
    return kOk;
}

int store_recover(const config::Config& cfg, const RecoverOptions& how) {
    const int chosen = (how.from_backup.empty() ? 0 : 1) + (how.latest_backup ? 1 : 0) + (how.reset ? 1 : 0);
    if (chosen != 1) {
        std::cerr << "wsusd: store recover: choose one of --from-backup FILE, --latest-backup or --reset\n";
        return kUsage;
    }
    // The daemon keeps the store open: swapping the file under it would lose its writes and serve the old file.
    if (std::ifstream in(cfg.data_dir / "ports.json"); in) {
        auto j = nlohmann::json::parse(in, nullptr, false);
        if (!j.is_discarded() && j.contains("pid") && j["pid"].is_number_integer() && j["pid"].get<int>() > 0 &&
            ::kill(j["pid"].get<int>(), 0) == 0) {
            std::cerr << "wsusd: store recover: wsusd (pid " << j["pid"].get<int>() << ") is running on "
                      << cfg.data_dir.string() << "; stop it first (systemctl stop wsusd)\n";
            return kFailed;
        }
    }
    const auto db_file = cfg.data_dir / "wsusd.db";
    Result<store::RecoveryReport> r = how.reset               ? store::reset_store(db_file)
                                      : how.latest_backup ? store::restore_latest_backup(db_file, cfg.backup_dir())
                                                          : store::restore_backup(db_file, how.from_backup);
    if (r) {
        for (const auto& why : r->rejected) std::cerr << "wsusd: store recover: " << why << "\n";
    }
    if (!r) {
        std::cerr << "wsusd: store recover FAILED: " << r.error().message << "\n";
        if (r.error().code == Errc::corrupt || r.error().code == Errc::not_found) {
            std::cerr << "  the store was not changed; try another backup (--from-backup FILE) or start empty and "
                         "resynchronize from upstream (--reset)\n";
            return kNoBackup;
        }
        return kFailed;
    }
    if (!r->moved_aside.empty())
        std::cout << "the damaged store was moved to " << r->moved_aside.string() << " (delete it once you no longer need it)\n";
    if (how.reset) {
        std::cout << "store " << db_file.string() << " reset: empty catalog, " << r->tokens_kept << " admin token(s) and "
                  << r->settings_kept << " server setting(s) kept; the next synchronization refills the catalog from "
                     "upstream, computers re-register at their next check-in\n";
    } else {
        std::cout << "store " << db_file.string() << " restored from " << r->backup.string()
                  << " (integrity check passed); changes made after that backup are lost\n";
    }
    return kOk;
}

int keys_rotate(const std::filesystem::path& data_dir) {
    auto file = data_dir / "keys" / "cookie.keys";
    if (!std::filesystem::exists(file)) {
        std::cerr << "wsusd: " << file.string() << " does not exist (start wsusd once to create it)\n";
        return kFailed;
    }
    if (auto r = core::CookieCodec::rotate(file); !r) {
        std::cerr << "wsusd: key rotation failed: " << r.error().message << "\n";
        return kFailed;
    }
    std::cout << "added a new cookie key to " << file.string()
              << "; restart wsusd to seal with it (existing cookies stay valid)\n";
    return kOk;
}

int token_create(const std::filesystem::path& data_dir, const std::string& name, const std::filesystem::path& write_to) {
    if (name.empty() || name.size() > 64 || name.find_first_of(" \t\r\n") != std::string::npos) {
        std::cerr << "wsusd: token name: 1 to 64 characters without spaces (e.g. alice, backup-job)\n";
        return kFailed;
    }
    auto st = open_store(data_dir, true);
    if (!st) return kFailed;
    const std::string token = admin::generate_token();
    const auto at = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto r = st->with_writer([&](store::Connection& c) -> Result<void> {
        store::AdminRepo repo(c);
        if (auto made = repo.create_token(name, admin::token_hash(token), at); !made) return made;
        return repo.audit("cli", "token.create", name, "{}", at);
    });
    if (!r) {
        std::cerr << "wsusd: token " << name << ": " << r.error().message << "\n";
        return kFailed;
    }
    if (!write_to.empty()) {
        // Written 0600 before the secret goes in: nobody else ever sees it.
        std::error_code ec;
        std::filesystem::create_directories(write_to.parent_path().empty() ? "." : write_to.parent_path(), ec);
        int fd = ::open(write_to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ::write(fd, (token + "\n").data(), token.size() + 1) != static_cast<ssize_t>(token.size() + 1)) {
            std::cerr << "wsusd: cannot write " << write_to.string() << "\n";
            if (fd >= 0) ::close(fd);
            return kFailed;
        }
        ::close(fd);
        std::cout << "token '" << name << "' written to " << write_to.string() << "\n";
        return kOk;
    }
    std::cout << token << "\n";
    std::cerr << "token '" << name << "' created; it is shown only now. Use it with wsusctl --token-file FILE or "
              << "WSUSCTL_TOKEN.\n";
    return kOk;
}

int token_list(const std::filesystem::path& data_dir) {
    auto st = open_store(data_dir, false);
    if (!st) return kFailed;
    auto tokens = st->with_reader([](store::Connection& c) { return store::AdminRepo(c).tokens(); });
    if (!tokens) {
        std::cerr << "wsusd: " << tokens.error().message << "\n";
        return kFailed;
    }
    for (const auto& t : *tokens)
        std::cout << t.name << "\tcreated " << util::format_datetime(t.created_at, 0) << "\tlast used "
                  << (t.last_used_at ? util::format_datetime(*t.last_used_at, 0) : std::string("never")) << "\n";
    return kOk;
}

int token_revoke(const std::filesystem::path& data_dir, const std::string& name) {
    auto st = open_store(data_dir, false);
    if (!st) return kFailed;
    const auto at = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto r = st->with_writer([&](store::Connection& c) -> Result<void> {
        store::AdminRepo repo(c);
        if (auto gone = repo.revoke_token(name); !gone) return gone;
        return repo.audit("cli", "token.revoke", name, "{}", at);
    });
    if (!r) {
        std::cerr << "wsusd: token " << name << ": " << r.error().message << "\n";
        return kFailed;
    }
    std::cout << "token '" << name << "' revoked\n";
    return kOk;
}

}  // namespace wsusd::app
