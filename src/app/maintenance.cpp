#include "app/maintenance.h"

#include <chrono>
#include <iostream>

#include "catalog/catalog_import.h"
#include "core/cookie_codec.h"
#include "metadata/catalog_generator.h"
#include "store/revision_repo.h"
#include "store/store.h"

namespace wsusd::app {

namespace {

constexpr int kOk = 0, kFailed = 1, kCorrupt = 3;

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
                     const std::filesystem::path& templates) {
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
    return kOk;
}

int store_check(const std::filesystem::path& data_dir) {
    auto st = open_store(data_dir, false);
    if (!st) return kCorrupt;
    if (auto r = st->integrity_check(); !r) {
        std::cerr << "wsusd: store check FAILED: " << r.error().message
                  << "\n  restore the latest backup (`wsusd store backup` makes one) or resynchronize from upstream\n";
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

}  // namespace wsusd::app
