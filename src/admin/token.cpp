#include "admin/token.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "util/encoding.h"

namespace wsusd::admin {

std::string generate_token() {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for an admin token");
    std::string b64 = util::base64_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
    std::string out = "wsusd_";
    for (char c : b64) {
        if (c == '=') break;
        out += c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return out;
}

std::string token_hash(std::string_view token) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), md);
    return util::to_hex(std::string_view(reinterpret_cast<const char*>(md), sizeof md));
}

}  // namespace wsusd::admin
