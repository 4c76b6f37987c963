#include "transfer/signing_key.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "transfer/manifest.h"

using namespace wsusd;
using namespace wsusd::transfer;
namespace fs = std::filesystem;

TEST(Ed25519Key, SignsAndVerifiesAndRejectsAlteredMessages) {
    auto key = Ed25519Key::generate();
    ASSERT_TRUE(key) << key.error().message;
    auto sig = key->sign("manifest bytes");
    ASSERT_TRUE(sig);
    EXPECT_EQ(sig->size(), 64u);
    EXPECT_TRUE(key->verify("manifest bytes", *sig));
    EXPECT_FALSE(key->verify("manifest bytez", *sig));
    auto bad = *sig;
    bad[10] = static_cast<char>(bad[10] ^ 1);
    EXPECT_FALSE(key->verify("manifest bytes", bad));
    auto other = Ed25519Key::generate();
    ASSERT_TRUE(other);
    EXPECT_NE(other->key_id(), key->key_id());
    EXPECT_FALSE(other->verify("manifest bytes", *sig));
}

TEST(Ed25519Key, PublicPemRoundTripKeepsTheKeyIdAndCannotSign) {
    auto key = Ed25519Key::generate();
    ASSERT_TRUE(key);
    EXPECT_EQ(key->key_id().size(), 32u);
    auto pub = Ed25519Key::from_pem(key->public_pem(), "test");
    ASSERT_TRUE(pub) << pub.error().message;
    EXPECT_FALSE(pub->has_private());
    EXPECT_EQ(pub->key_id(), key->key_id());
    EXPECT_FALSE(pub->sign("x"));
    auto priv = Ed25519Key::from_pem(key->private_pem(), "test");
    ASSERT_TRUE(priv);
    EXPECT_TRUE(priv->has_private());
    EXPECT_TRUE(pub->verify("x", *priv->sign("x")));
}

TEST(Ed25519Key, RefusesOtherKeyTypesAndGarbage) {
    EXPECT_FALSE(Ed25519Key::from_pem("not a key", "test"));
    // An RSA public key: valid PEM, wrong algorithm.
    const char* rsa =
        "-----BEGIN PUBLIC KEY-----\n"
        "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMBz1K7F1d5pTGa3hnl0Q0a5HjMnoKzk\n"
        "yCbl3vPqqrNUYo6d1H5NqrtWm2eBd1pMrUaJZ4uN0x6w+ZRqaIwyW0kCAwEAAQ==\n"
        "-----END PUBLIC KEY-----\n";
    auto r = Ed25519Key::from_pem(rsa, "rsa.pem");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("rsa.pem"), std::string::npos);
}

TEST(Ed25519Key, WriteNewKeyRefusesToOverwrite) {
    char tmpl[] = "/tmp/wsusd-keytest-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    fs::path dir(tmpl);
    auto k = write_new_key(dir / "signing.pem");
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_EQ(fs::status(dir / "signing.pem").permissions() & fs::perms::others_read, fs::perms::none);
    auto pub = Ed25519Key::load_pem(dir / "signing.pem.pub");
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->key_id(), k->key_id());
    EXPECT_FALSE(write_new_key(dir / "signing.pem"));
    fs::remove_all(dir);
}

TEST(Manifest, RoundTripsAndRefusesPartNamesOutsideTheBundle) {
    Manifest m;
    m.bundle_id = "0f8b6e34-5a43-4c9e-8b1c-7d2f3e4a5b6c";
    m.key_id = std::string(32, 'a');
    m.sequence = 3;
    m.since = store::AirgapAnchor{5, 6};
    m.upto = {7, 8};
    m.parts.push_back({part_name(1), 100, std::string(64, 'b'), 2, 1, false});
    m.parts.push_back({part_name(2), 50, std::string(64, 'c'), 0, 0, true});
    auto back = parse_manifest(to_json(m).dump());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->sequence, 3);
    ASSERT_TRUE(back->since);
    EXPECT_EQ(*back->since, (store::AirgapAnchor{5, 6}));
    EXPECT_EQ(back->upto, (store::AirgapAnchor{7, 8}));
    ASSERT_EQ(back->parts.size(), 2u);
    EXPECT_TRUE(back->parts[1].state);

    auto j = to_json(m);
    j["parts"][1]["name"] = "../../etc/passwd";
    auto bad = parse_manifest(j.dump());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("part-00002.wsp"), std::string::npos);
    j = to_json(m);
    j["format"] = "something-else";
    EXPECT_FALSE(parse_manifest(j.dump()));
    j = to_json(m);
    j["sequence"] = 0;
    EXPECT_FALSE(parse_manifest(j.dump()));
}
