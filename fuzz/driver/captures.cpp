#include "driver/captures.h"

#include <algorithm>
#include <fstream>

namespace fs = std::filesystem;

namespace wsusd::fuzz {

fs::path shared_dir() { return WSUSD_SHARED_DIR; }

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::vector<std::string> exchange_files(const std::string& set, const std::string& name) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(shared_dir() / "captures" / set, ec))
        if (e.is_directory()) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    std::vector<std::string> out;
    for (const auto& d : dirs)
        if (fs::is_regular_file(d / name)) out.push_back(read_file(d / name));
    return out;
}

}  // namespace wsusd::fuzz
