#include "app/airgap.h"

#include <iostream>

#include "transfer/bundle_export.h"
#include "transfer/bundle_import.h"
#include "transfer/bundle_reader.h"
#include "util/log.h"

namespace wsusd::app {

namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2;

Result<std::vector<transfer::Ed25519Key>> trusted_keys(const config::Config& cfg) {
    std::vector<transfer::Ed25519Key> keys;
    for (const auto& file : cfg.airgap.trusted_keys) {
        auto k = transfer::Ed25519Key::load_pem(file);
        if (!k) return fail(k.error().code, "airgap.trusted_keys: " + k.error().message);
        keys.push_back(std::move(*k));
    }
    if (keys.empty())
        return fail(Errc::invalid_argument, "airgap.trusted_keys is empty: list the exporter's public key file "
                                            "(the .pub written by `wsusd airgap keygen`) to import its bundles");
    return keys;
}

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
    std::vector<std::string> out;
    if (j.contains(key) && j[key].is_array())
        for (const auto& v : j[key])
            if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

// An importing server may start from a bundle: its store is created then. An export needs an existing one.
Result<std::unique_ptr<store::Store>> open_store(const config::Config& cfg, bool create) {
    std::error_code ec;
    if (create) std::filesystem::create_directories(cfg.data_dir, ec);
    store::StoreOptions o;
    o.readers = 2;
    o.create_if_missing = create;
    auto st = store::Store::open(cfg.data_dir / "wsusd.db", o);
    if (!st) return fail(st.error().code, "cannot open the store in " + cfg.data_dir.string() + ": " + st.error().message);
    return std::move(*st);
}

}  // namespace

Result<std::uint64_t> parse_size(const std::string& text) {
    std::size_t used = 0;
    unsigned long long n = 0;
    try {
        n = std::stoull(text, &used);
    } catch (...) {
        return fail(Errc::invalid_argument, "\"" + text + "\" is not a size (e.g. 4G, 700M, 1048576)");
    }
    std::string unit = text.substr(used);
    std::uint64_t mult = unit.empty() ? 1
                         : unit == "K" || unit == "k" ? 1ull << 10
                         : unit == "M" || unit == "m" ? 1ull << 20
                         : unit == "G" || unit == "g" ? 1ull << 30
                                                      : 0;
    if (!mult) return fail(Errc::invalid_argument, "\"" + text + "\": the unit must be K, M or G");
    return n * mult;
}

Result<nlohmann::json> airgap_export(const config::Config& cfg, store::Store& st, content::ContentStore* content,
                                     const nlohmann::json& req) {
    auto arg = [](const std::string& name, const std::string& why) {
        return fail(Errc::invalid_argument, name + ": " + why);
    };
    transfer::ExportOptions o;
    if (!req.contains("path") || !req["path"].is_string() || req["path"].get<std::string>().empty())
        return arg("path", "the bundle folder to write (on the server's file system) is required");
    o.target = req["path"].get<std::string>();
    const std::string since = req.value("since", "");
    if (since == "last") {
        o.since_last = true;
    } else if (!since.empty() && since != "full") {
        auto colon = since.find(':');
        try {
            if (colon == std::string::npos) throw std::invalid_argument("");
            o.since = store::AirgapAnchor{std::stoll(since.substr(0, colon)), std::stoll(since.substr(colon + 1))};
        } catch (...) {
            return arg("since", "must be \"last\", \"full\" or CATALOG:DEPLOYMENTS (the \"upto\" of an earlier manifest)");
        }
    }
    auto sel = transfer::parse_content_selection(req.value("content", "approved"));
    if (!sel) return arg("content", "must be \"approved\", \"all\" or \"none\"");
    o.content = *sel;
    o.products = strings(req, "products");
    o.classifications = strings(req, "classifications");
    o.approvals = req.value("approvals", true);
    o.part_size = cfg.airgap.part_size_bytes;
    if (req.contains("part_size")) {
        const auto& p = req["part_size"];
        if (p.is_number_unsigned()) {
            o.part_size = p.get<std::uint64_t>();
        } else if (p.is_string()) {
            auto n = parse_size(p.get<std::string>());
            if (!n) return arg("part_size", n.error().message);
            o.part_size = *n;
        } else {
            return arg("part_size", "must be a number of bytes or a size such as \"700M\"");
        }
    }
    auto key = transfer::Ed25519Key::load_pem(cfg.airgap_signing_key());
    if (!key)
        return fail(key.error().code, "airgap.signing_key: " + key.error().message +
                                          " (create one with `wsusd airgap keygen`)");
    if (!key->has_private())
        return fail(Errc::invalid_argument, "airgap.signing_key: " + cfg.airgap_signing_key().string() +
                                                " holds a public key; the exporter needs the private key");
    auto rep = transfer::export_bundle(st, content, *key, o);
    if (!rep) return std::unexpected(rep.error());
    auto out = transfer::to_json(rep->manifest);
    out["path"] = o.target.string();
    out["missing_files"] = rep->missing_files;
    return out;
}

