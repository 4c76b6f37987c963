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

// Each returns the same logger for the life of the process (created on first use; init() only changes levels), as a
// plain pointer: the access logger is asked for on every request, and a registry lookup under a mutex showed there.
spdlog::logger* app();
spdlog::logger* net();
spdlog::logger* soap();
spdlog::logger* service();
spdlog::logger* store();
spdlog::logger* content();
spdlog::logger* admin();
spdlog::logger* sync();
spdlog::logger* access();

}  // namespace wsusd::log
