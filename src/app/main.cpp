// wsusd: the daemon and its offline maintenance commands (the `wsusutil` of this server).
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/diagnose.h"
#include "app/airgap.h"
#include "app/maintenance.h"
#include "app/server_app.h"
#include "app/sync_setup.h"
#include "config/config.h"
#include "util/log.h"
#include "util/time_format.h"

namespace {

// Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or usage.
constexpr int kExitConfig = 2;

struct CommonOptions {
    std::optional<std::filesystem::path> config_file;
    wsusd::config::Overrides overrides;
};

void add_common(CLI::App* cmd, CommonOptions& o) {
    cmd->add_option_function<std::string>("--config", [&o](const std::string& v) { o.config_file = v; },
                                          "TOML configuration file (see config/wsusd.toml)");
    cmd->add_option_function<std::string>("--data-dir", [&o](const std::string& v) { o.overrides.data_dir = v; },
                                          "data directory (store, TLS material, ports.json)");
    cmd->add_option_function<std::string>("--log-level", [&o](const std::string& v) { o.overrides.log_level = v; },
                                          "trace, debug, info, warn, error, critical, off");
}

std::optional<wsusd::config::Config> load_or_report(const CommonOptions& o) {
    auto cfg = wsusd::config::load(o.config_file, o.overrides);
    if (!cfg) {
        std::cerr << "wsusd: invalid configuration: " << cfg.error().message << "\n";
        return std::nullopt;
    }
    return *cfg;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"wsusd: Windows Server Update Services for Linux"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("wsusd ") + WSUSD_VERSION);

    CommonOptions serve_opts;
    auto* serve = app.add_subcommand("serve", "run the update server in the foreground");
    add_common(serve, serve_opts);
    auto& ov = serve_opts.overrides;
    serve->add_option_function<std::uint16_t>("--http-port", [&ov](std::uint16_t v) { ov.http_port = v; },
                                              "HTTP port (0 = any free port)");
    serve->add_option_function<std::uint16_t>("--https-port", [&ov](std::uint16_t v) { ov.https_port = v; },
                                              "HTTPS port (0 = any free port)");
    serve->add_option_function<std::uint16_t>("--admin-port", [&ov](std::uint16_t v) { ov.admin_port = v; },
                                              "admin API port (0 = any free port)");
    serve->add_option_function<std::string>("--bind", [&ov](const std::string& v) { ov.bind = v; },
                                            "listen address for HTTP and HTTPS");

    CommonOptions check_opts;
    auto* config_cmd = app.add_subcommand("config", "configuration tools");
    config_cmd->require_subcommand(1);
    auto* check = config_cmd->add_subcommand("check", "validate a configuration file and print the effective values");
    add_common(check, check_opts);

    // Offline maintenance on a data directory.
    std::string data_dir = "data";
    auto* catalog = app.add_subcommand("catalog", "catalog of full update documents");
    catalog->require_subcommand(1);
    std::string import_path, export_path, gen_out, templates;
    bool quiet = false;
    auto* cat_import = catalog->add_subcommand("import", "import a folder (or file) of full update XML documents");
    cat_import->add_option("PATH", import_path, "folder or file")->required();
    cat_import->add_option("--data-dir", data_dir, "data directory")->capture_default_str();
    cat_import->add_flag("--quiet", quiet, "no progress line");
    auto* cat_export = catalog->add_subcommand("export", "write the latest revision of every update as documents");
    cat_export->add_option("DIR", export_path, "target folder")->required();
    cat_export->add_option("--data-dir", data_dir, "data directory")->capture_default_str();
    std::uint64_t revisions = 1000, seed = 1;
    auto* cat_gen = catalog->add_subcommand("generate", "write a synthetic catalog for tests and benchmarks");
    cat_gen->add_option("OUT", gen_out, "output folder")->required();
    cat_gen->add_option("--revisions", revisions, "number of revisions")->capture_default_str();
    cat_gen->add_option("--seed", seed, "random seed")->capture_default_str();
    cat_gen->add_option("--templates", templates, "folder of real update documents used as templates")->required();
    std::string gen_content;
    cat_gen->add_option("--write-content", gen_content,
                        "also write the generated files as DIR/<XX>/<SHA1>.<ext> (for `wsusd content import`)");
    auto* store_cmd = app.add_subcommand("store", "store maintenance");
    store_cmd->require_subcommand(1);
    auto* store_check = store_cmd->add_subcommand("check", "integrity check (exit 3 when corrupt)");
    store_check->add_option("--data-dir", data_dir, "data directory")->capture_default_str();
    std::string backup_target;
    auto* store_backup = store_cmd->add_subcommand("backup", "consistent copy of the store, also while wsusd runs");
    store_backup->add_option("FILE", backup_target, "target file")->required();
    store_backup->add_option("--data-dir", data_dir, "data directory")->capture_default_str();
    CommonOptions recover_opts;
    wsusd::app::RecoverOptions recover_how;
    std::string recover_from;
    auto* store_recover = store_cmd->add_subcommand(
        "recover", "replace a damaged store (wsusd stopped): from a backup that passes integrity_check, or empty");
    add_common(store_recover, recover_opts);
    auto* from_opt = store_recover->add_option("--from-backup", recover_from, "restore this backup file");
    auto* latest_opt = store_recover->add_flag("--latest-backup", recover_how.latest_backup,
                                               "restore the newest usable backup in store.backup_dir");
    auto* reset_opt = store_recover->add_flag(
        "--reset", recover_how.reset, "start with an empty store (keys, admin tokens, server settings kept)");
    from_opt->excludes(latest_opt)->excludes(reset_opt);
    latest_opt->excludes(reset_opt);