Result<nlohmann::json> airgap_import(const config::Config& cfg, store::Store& st, content::ContentStore* content,
                                     const nlohmann::json& req, const std::function<void(const std::string&)>& progress) {
    if (!req.contains("path") || !req["path"].is_string() || req["path"].get<std::string>().empty())
        return fail(Errc::invalid_argument, "path: the bundle folder to import (on the server's file system) is required");
    const std::filesystem::path dir = req["path"].get<std::string>();
    auto keys = trusted_keys(cfg);
    if (!keys) return std::unexpected(keys.error());
    transfer::ReadLimits limits;
    limits.max_manifest_bytes = cfg.airgap.max_manifest_bytes;
    auto bundle = transfer::open_bundle(dir, *keys, limits, [&](int i, int n) {
        if (progress) progress("verified part " + std::to_string(i) + "/" + std::to_string(n));
    });
    if (!bundle) {
        log::sync()->error("import from {} refused: {}", dir.string(), bundle.error().message);
        return fail(bundle.error().code, "bundle " + dir.string() + " refused: " + bundle.error().message);
    }
    transfer::ImportOptions o;
    o.replica = cfg.sync.replica;
    o.staging = cfg.airgap_staging();
    o.max_record_bytes = cfg.airgap.max_record_bytes;
    o.max_parts = req.value("max_parts", 0);
    o.progress = [&](const transfer::PartProgress& p) {
        if (!progress) return;
        progress("part " + std::to_string(p.part) + "/" + std::to_string(p.total) +
                 (p.skipped ? ": committed earlier, skipped"
                            : ": committed, " + std::to_string(p.revisions) + " documents, " +
                                  std::to_string(p.files) + " files"));
    };
    auto rep = transfer::import_bundle(st, content, *bundle, o);
    if (!rep) return fail(rep.error().code, "bundle " + dir.string() + ": " + rep.error().message);
    return rep->to_json();
}

int airgap_keygen(const config::Config& cfg, const std::string& out) {
    const std::filesystem::path file = out.empty() ? cfg.airgap_signing_key() : std::filesystem::path(out);
    auto key = transfer::write_new_key(file);
    if (!key) {
        std::cerr << "wsusd: airgap keygen: " << key.error().message << "\n";
        return kFailed;
    }
    std::cout << "private key " << file.string() << " (keep it on the exporting server)\n"
              << "public key  " << file.string() << ".pub (list it in airgap.trusted_keys of the importing server)\n"
              << "key id      " << key->key_id() << "\n";
    return kOk;
}

int airgap_export_cmd(const config::Config& cfg, const nlohmann::json& request) {
    auto st = open_store(cfg, false);
    if (!st) {
        std::cerr << "wsusd: airgap export: " << st.error().message << "\n";
        return kFailed;
    }
    auto content = content::ContentStore::open(cfg.content_root());
    auto r = airgap_export(cfg, **st, content ? content->get() : nullptr, request);
    if (!r) {
        std::cerr << "wsusd: airgap export: " << r.error().message << "\n";
        return r.error().code == Errc::invalid_argument ? kUsage : kFailed;
    }
    std::cout << r->dump(2) << "\n";
    return kOk;
}

int airgap_import_cmd(const config::Config& cfg, const nlohmann::json& request, bool quiet) {
    auto st = open_store(cfg, true);
    if (!st) {
        std::cerr << "wsusd: airgap import: " << st.error().message << "\n";
        return kFailed;
    }
    auto content = content::ContentStore::open(cfg.content_root());
    if (!content) {
        std::cerr << "wsusd: airgap import: " << content.error().message << " (content.root)\n";
        return kFailed;
    }
    auto r = airgap_import(cfg, **st, content->get(), request, [&](const std::string& line) {
        if (!quiet) std::cout << line << std::endl;  // flushed: an operator (or a test) follows it live
    });
    if (!r) {
        std::cerr << "wsusd: airgap import: " << r.error().message << "\n";
        return kFailed;
    }
    std::cout << r->dump(2) << "\n";
    return kOk;
}

}  // namespace wsusd::app
