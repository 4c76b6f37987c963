// Named spdlog loggers, one per layer, plus an `access` logger (one line per HTTP request).
// Every line about a request carries its request id in brackets.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace wsusd::log {

/// Creates the loggers (stderr sink) at the given level: trace, debug, info, warn, error, critical, off.
/// Returns false when the level name is unknown.
bool init(const std::string& level);

std::shared_ptr<spdlog::logger> app();
std::shared_ptr<spdlog::logger> net();
std::shared_ptr<spdlog::logger> soap();
std::shared_ptr<spdlog::logger> service();
std::shared_ptr<spdlog::logger> store();
std::shared_ptr<spdlog::logger> content();
std::shared_ptr<spdlog::logger> admin();
std::shared_ptr<spdlog::logger> access();
std::shared_ptr<spdlog::logger> sync();  ///< the downstream role: upstream calls, batches, downloads

}  // namespace wsusd::log