    // The content store: its root comes from the configuration (content.root, default DATA_DIR/content).
    CommonOptions content_opts;
    auto* content_cmd = app.add_subcommand("content", "update files served at /Content/");
    content_cmd->require_subcommand(1);
    std::string content_source;
    bool content_verify = false, content_list = false;
    auto* content_import = content_cmd->add_subcommand(
        "import", "store the files under DIR whose SHA-1 the catalog knows (any names, any layout)");
    content_import->add_option("DIR", content_source, "folder to import from")->required();
    add_common(content_import, content_opts);
    content_import->add_flag("--quiet", quiet, "no progress line");
    auto* content_status = content_cmd->add_subcommand(
        "status", "present/missing/partial/corrupt counts of the catalog's files (exit 3 when some are corrupt)");
    add_common(content_status, content_opts);
    content_status->add_flag("--verify", content_verify, "re-hash every present file (otherwise sizes only)");
    content_status->add_flag("--list", content_list, "list missing and partial files too");

    auto* keys = app.add_subcommand("keys", "secrets in the data directory");
    keys->require_subcommand(1);
    auto* keys_rotate = keys->add_subcommand(
        "rotate", "add a new cookie key; cookies sealed with older keys stay valid until they expire");
    keys_rotate->add_option("--data-dir", data_dir, "data directory")->capture_default_str();


    auto* token = app.add_subcommand("token", "admin API tokens (stored hashed; shown once)");
    token->require_subcommand(1);
    std::string token_name;
    std::string token_file;
    auto* token_create = token->add_subcommand("create", "create a token and print it (or --write it to a file)");
    token_create->add_option("NAME", token_name, "who or what uses it (appears in the audit log)")->required();
    token_create->add_option("--write", token_file, "write the token to this file (mode 0600) instead of printing it");
    token_create->add_option("--data-dir", data_dir, "data directory")->capture_default_str();
    auto* token_list = token->add_subcommand("list", "token names, creation and last use");
    token_list->add_option("--data-dir", data_dir, "data directory")->capture_default_str();
    auto* token_revoke = token->add_subcommand("revoke", "delete a token: calls with it are refused at once");
    token_revoke->add_option("NAME", token_name, "token name")->required();
    token_revoke->add_option("--data-dir", data_dir, "data directory")->capture_default_str();

    // The downstream role: synchronize from sync.upstream_url now, or show the history of sync runs.
    CommonOptions sync_opts;
    auto* sync_cmd = app.add_subcommand("sync", "synchronization from the upstream server (sync.upstream_url)");
    sync_cmd->require_subcommand(1);
    bool sync_no_wait = false;
    int sync_limit = 20;
    auto* sync_now = sync_cmd->add_subcommand(
        "now", "synchronize now: through the running wsusd of the data directory, or in this process if none runs");
    add_common(sync_now, sync_opts);
    sync_now->add_flag("--no-wait", sync_no_wait, "return once the running daemon has started the sync");
    auto* sync_history = sync_cmd->add_subcommand("history", "the last sync runs as JSON, newest first");
    add_common(sync_history, sync_opts);
    sync_history->add_option("--limit", sync_limit, "how many runs")->capture_default_str();

