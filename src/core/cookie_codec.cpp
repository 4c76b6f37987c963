#include "core/cookie_codec.h"

#include "util/encoding.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace wsusd::core {

namespace {

constexpr std::uint8_t kFormat = 1;
constexpr std::size_t kNonce = 12, kTag = 16, kKey = 32, kHeader = 1 + 4 + kNonce;
constexpr std::size_t kMaxItems = 256, kMaxText = 4096;

// --- strict binary payload encoding -------------------------------------------------------------
class Writer {
public:
    void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void i64(std::int64_t v) {
        auto u = static_cast<std::uint64_t>(v);
        for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(u >> (8 * i)));
    }
    void text(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        out_.append(s);
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool u8(std::uint8_t& v) {
        if (pos_ + 1 > in_.size()) return false;
        v = static_cast<std::uint8_t>(in_[pos_++]);
        return true;
    }
    bool u32(std::uint32_t& v) {
        v = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b;
            if (!u8(b)) return false;
            v |= static_cast<std::uint32_t>(b) << (8 * i);
        }
        return true;
    }
    bool i64(std::int64_t& v) {
        std::uint64_t u = 0;
        for (int i = 0; i < 8; ++i) {
            std::uint8_t b;
            if (!u8(b)) return false;
            u |= static_cast<std::uint64_t>(b) << (8 * i);
        }
        v = static_cast<std::int64_t>(u);
        return true;
    }
    bool text(std::string& s) {
        std::uint32_t n;
        if (!u32(n) || n > kMaxText || pos_ + n > in_.size()) return false;
        s.assign(in_.substr(pos_, n));
        pos_ += n;
        return true;
    }
    bool done() const { return pos_ == in_.size(); }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

std::int64_t to_ticks(util::SysTime t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
util::SysTime from_ticks(std::int64_t v) {
    return util::SysTime(std::chrono::duration_cast<util::SysTime::duration>(std::chrono::microseconds(v)));
}

std::string encode_payload(const CookiePayload& p) {
    Writer w;
    w.text(p.client_id);
    w.u32(static_cast<std::uint32_t>(p.target_groups.size()));
    for (const auto& g : p.target_groups) w.text(g);
    w.i64(to_ticks(p.issued));
    w.i64(to_ticks(p.expires));
    w.i64(p.config_version);
    w.i64(p.protocol_flags);
    w.i64(p.sync_anchor);
    w.text(p.extra);
    w.i64(p.groups_hash);  // appended later: cookies without it still open (hash 0)
    return w.take();
}

std::optional<CookiePayload> decode_payload(std::string_view bytes) {
    Reader r(bytes);
    CookiePayload p;
    std::uint32_t groups;
    if (!r.text(p.client_id) || !r.u32(groups) || groups > kMaxItems) return std::nullopt;
    p.target_groups.resize(groups);
    for (auto& g : p.target_groups)
        if (!r.text(g)) return std::nullopt;
    std::int64_t issued, expires;
    if (!r.i64(issued) || !r.i64(expires) || !r.i64(p.config_version) || !r.i64(p.protocol_flags) ||
        !r.i64(p.sync_anchor) || !r.text(p.extra))
        return std::nullopt;
    if (!r.done() && !r.i64(p.groups_hash)) return std::nullopt;
    if (!r.done()) return std::nullopt;
    p.issued = from_ticks(issued);
    p.expires = from_ticks(expires);
    return p;
}

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

std::string aad_for(CookieKind kind, std::uint32_t key_id) {
    std::string aad = "wsusd-cookie";
    aad.push_back(static_cast<char>(kind));
    aad.push_back(static_cast<char>(kFormat));
    for (int i = 0; i < 4; ++i) aad.push_back(static_cast<char>(key_id >> (8 * i)));
    return aad;
}

Result<std::vector<std::pair<std::uint32_t, std::string>>> read_keys(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return fail(Errc::io, "cannot read cookie key file " + file.string());
    std::vector<std::pair<std::uint32_t, std::string>> keys;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::uint32_t id;
        std::string h;
        if (!(ls >> id >> h)) return fail(Errc::corrupt, file.string() + ": bad line (want: <id> <64 hex digits>)");
        auto raw = util::from_hex(h);
        if (!raw || raw->size() != kKey) return fail(Errc::corrupt, file.string() + ": key " + std::to_string(id) + " is not 32 bytes of hex");
        keys.emplace_back(id, *raw);
    }
    if (keys.empty()) return fail(Errc::corrupt, file.string() + ": no keys");
    return keys;
}

Result<void> write_keys(const std::filesystem::path& file, const std::vector<std::pair<std::uint32_t, std::string>>& keys) {
    std::filesystem::path tmp = file;
    tmp += ".tmp";
    mode_t old = umask(077);
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << "# wsusd cookie keys: <id> <hex key>; the last one seals, all open. Keep this file secret.\n";
        for (const auto& [id, k] : keys) out << id << " " << util::to_hex(k) << "\n";
        if (!out) {
            umask(old);
            return fail(Errc::io, "cannot write " + tmp.string());
        }
    }
    umask(old);
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) return fail(Errc::io, "cannot replace " + file.string() + ": " + ec.message());
    return {};
}

