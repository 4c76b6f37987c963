#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace wsusd::log {

namespace {

std::mutex mu;
spdlog::sink_ptr shared_sink;
spdlog::level::level_enum current_level = spdlog::level::info;

spdlog::sink_ptr sink_locked() {
    if (!shared_sink) {
        shared_sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        shared_sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
    }
    return shared_sink;
}

// Loggers are created lazily so that library code and unit tests work without init().
std::shared_ptr<spdlog::logger> get(const char* name) {
    if (auto l = spdlog::get(name)) return l;
    std::lock_guard lock(mu);
    if (auto l = spdlog::get(name)) return l;
    auto l = std::make_shared<spdlog::logger>(name, sink_locked());
    l->set_level(current_level);
    spdlog::register_logger(l);
    return l;
}

}  // namespace

bool init(const std::string& level) {
    auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off") return false;
    {
        std::lock_guard lock(mu);
        current_level = lvl;
        sink_locked();
    }
    for (const char* n : {"app", "net", "soap", "service", "store", "content", "admin", "access", "sync"}) get(n)->set_level(lvl);
    return true;
}

spdlog::logger* app() { static const auto l = get("app"); return l.get(); }
spdlog::logger* net() { static const auto l = get("net"); return l.get(); }
spdlog::logger* soap() { static const auto l = get("soap"); return l.get(); }
spdlog::logger* service() { static const auto l = get("service"); return l.get(); }
spdlog::logger* store() { static const auto l = get("store"); return l.get(); }
spdlog::logger* content() { static const auto l = get("content"); return l.get(); }
spdlog::logger* admin() { static const auto l = get("admin"); return l.get(); }
spdlog::logger* sync() { static const auto l = get("sync"); return l.get(); }
spdlog::logger* access() { static const auto l = get("access"); return l.get(); }

}  // namespace wsusd::log
