// Reading seeds from ../shared/captures (see captures/PROVENANCE.md) at run time.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace wsusd::fuzz {

/// ../shared as configured at build time (WSUSD_SHARED_DIR).
std::filesystem::path shared_dir();
std::string read_file(const std::filesystem::path& p);
/// The contents of `name` in every numbered exchange folder under captures/<set> (e.g. "wsus-m0-native/scan",
/// "request.body"), in folder order; missing files are skipped.
std::vector<std::string> exchange_files(const std::string& set, const std::string& name);

}  // namespace wsusd::fuzz