std::string random_bytes(std::size_t n) {
    std::string b(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return b;
}

}  // namespace

Result<CookieCodec> CookieCodec::load_or_create(const std::filesystem::path& file) {
    if (!std::filesystem::exists(file)) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        if (auto w = write_keys(file, {{1, random_bytes(kKey)}}); !w) return std::unexpected(w.error());
    }
    auto keys = read_keys(file);
    if (!keys) return std::unexpected(keys.error());
    return from_keys(std::move(*keys));
}

Result<void> CookieCodec::rotate(const std::filesystem::path& file) {
    auto keys = read_keys(file);
    if (!keys) return std::unexpected(keys.error());
    std::uint32_t next = keys->back().first + 1;
    keys->emplace_back(next, random_bytes(kKey));
    return write_keys(file, *keys);
}

CookieCodec CookieCodec::from_keys(std::vector<std::pair<std::uint32_t, std::string>> keys) {
    CookieCodec c;
    c.keys_ = std::move(keys);
    return c;
}

std::string CookieCodec::seal(CookieKind kind, const CookiePayload& payload) const {
    const auto& [key_id, key] = keys_.back();
    std::string plain = encode_payload(payload);
    std::string nonce = random_bytes(kNonce);
    std::string aad = aad_for(kind, key_id);
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    std::string out;
    out.push_back(static_cast<char>(kFormat));
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(key_id >> (8 * i)));
    out += nonce;
    std::string cipher(plain.size(), '\0');
    int len = 0;
    unsigned char tag[kTag];
    EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                       reinterpret_cast<const unsigned char*>(nonce.data()));
    EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                      static_cast<int>(aad.size()));
    EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()), &len,
                      reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
    EVP_EncryptFinal_ex(ctx.get(), nullptr, &len);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, tag);
    out += cipher;
    out.append(reinterpret_cast<const char*>(tag), kTag);
    return out;
}

std::expected<CookiePayload, CookieFailure> CookieCodec::open(CookieKind kind, std::string_view sealed,
                                                              util::SysTime now) const {
    std::optional<std::string> raw{std::string(sealed)};
    if (raw->size() < kHeader + kTag)
        return std::unexpected(CookieFailure{CookieError::malformed, "not a wsusd cookie"});
    if (static_cast<std::uint8_t>((*raw)[0]) != kFormat)
        return std::unexpected(CookieFailure{CookieError::forged, "unknown cookie format"});
    std::uint32_t key_id = 0;
    for (int i = 0; i < 4; ++i) key_id |= static_cast<std::uint32_t>(static_cast<unsigned char>((*raw)[1 + i])) << (8 * i);
    const std::string* key = nullptr;
    for (const auto& [id, k] : keys_)
        if (id == key_id) key = &k;
    if (!key) return std::unexpected(CookieFailure{CookieError::forged, "sealed with a key this server does not have"});
    std::string_view nonce = std::string_view(*raw).substr(5, kNonce);
    std::string_view cipher = std::string_view(*raw).substr(kHeader, raw->size() - kHeader - kTag);
    std::string tag(raw->data() + raw->size() - kTag, kTag);
    std::string aad = aad_for(kind, key_id);
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    std::string plain(cipher.size(), '\0');
    int len = 0;
    EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key->data()),
                       reinterpret_cast<const unsigned char*>(nonce.data()));
    EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                      static_cast<int>(aad.size()));
    EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                      reinterpret_cast<const unsigned char*>(cipher.data()), static_cast<int>(cipher.size()));
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data());
    if (EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) != 1)
        return std::unexpected(CookieFailure{CookieError::forged, "cookie does not authenticate"});
    auto payload = decode_payload(plain);
    if (!payload) return std::unexpected(CookieFailure{CookieError::forged, "cookie payload is not well-formed"});
    if (now >= payload->expires) return std::unexpected(CookieFailure{CookieError::expired, "cookie expired"});
    return *payload;
}

std::int64_t groups_fingerprint(std::vector<std::string> group_ids) {
    // FNV-1a over the sorted ids, each followed by a separator byte that no id contains.
    std::sort(group_ids.begin(), group_ids.end());
    std::uint64_t h = 1469598103934665603ull;
    for (const auto& g : group_ids) {
        for (unsigned char c : g) h = (h ^ c) * 1099511628211ull;
        h = (h ^ 0xffu) * 1099511628211ull;
    }
    return h == 0 ? 1 : static_cast<std::int64_t>(h);
}

}  // namespace wsusd::core
