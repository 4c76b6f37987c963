// `wsusd diagnose`: one archive an administrator attaches to a bug report. It holds the version and libraries,
// the configuration with every secret removed, store health, recent synchronizations, disk usage and the last
// warnings and errors from the journal. It reads only; the daemon may keep running.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/config.h"

namespace wsusd::app {

/// Writes `output` (a .tar.gz, mode 0600) and prints its path. Exit code 0, or 1 when it cannot be written.
int diagnose(const config::Config& cfg, const std::optional<std::filesystem::path>& config_file,
             const std::filesystem::path& output, int journal_entries);

/// The TOML text with every secret value replaced by "<redacted>" (keys naming a password, secret, token,
/// credential or private key; passwords inside URLs). Unparseable text is not passed through at all.
std::string redact_config(std::string_view toml_text);

}  // namespace wsusd::app
