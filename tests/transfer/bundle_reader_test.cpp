// The importing side's checks on a bundle built here by hand: signature, completeness, sizes, digests.
#include "transfer/bundle_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "transfer/part_file.h"

using namespace wsusd;
using namespace wsusd::transfer;
namespace fs = std::filesystem;

namespace {

const char* kBundleId = "0f8b6e34-5a43-4c9e-8b1c-7d2f3e4a5b6c";

class BundleReader : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/wsusd-bundletest-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        key_ = *Ed25519Key::generate();
        Manifest m;
        m.bundle_id = kBundleId;
        m.key_id = key_.key_id();
        m.sequence = 1;
        for (int i = 1; i <= 2; ++i) {
            auto w = PartWriter::create(dir_ / part_name(i), kBundleId, i);
            ASSERT_TRUE(w) << w.error().message;
            ASSERT_TRUE(w->record({{"type", "revision"}, {"n", i}}, std::string(1000 * i, 'x')));
            ASSERT_TRUE(w->record({{"type", "state"}}, "{}"));
            const auto size = w->size();
            auto sha = w->finish();
            ASSERT_TRUE(sha);
            m.parts.push_back({part_name(i), size, *sha, 1, 0, i == 2});
        }
        write(kManifestFile, to_json(m).dump(2));
        sign_with(key_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
    }
    std::string read(const std::string& name) {
        std::ifstream in(dir_ / name, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    void sign_with(const Ed25519Key& k) { write(kSignatureFile, signature_file_text(k, *k.sign(read(kManifestFile)))); }
    Error refusal(const std::vector<Ed25519Key>& trusted) {
        auto r = open_bundle(dir_, trusted);
        EXPECT_FALSE(r);
        return r ? Error{} : r.error();
    }
    std::vector<Ed25519Key> trusted() { return {*Ed25519Key::from_pem(key_.public_pem(), "pub")}; }

    fs::path dir_;
    Ed25519Key key_ = *Ed25519Key::generate();
};

}  // namespace

TEST_F(BundleReader, AcceptsAnIntactBundleAndReadsItsRecords) {
    int verified = 0;
    auto b = open_bundle(dir_, trusted(), {}, [&](int, int) { ++verified; });
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(verified, 2);
    EXPECT_EQ(b->manifest.parts.size(), 2u);
    auto r = PartReader::open(dir_ / part_name(2), kBundleId, 2);
    ASSERT_TRUE(r);
    auto h = r->next();
    ASSERT_TRUE(h && *h);
    EXPECT_EQ((**h)["n"], 2);
    auto data = r->data(1 << 20);
    ASSERT_TRUE(data);
    EXPECT_EQ(*data, std::string(2000, 'x'));
    ASSERT_TRUE(r->next());
    EXPECT_EQ(*r->data(100), "{}");
    auto end = r->next();
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
    // A part read as another index (parts swapped between bundles or positions) is refused.
    EXPECT_FALSE(PartReader::open(dir_ / part_name(2), kBundleId, 1));
}

TEST_F(BundleReader, RecordLargerThanTheLimitIsRefused) {
    auto r = PartReader::open(dir_ / part_name(2), kBundleId, 2);
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->next());
    auto data = r->data(100);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, Errc::limit_exceeded);
}

TEST_F(BundleReader, FlippedByteInAPartNamesThePart) {
    int fd = ::open((dir_ / part_name(2)).c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c = 0;
    ASSERT_EQ(::pread(fd, &c, 1, 500), 1);
    c = static_cast<char>(c ^ 1);
    ASSERT_EQ(::pwrite(fd, &c, 1, 500), 1);
    ::close(fd);
    auto e = refusal(trusted());
    EXPECT_EQ(e.code, Errc::corrupt);
    EXPECT_NE(e.message.find("part-00002.wsp"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("SHA-256"), std::string::npos) << e.message;
}

TEST_F(BundleReader, MissingAndTruncatedPartsAreRefused) {
    fs::resize_file(dir_ / part_name(1), fs::file_size(dir_ / part_name(1)) - 3);
    auto e = refusal(trusted());
    EXPECT_NE(e.message.find("part-00001.wsp"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("truncated"), std::string::npos) << e.message;
    fs::remove(dir_ / part_name(1));
    e = refusal(trusted());
    EXPECT_NE(e.message.find("part-00001.wsp"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("missing"), std::string::npos) << e.message;
}

TEST_F(BundleReader, UnsignedWrongKeyAndAlteredManifestAreRefused) {
    auto other = *Ed25519Key::generate();
    auto e = refusal({other});
    EXPECT_EQ(e.code, Errc::unauthorized);
    EXPECT_NE(e.message.find("not in airgap.trusted_keys"), std::string::npos) << e.message;

    sign_with(other);  // signed by an untrusted key that claims nothing else
    e = refusal(trusted());
    EXPECT_EQ(e.code, Errc::unauthorized);

    sign_with(key_);
    write(kManifestFile, read(kManifestFile) + " ");
    e = refusal(trusted());
    EXPECT_EQ(e.code, Errc::unauthorized);
    EXPECT_NE(e.message.find("does not match"), std::string::npos) << e.message;

    fs::remove(dir_ / kSignatureFile);
    e = refusal(trusted());
    EXPECT_NE(e.message.find("unsigned"), std::string::npos) << e.message;
}
