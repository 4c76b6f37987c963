// wsusd: the daemon and its offline maintenance commands (the `wsusutil` of this server).
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/server_app.h"
#include "config/config.h"
#include "util/log.h"

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
    return kExitConfig;
}
