// Helpers shared by the content tests: a temporary content root and files with known digests.
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "content/content_store.h"
#include "util/encoding.h"

namespace wsusd::content::testing {

inline std::string digest_hex(const EVP_MD* md, const std::string& bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(bytes.data(), bytes.size(), out, &n, md, nullptr);
    return util::to_hex({reinterpret_cast<const char*>(out), n});
}

/// Deterministic pseudo-random bytes.
inline std::string some_bytes(std::size_t n, unsigned seed = 1) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

inline ExpectedFile expected_for(const std::string& bytes, std::string ext = "cab") {
    return ExpectedFile{digest_hex(EVP_sha1(), bytes), digest_hex(EVP_sha256(), bytes), bytes.size(), std::move(ext)};
}

inline std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

/// A fresh folder under the system temp directory, removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "wsusd-content-test-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace wsusd::content::testing
