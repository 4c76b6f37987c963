#include "core/cookie_codec.h"

#include "util/encoding.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace wsusd::core;
using namespace std::chrono_literals;

namespace {
CookieCodec test_codec(std::uint32_t id = 1, char fill = 'k') {
    return CookieCodec::from_keys({{id, std::string(32, fill)}});
}
CookiePayload sample(wsusd::util::SysTime now) {
    CookiePayload p;
    p.client_id = "3a1e2f2c-7d7e-4b51-9a43-0c9a1c3f0f11";
    p.target_groups = {"Servers", "Ring 1", "Ünïcode"};
    p.issued = now;
    p.expires = now + 60min;
    p.config_version = 42;
    p.extra = "2.90";
    p.sync_anchor = 77;
    p.groups_hash = -1234567890123;
    return p;
}
}  // namespace

TEST(CookieCodec, RoundTrip) {
    auto now = std::chrono::system_clock::now();
    auto codec = test_codec();
    std::string sealed = codec.seal(CookieKind::client, sample(now));
    auto opened = codec.open(CookieKind::client, sealed, now + 1min);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->client_id, sample(now).client_id);
    EXPECT_EQ(opened->target_groups, sample(now).target_groups);
    EXPECT_EQ(opened->config_version, 42);
    EXPECT_EQ(opened->extra, "2.90");
    EXPECT_EQ(opened->sync_anchor, 77);
    EXPECT_EQ(opened->groups_hash, -1234567890123);
    // Stored with microsecond precision.
    EXPECT_NEAR(std::chrono::duration_cast<std::chrono::microseconds>(opened->expires - now).count(), 3600000000LL, 1);
    // Sealing twice gives different text (fresh nonce): cookies are not linkable by value.
    EXPECT_NE(sealed, codec.seal(CookieKind::client, sample(now)));
}

TEST(CookieCodec, GroupsFingerprintIgnoresOrderAndTellsSetsApart) {
    EXPECT_EQ(groups_fingerprint({"b", "a"}), groups_fingerprint({"a", "b"}));
    EXPECT_NE(groups_fingerprint({"ab"}), groups_fingerprint({"a", "b"}));
    EXPECT_NE(groups_fingerprint({"a"}), groups_fingerprint({"a", "b"}));
    EXPECT_NE(groups_fingerprint({}), 0);
}

TEST(CookieCodec, ExpiredOnlyWhenAuthentic) {
    auto now = std::chrono::system_clock::now();
    auto codec = test_codec();
    auto r = codec.open(CookieKind::client, codec.seal(CookieKind::client, sample(now)), now + 61min);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().error, CookieError::expired);
}

TEST(CookieCodec, EveryFlippedByteIsRefused) {
    auto now = std::chrono::system_clock::now();
    auto codec = test_codec();
    auto raw = codec.seal(CookieKind::client, sample(now));
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::string t = raw;
        t[i] ^= 0x01;
        auto r = codec.open(CookieKind::client, t, now);
        ASSERT_FALSE(r) << "byte " << i;
        EXPECT_EQ(r.error().error, CookieError::forged) << "byte " << i;
    }
}

TEST(CookieCodec, KindAndServerAreBound) {
    auto now = std::chrono::system_clock::now();
    auto codec = test_codec();
    std::string auth = codec.seal(CookieKind::client_authorization, sample(now));
    EXPECT_EQ(codec.open(CookieKind::client, auth, now).error().error, CookieError::forged);
    EXPECT_EQ(test_codec(1, 'z').open(CookieKind::client_authorization, auth, now).error().error,
              CookieError::forged);
    EXPECT_EQ(test_codec(7).open(CookieKind::client_authorization, auth, now).error().error, CookieError::forged);
}

TEST(CookieCodec, GarbageIsMalformed) {
    auto codec = test_codec();
    auto now = std::chrono::system_clock::now();
    for (const char* g : {"", "AAAA", "not a cookie!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
        auto r = codec.open(CookieKind::client, g, now);
        ASSERT_FALSE(r) << g;
    }
    // The sanitized real cookies (base64 runs of 'A') decode to zeros and are refused as not ours.
    EXPECT_FALSE(codec.open(CookieKind::client, *wsusd::util::base64_decode(std::string(224, 'A')), now));
}

TEST(CookieCodec, KeyFileCreatedPrivateAndRotationKeepsOldCookies) {
    auto dir = std::filesystem::temp_directory_path() / ("wsusd-cookie-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto file = dir / "keys" / "cookie.keys";
    auto codec = CookieCodec::load_or_create(file);
    ASSERT_TRUE(codec) << codec.error().message;
    EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto now = std::chrono::system_clock::now();
    std::string old = codec->seal(CookieKind::server, sample(now));
    ASSERT_TRUE(CookieCodec::rotate(file));
    auto rotated = CookieCodec::load_or_create(file);
    ASSERT_TRUE(rotated);
    EXPECT_TRUE(rotated->open(CookieKind::server, old, now));
    std::string fresh = rotated->seal(CookieKind::server, sample(now));
    EXPECT_FALSE(codec->open(CookieKind::server, fresh, now)) << "old codec must not know the new key";
    std::filesystem::remove_all(dir);
}

TEST(Base64, StrictDecoding) {
    using wsusd::util::base64_decode;
    using wsusd::util::base64_encode;
    EXPECT_EQ(*wsusd::util::base64_decode("aGVsbG8="), "hello");
    EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_FALSE(base64_decode("aGVsbG8"));
    EXPECT_FALSE(base64_decode("aGV=bG8="));
    EXPECT_FALSE(base64_decode("aGVs bG8="));
}
