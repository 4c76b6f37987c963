#include "content/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "util/ascii.h"
#include "util/encoding.h"
#include "util/file_descriptor.h"

namespace wsusd::content {

namespace {

constexpr std::size_t kReadChunk = 1 << 20;  // 1 MiB reads keep the digests busy without much memory

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;


}  // namespace

struct Hasher::Ctx {
    MdCtx sha1{EVP_MD_CTX_new()};
    MdCtx sha256{EVP_MD_CTX_new()};
};

Hasher::Hasher() : ctx_(std::make_unique<Ctx>()) {
    ok_ = ctx_->sha1 && ctx_->sha256 && EVP_DigestInit_ex(ctx_->sha1.get(), EVP_sha1(), nullptr) == 1 &&
          EVP_DigestInit_ex(ctx_->sha256.get(), EVP_sha256(), nullptr) == 1;
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(std::string_view bytes) {
    if (!ok_ || bytes.empty()) return;
    ok_ = EVP_DigestUpdate(ctx_->sha1.get(), bytes.data(), bytes.size()) == 1 &&
          EVP_DigestUpdate(ctx_->sha256.get(), bytes.data(), bytes.size()) == 1;
    size_ += bytes.size();
}

Result<Digests> Hasher::finish() {
    unsigned char d1[EVP_MAX_MD_SIZE], d2[EVP_MAX_MD_SIZE];
    unsigned n1 = 0, n2 = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_->sha1.get(), d1, &n1) != 1 ||
        EVP_DigestFinal_ex(ctx_->sha256.get(), d2, &n2) != 1) {
        ok_ = false;
        return fail(Errc::internal, "OpenSSL could not compute SHA-1/SHA-256");
    }
    ok_ = false;  // a finalized EVP context cannot take more input
    return Digests{util::to_hex({reinterpret_cast<const char*>(d1), n1}),
                   util::to_hex({reinterpret_cast<const char*>(d2), n2}), size_};
}

Result<std::uint64_t> feed_fd(Hasher& h, int fd, std::uint64_t limit) {
    std::vector<char> buf(kReadChunk);
    std::uint64_t off = 0;
    while (off < limit) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), limit - off));
        ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(off));
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(Errc::io, std::string("read failed: ") + std::strerror(errno));
        }
        if (n == 0) break;
        h.update({buf.data(), static_cast<std::size_t>(n)});
        off += static_cast<std::uint64_t>(n);
    }
    return off;
}

Result<Digests> hash_fd(int fd, std::uint64_t limit) {
    Hasher h;
    if (auto n = feed_fd(h, fd, limit); !n) return std::unexpected(n.error());
    return h.finish();
}

Result<Digests> hash_file(const std::filesystem::path& path) {
    util::FileDescriptor f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!f) {
        int e = errno;
        return fail(e == ENOENT ? Errc::not_found : Errc::io, path.string() + ": " + std::strerror(e));
    }
    auto d = hash_fd(f.get());
    if (!d) return fail(d.error().code, path.string() + ": " + d.error().message);
    return d;
}

bool is_sha1_hex(std::string_view s) {
    return s.size() == 40 && util::all_hex(s);
}

}  // namespace wsusd::content
