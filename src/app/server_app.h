// ServerApp: wires config, store, services and listeners into a running daemon and owns their
// lifetimes: signals stop the io_context, main joins the threads, then the store is closed.
#pragma once

#include "config/config.h"

namespace wsusd::app {

/// Runs `wsusd serve` until SIGTERM/SIGINT. Returns the process exit code.
int serve(const config::Config& config);

}  // namespace wsusd::app
