// ServerApp: wires config, store, services and listeners into a running daemon and owns their
// lifetimes: signals stop the io_context, main joins the threads, then the store is closed.
#pragma once

#include "config/config.h"

namespace wsusd::app {

/// Exit status of `wsusd serve` (and `wsusd store check`) when the store is damaged: nothing was served.
inline constexpr int kExitStoreCorrupt = 3;

/// Runs `wsusd serve` until SIGTERM/SIGINT. Returns the process exit code.
int serve(const config::Config& config);

}  // namespace wsusd::app
