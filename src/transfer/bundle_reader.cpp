#include "transfer/bundle_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "content/digest.h"
#include "util/encoding.h"

namespace wsusd::transfer {

namespace {

Result<std::string> read_small(const std::filesystem::path& file, std::uint64_t max, const char* limit_key) {
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (ec) return fail(Errc::not_found, file.filename().string() + ": missing (" + ec.message() + ")");
    if (size > max)
        return fail(Errc::limit_exceeded, file.filename().string() + ": " + std::to_string(size) + " bytes exceeds " +
                                              limit_key + " (" + std::to_string(max) + ")");
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in && !in.eof()) return fail(Errc::io, file.filename().string() + ": read error");
    return s.str();
}

}  // namespace

std::string signature_file_text(const Ed25519Key& key, std::string_view signature) {
    return nlohmann::json{{"algorithm", "ed25519"}, {"key_id", key.key_id()}, {"signature", util::base64_encode(signature)}}
               .dump() +
           "\n";
}

Result<VerifiedBundle> open_bundle(const std::filesystem::path& dir, const std::vector<Ed25519Key>& trusted,
                                   const ReadLimits& limits, const std::function<void(int, int)>& on_part) {
    if (!std::filesystem::is_directory(dir))
        return fail(Errc::not_found, dir.string() + ": not a bundle folder (it holds manifest.json and part files)");
    VerifiedBundle b;
    b.dir = dir;
    auto text = read_small(dir / kManifestFile, limits.max_manifest_bytes, "airgap.max_manifest_bytes");
    if (!text) return std::unexpected(text.error());
    b.manifest_text = std::move(*text);

    // Authenticity before anything in the manifest is believed.
    auto sig_text = read_small(dir / kSignatureFile, 64 * 1024, "64 KiB");
    if (!sig_text)
        return fail(Errc::unauthorized, sig_text.error().code == Errc::not_found
                                            ? std::string(kSignatureFile) + ": missing: the bundle is unsigned; refusing it"
                                            : sig_text.error().message);
    auto sig = nlohmann::json::parse(*sig_text, nullptr, false);
    if (sig.is_discarded() || !sig.is_object() || sig.value("algorithm", "") != "ed25519" ||
        !sig.contains("key_id") || !sig["key_id"].is_string() || !sig.contains("signature") ||
        !sig["signature"].is_string())
        return fail(Errc::unauthorized, std::string(kSignatureFile) +
                                            ": malformed (expected {\"algorithm\": \"ed25519\", \"key_id\", \"signature\"})");
    const auto key_id = sig["key_id"].get<std::string>();
    const Ed25519Key* key = nullptr;
    for (const auto& k : trusted)
        if (k.key_id() == key_id) key = &k;
    if (!key)
        return fail(Errc::unauthorized, std::string(kSignatureFile) + ": signed by key " + key_id +
                                            ", which is not in airgap.trusted_keys; refusing the bundle");
    auto raw = util::base64_decode(sig["signature"].get<std::string>());
    if (!raw || !key->verify(b.manifest_text, *raw))
        return fail(Errc::unauthorized, std::string(kSignatureFile) + ": the signature does not match manifest.json "
                                                                      "(the manifest was altered); refusing the bundle");
    auto m = parse_manifest(b.manifest_text);
    if (!m) return std::unexpected(m.error());
    if (m->key_id != key_id)
        return fail(Errc::unauthorized, "manifest.json: names key " + m->key_id + " but was signed by " + key_id);
    b.manifest = std::move(*m);

    // Integrity of every part: a bundle is imported whole or not started.
    const int total = static_cast<int>(b.manifest.parts.size());
    for (int i = 0; i < total; ++i) {
        const auto& p = b.manifest.parts[static_cast<std::size_t>(i)];
        const auto file = dir / p.name;
        const std::string where = p.name + " (part " + std::to_string(i + 1) + " of " + std::to_string(total) + ")";
        std::error_code ec;
        auto size = std::filesystem::file_size(file, ec);
        if (ec) return fail(Errc::corrupt, where + ": missing: the bundle is incomplete");
        if (size != p.size)
            return fail(Errc::corrupt, where + ": " + std::to_string(size) + " bytes, the manifest says " +
                                           std::to_string(p.size) + (size < p.size ? " (truncated)" : " (altered)"));
        int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return fail(Errc::io, where + ": cannot open: " + std::strerror(errno));
        auto d = content::hash_fd(fd);
        ::close(fd);
        if (!d) return fail(Errc::io, where + ": " + d.error().message);
        if (d->sha256 != p.sha256)
            return fail(Errc::corrupt, where + ": SHA-256 " + d->sha256 + " differs from the manifest's " + p.sha256 +
                                           " (damaged or altered)");
        if (on_part) on_part(i + 1, total);
    }
    return b;
}

}  // namespace wsusd::transfer
