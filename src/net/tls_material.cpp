#include "net/tls_material.h"

#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

namespace wsusd::net {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

bool add_ext(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) return false;
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

}  // namespace

Result<bool> ensure_self_signed(const std::filesystem::path& cert_path, const std::filesystem::path& key_path,
                                const std::string& host, const std::vector<std::string>& names) {
    bool have_cert = std::filesystem::exists(cert_path), have_key = std::filesystem::exists(key_path);
    if (have_cert && have_key) return false;
    if (have_cert != have_key)
        return fail(Errc::invalid_argument, "TLS: only one of " + cert_path.string() + " and " + key_path.string() +
                                                " exists; restore the other or delete both to regenerate");
    std::error_code ec;
    std::filesystem::create_directories(cert_path.parent_path(), ec);

    PkeyPtr pkey(EVP_RSA_gen(2048));
    if (!pkey) return fail(Errc::internal, "TLS: RSA key generation failed");
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) return fail(Errc::internal, "TLS: no randomness for the serial");
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 3650);
    X509_set_pubkey(cert.get(), pkey.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("wsusd"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);
    std::string san = "DNS:localhost,IP:127.0.0.1";
    for (const auto& n : names) {
        if (n.empty() || n == "localhost") continue;
        bool ip = n.find_first_not_of("0123456789.") == std::string::npos || n.find(':') != std::string::npos;
        san += (ip ? ",IP:" : ",DNS:") + n;
    }
    if (!add_ext(cert.get(), NID_subject_alt_name, san) || !add_ext(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(cert.get(), NID_ext_key_usage, "serverAuth"))
        return fail(Errc::internal, "TLS: cannot add certificate extensions");
    if (!X509_sign(cert.get(), pkey.get(), EVP_sha256())) return fail(Errc::internal, "TLS: signing failed");

    // The key is written with 0600 from the start: never world-readable, not even briefly.
    mode_t old = umask(077);
    FilePtr kf(std::fopen(key_path.c_str(), "wb"));
    umask(old);
    if (!kf || !PEM_write_PrivateKey(kf.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr))
        return fail(Errc::io, "TLS: cannot write " + key_path.string());
    FilePtr cf(std::fopen(cert_path.c_str(), "wb"));
    if (!cf || !PEM_write_X509(cf.get(), cert.get())) return fail(Errc::io, "TLS: cannot write " + cert_path.string());
    return true;
}

Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls(const std::filesystem::path& cert,
                                                                   const std::filesystem::path& key) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    // Forward-secret AEAD suites only for TLS 1.2 (TLS 1.3 suites are modern by construction).
    SSL_CTX_set_cipher_list(ctx->native_handle(),
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                            "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
    ctx->use_certificate_chain_file(cert.string(), ec);
    if (ec) return fail(Errc::io, "TLS: cannot load certificate " + cert.string() + ": " + ec.message());
    ctx->use_private_key_file(key.string(), ssl::context::pem, ec);
    if (ec && ec.message().find("mismatch") != std::string::npos)  // OpenSSL 3 checks the pair here
        return fail(Errc::invalid_argument,
                    "TLS: private key " + key.string() + " does not match certificate " + cert.string());
    if (ec) return fail(Errc::io, "TLS: cannot load private key " + key.string() + ": " + ec.message());
    // Replacing the two files is not atomic: a key that belongs to another certificate must not go live.
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        return fail(Errc::invalid_argument,
                    "TLS: private key " + key.string() + " does not match certificate " + cert.string());
    return ctx;
}

std::string certificate_fingerprint(const std::filesystem::path& cert_path) {
    FilePtr f(std::fopen(cert_path.c_str(), "rb"));
    if (!f) return "?";
    X509Ptr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
    if (!cert) return "?";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert.get(), EVP_sha256(), md, &len);
    std::string out;
    char buf[4];
    for (unsigned i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, i ? ":%02X" : "%02X", md[i]);
        out += buf;
    }
    return out;
}

Result<std::shared_ptr<ServerTls>> ServerTls::load(std::filesystem::path cert, std::filesystem::path key) {
    std::shared_ptr<ServerTls> tls(new ServerTls(std::move(cert), std::move(key)));
    auto ctx = make_server_tls(tls->cert_, tls->key_);
    if (!ctx) return std::unexpected(ctx.error());
    tls->current_ = std::move(*ctx);
    return tls;
}

std::shared_ptr<boost::asio::ssl::context> ServerTls::current() const {
    std::lock_guard lock(mu_);
    return current_;
}

Result<std::string> ServerTls::reload() {
    std::error_code ec;
    auto st = std::filesystem::status(key_, ec);
    // The same rule as at start (a group may read a key, e.g. ssl-cert; nobody else may read or write it).
    using std::filesystem::perms;
    if (!ec && (st.permissions() & (perms::group_write | perms::others_read | perms::others_write)) != perms::none)
        return fail(Errc::invalid_argument, "TLS: private key " + key_.string() +
                                                " is readable or writable by other users; run `chmod 600 " +
                                                key_.string() + "`");
    auto ctx = make_server_tls(cert_, key_);
    if (!ctx) return std::unexpected(ctx.error());
    {
        std::lock_guard lock(mu_);
        current_ = std::move(*ctx);
    }
    return certificate_fingerprint(cert_);
}

}  // namespace wsusd::net
