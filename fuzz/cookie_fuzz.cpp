// Cookie decoding: the only client data wsusd opens before it knows who sent it. Arbitrary bytes must never open
// (they are not sealed with our key); and a payload built from arbitrary bytes must survive seal → open unchanged,
// which exercises the strict payload reader on every field shape. Seeds: sealed cookies of varied payloads.
#include <cstdlib>
#include <cstring>

#include "core/cookie_codec.h"
#include "driver/fuzz_driver.h"

namespace {

using wsusd::core::CookieCodec;
using wsusd::core::CookieKind;
using wsusd::core::CookiePayload;

const CookieCodec& codec() {
    static const CookieCodec c = CookieCodec::from_keys({{1, std::string(32, 'k')}, {2, std::string(32, 'z')}});
    return c;
}

// Splits the input into payload fields (0x00-separated), so the mutator reaches every field.
CookiePayload payload_from(std::string_view in) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= in.size(); ++i) {
        if (i == in.size() || in[i] == '\0') {
            parts.emplace_back(in.substr(start, i - start));
            start = i + 1;
        }
    }
    auto num = [&](std::size_t i) -> std::int64_t {
        std::int64_t v = 0;
        if (i < parts.size()) std::memcpy(&v, parts[i].data(), std::min<std::size_t>(8, parts[i].size()));
        return v;
    };
    CookiePayload p;
    p.client_id = parts.size() > 0 ? parts[0] : "";
    p.extra = parts.size() > 1 ? parts[1] : "";
    for (std::size_t i = 5; i < parts.size(); ++i) p.target_groups.push_back(parts[i]);
    p.config_version = num(2);
    p.protocol_flags = num(3);
    p.sync_anchor = num(4);
    p.issued = wsusd::util::SysTime(std::chrono::seconds(1'700'000'000));
    p.expires = p.issued + std::chrono::hours(1);
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto now = wsusd::util::SysTime(std::chrono::seconds(1'700'000'100));
    // Arbitrary bytes: a forgery would need the key; only a seed's exact bytes may open.
    auto opened = codec().open(CookieKind::client, in, now);
    if (opened && in.size() < 33) std::abort();  // shorter than header + tag: cannot be authentic

    const CookiePayload p = payload_from(in);
    const std::string sealed = codec().seal(CookieKind::client, p);
    auto back = codec().open(CookieKind::client, sealed, now);
    bool fits = p.client_id.size() <= 4096 && p.extra.size() <= 4096 && p.target_groups.size() <= 256;
    for (const auto& g : p.target_groups) fits = fits && g.size() <= 4096;
    if (!fits) {  // beyond the reader's bounds: rejected, never half-read (callers bound what they seal)
        if (back) std::abort();
        return 0;
    }
    if (!back) std::abort();
    if (back->client_id != p.client_id || back->extra != p.extra || back->target_groups != p.target_groups ||
        back->config_version != p.config_version || back->protocol_flags != p.protocol_flags ||
        back->sync_anchor != p.sync_anchor)
        std::abort();
    // Another kind or a flipped byte never opens.
    if (codec().open(CookieKind::server, sealed, now)) std::abort();
    std::string flipped = sealed;
    flipped[size % flipped.size()] ^= 0x01;
    if (codec().open(CookieKind::client, flipped, now)) std::abort();
    return 0;
}

namespace wsusd::fuzz {

std::vector<std::string> seeds() {
    std::vector<std::string> out;
    // The literals hold NULs, so their length comes from the array, not strlen.
    static constexpr char client[] = "e1da06a3-5601-43c9-bac3-52d5db701494\0" "10.0.26100\0\x01\0\0\0\0\0\0\0\0\0Ring 1\0Ring 2";
    static constexpr char server[] = "server-1\0\0\0\0";
    out.emplace_back(client, sizeof client - 1);
    out.emplace_back(server, sizeof server - 1);
    out.push_back("");
    CookiePayload p = payload_from(out[0]);
    out.push_back(codec().seal(CookieKind::client, p));
    return out;
}

std::vector<std::string> dictionary() { return {std::string(1, '\0'), std::string(8, '\xff'), "\xc3\xa9", "Ring"}; }

}  // namespace wsusd::fuzz
