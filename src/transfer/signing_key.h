// Ed25519 keys of the air-gapped transfer (OpenSSL EVP_PKEY_ED25519): the exporter signs each bundle's manifest,
// the importer trusts the public keys listed in airgap.trusted_keys. A key is named by its key id, the first 16
// bytes of the SHA-256 of the raw 32-byte public key, in hex.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "wsusd/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace wsusd::transfer {

class Ed25519Key {
  public:
    /// A new key pair.
    static Result<Ed25519Key> generate();
    /// A PEM file holding a private key (PKCS#8) or a public key (SubjectPublicKeyInfo).
    static Result<Ed25519Key> load_pem(const std::filesystem::path& file);
    static Result<Ed25519Key> from_pem(std::string_view pem, const std::string& source);

    bool has_private() const { return has_private_; }
    const std::string& key_id() const { return key_id_; }
    std::string public_pem() const;
    std::string private_pem() const;  ///< empty for a public key

    /// The 64-byte signature of `message`. Needs the private key.
    Result<std::string> sign(std::string_view message) const;
    bool verify(std::string_view message, std::string_view signature) const;

  private:
    std::shared_ptr<EVP_PKEY> pkey_;
    bool has_private_ = false;
    std::string key_id_;
    static Result<Ed25519Key> wrap(EVP_PKEY* pkey, bool has_private, const std::string& source);
};

/// Writes `private_file` (mode 0600) and `private_file`.pub; refuses to overwrite. Returns the key.
Result<Ed25519Key> write_new_key(const std::filesystem::path& private_file);

}  // namespace wsusd::transfer
