#include "transfer/signing_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/encoding.h"

namespace wsusd::transfer {

namespace {

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Result<void> write_file(const std::filesystem::path& file, std::string_view text, mode_t mode) {
    // O_EXCL: never replace a key somebody relies on.
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return fail(Errc::io, "cannot create " + file.string() + ": " + std::strerror(errno) +
                                  (errno == EEXIST ? " (remove it first, or choose another name)" : ""));
    std::size_t off = 0;
    while (off < text.size()) {
        auto w = ::write(fd, text.data() + off, text.size() - off);
        if (w <= 0) {
            ::close(fd);
            return fail(Errc::io, "cannot write " + file.string() + ": " + std::strerror(errno));
        }
        off += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) return fail(Errc::io, "cannot write " + file.string());
    return {};
}

}  // namespace

Result<Ed25519Key> Ed25519Key::wrap(EVP_PKEY* pkey, bool has_private, const std::string& source) {
    if (!pkey) return fail(Errc::invalid_argument, source + ": not a PEM key");
    Ed25519Key k;
    k.pkey_ = std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
    if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519)
        return fail(Errc::invalid_argument, source + ": not an Ed25519 key (make one with `wsusd airgap keygen`)");
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32)
        return fail(Errc::invalid_argument, source + ": cannot read the Ed25519 public key");
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(raw, len, digest);
    k.key_id_ = util::to_hex(std::string_view(reinterpret_cast<const char*>(digest), 16));
    k.has_private_ = has_private;
    return k;
}

Result<Ed25519Key> Ed25519Key::generate() {
    EVP_PKEY* pkey = nullptr;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
    bool ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &pkey) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) return fail(Errc::internal, "Ed25519 key generation failed in OpenSSL");
    return wrap(pkey, true, "new key");
}

Result<Ed25519Key> Ed25519Key::from_pem(std::string_view pem, const std::string& source) {
    const bool priv = pem.find("PRIVATE KEY-----") != std::string_view::npos;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    EVP_PKEY* pkey = priv ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                          : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    return wrap(pkey, priv, source);
}

Result<Ed25519Key> Ed25519Key::load_pem(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(Errc::io, "cannot read key file " + file.string() + ": " + std::strerror(errno));
    std::ostringstream s;
    s << in.rdbuf();
    if (s.str().size() > 64 * 1024) return fail(Errc::invalid_argument, file.string() + ": too large for a key file");
    return from_pem(s.str(), file.string());
}

std::string Ed25519Key::public_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
    return bio_text(bio.get());
}

std::string Ed25519Key::private_pem() const {
    if (!has_private_) return {};
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return bio_text(bio.get());
}

Result<std::string> Ed25519Key::sign(std::string_view message) const {
    if (!has_private_) return fail(Errc::invalid_argument, "key " + key_id_ + " is a public key: cannot sign");
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::string sig(64, '\0');
    std::size_t len = sig.size();
    // Ed25519 hashes internally: no digest (NULL md) and one-shot EVP_DigestSign.
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
        return fail(Errc::internal, "Ed25519 signing failed in OpenSSL");
    sig.resize(len);
    return sig;
}

bool Ed25519Key::verify(std::string_view message, std::string_view signature) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

Result<Ed25519Key> write_new_key(const std::filesystem::path& private_file) {
    auto key = Ed25519Key::generate();
    if (!key) return key;
    std::error_code ec;
    if (private_file.has_parent_path()) std::filesystem::create_directories(private_file.parent_path(), ec);
    auto pub = private_file;
    pub += ".pub";
    if (std::filesystem::exists(pub))
        return fail(Errc::conflict, pub.string() + " exists: remove it first, or choose another name");
    if (auto w = write_file(private_file, key->private_pem(), 0600); !w) return std::unexpected(w.error());
    if (auto w = write_file(pub, key->public_pem(), 0644); !w) return std::unexpected(w.error());
    return key;
}

}  // namespace wsusd::transfer