    CommonOptions diag_opts;
    std::filesystem::path diag_output;
    int diag_entries = 200;
    auto* diagnose = app.add_subcommand(
        "diagnose", "collect version, redacted config, store health, sync history, disk usage and recent errors "
                    "into one archive for a bug report");
    add_common(diagnose, diag_opts);
    diagnose->add_option("--output", diag_output, "archive to write (default wsusd-diagnose-<time>.tar.gz here)");
    diagnose->add_option("--journal-entries", diag_entries, "how many journal warnings/errors to include")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    // Air-gapped networks (docs/airgap.md): signed bundles carried across the gap instead of a sync.
    CommonOptions airgap_opts;
    auto* airgap = app.add_subcommand("airgap", "bundles for servers without a network path to an upstream");
    airgap->require_subcommand(1);
    std::string ag_path, ag_since, ag_content = "approved", ag_part_size, ag_key_out;
    std::vector<std::string> ag_products, ag_classifications;
    bool ag_no_approvals = false;
    int ag_max_parts = 0;
    auto* ag_keygen = airgap->add_subcommand("keygen", "create the exporter's Ed25519 signing key (and KEY.pub)");
    add_common(ag_keygen, airgap_opts);
    ag_keygen->add_option("--out", ag_key_out, "private key file (default: airgap.signing_key)");
    auto* ag_export = airgap->add_subcommand("export", "write a signed bundle of updates, files, groups and approvals");
    add_common(ag_export, airgap_opts);
    ag_export->add_option("DIR", ag_path, "bundle folder to create (new or empty)")->required();
    ag_export->add_option("--since", ag_since,
                          "\"last\": only what changed since the last export; CATALOG:DEPLOYMENTS: since that anchor");
    ag_export->add_option("--content", ag_content, "update files: approved, all or none")->capture_default_str();
    ag_export->add_option("--product", ag_products, "only updates of this product (with --classification)");
    ag_export->add_option("--classification", ag_classifications, "only updates of this classification");
    ag_export->add_flag("--no-approvals", ag_no_approvals, "leave groups and approvals out");
    ag_export->add_option("--part-size", ag_part_size, "cut parts at this size (e.g. 4G, 700M); default airgap.part_size_bytes");
    auto* ag_import = airgap->add_subcommand("import", "verify and import a bundle (resumes an interrupted import)");
    add_common(ag_import, airgap_opts);
    ag_import->add_option("DIR", ag_path, "bundle folder")->required();
    ag_import->add_option("--max-parts", ag_max_parts, "commit at most this many parts now; run again to continue");
    ag_import->add_flag("--quiet", quiet, "no progress lines");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : kExitConfig;
    }

    if (*serve) {
        auto cfg = load_or_report(serve_opts);
        if (!cfg) return kExitConfig;
        wsusd::log::init(cfg->log.level);
        return wsusd::app::serve(*cfg);
    }
    if (*check) {
        auto cfg = load_or_report(check_opts);
        if (!cfg) return kExitConfig;
        std::cout << "configuration is valid; data_dir=" << cfg->data_dir.string() << " http_port=" << cfg->server.http_port
                  << " https_port=" << cfg->server.https_port << " admin_port=" << cfg->admin.port << "\n";
        return 0;
    }
    if (*cat_import) return wsusd::app::catalog_import(data_dir, import_path, quiet);
    if (*cat_export) return wsusd::app::catalog_export(data_dir, export_path);
    if (*cat_gen) return wsusd::app::catalog_generate(revisions, seed, gen_out, templates, gen_content);
    if (*content_import || *content_status) {
        auto cfg = load_or_report(content_opts);
        if (!cfg) return kExitConfig;
        if (*content_import) return wsusd::app::content_import(*cfg, content_source, quiet);
        return wsusd::app::content_status(*cfg, content_verify, content_list);
    }
    if (*sync_now || *sync_history) {
        auto cfg = load_or_report(sync_opts);
        if (!cfg) return kExitConfig;
        wsusd::log::init(cfg->log.level);
        if (*sync_now) return wsusd::app::sync_now(*cfg, !sync_no_wait);
        return wsusd::app::sync_history(*cfg, sync_limit);
    }
    if (*diagnose) {
        auto cfg = load_or_report(diag_opts);
        if (!cfg) return kExitConfig;
        if (diag_output.empty()) {
            auto stamp = wsusd::util::format_datetime(std::chrono::system_clock::now(), 0);
            std::erase(stamp, ':');
            diag_output = "wsusd-diagnose-" + stamp + ".tar.gz";
        }
        return wsusd::app::diagnose(*cfg, diag_opts.config_file, diag_output, diag_entries);
    }
    if (*ag_keygen || *ag_export || *ag_import) {
        auto cfg = load_or_report(airgap_opts);
        if (!cfg) return kExitConfig;
        wsusd::log::init(cfg->log.level);
        if (*ag_keygen) return wsusd::app::airgap_keygen(*cfg, ag_key_out);
        if (*ag_export) {
            nlohmann::json req{{"path", ag_path}, {"since", ag_since}, {"content", ag_content},
                               {"products", ag_products}, {"classifications", ag_classifications},
                               {"approvals", !ag_no_approvals}};
            if (!ag_part_size.empty()) req["part_size"] = ag_part_size;
            return wsusd::app::airgap_export_cmd(*cfg, req);
        }
        return wsusd::app::airgap_import_cmd(*cfg, {{"path", ag_path}, {"max_parts", ag_max_parts}}, quiet);
    }
    if (*store_check) return wsusd::app::store_check(data_dir);
    if (*store_backup) return wsusd::app::store_backup(data_dir, backup_target);
    if (*store_recover) {
        auto cfg = load_or_report(recover_opts);
        if (!cfg) return kExitConfig;
        recover_how.from_backup = recover_from;
        return wsusd::app::store_recover(*cfg, recover_how);
    }
    if (*keys_rotate) return wsusd::app::keys_rotate(data_dir);
    if (*token_create) return wsusd::app::token_create(data_dir, token_name, token_file);
    if (*token_list) return wsusd::app::token_list(data_dir);
    if (*token_revoke) return wsusd::app::token_revoke(data_dir, token_name);
    return kExitConfig;
}
