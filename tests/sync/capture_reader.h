// Reads the real WSUS upstream captures (../shared/captures/wsus-m0-wsusss, see captures/PROVENANCE.md).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace wsusd::sync::test {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string exchange(const std::string& n, const std::string& part) {
    return read_file(std::string(WSUSD_SHARED_DIR) + "/captures/wsus-m0-wsusss/exchanges/" + n + "/" + part);
}

inline std::string doc(const std::string& name) {
    return read_file(std::string(WSUSD_SHARED_DIR) + "/captures/wsus-m0-wsusss/docs/" + name);
}

}  // namespace wsusd::sync::test
