#include "sync/update_blob.h"

#include <gtest/gtest.h>

#include <regex>

#include "capture_reader.h"
#include "codec/cabinet.h"
#include "util/encoding.h"

namespace wsusd::sync {
namespace {

std::string captured_cabinet(const std::string& exchange_no) {
    std::string body = test::exchange(exchange_no, "response.body");
    std::smatch m;
    EXPECT_TRUE(std::regex_search(body, m, std::regex("<XmlUpdateBlobCompressed>([^<]+)<")));
    return *util::base64_decode(m[1].str());
}

TEST(UpdateBlob, RealCompressedBlobsDecodeToTheRealDocuments) {
    // Exchanges 000014 and 000016: real WSUS GetUpdateData answers; docs/ holds the same documents decoded.
    EXPECT_EQ(*decode_compressed_update_blob(captured_cabinet("000016"), 1 << 20),
              test::doc("56309036-4c77-4dd9-951a-99ee9c246a94-r101.xml"));
    EXPECT_EQ(*decode_compressed_update_blob(captured_cabinet("000014"), 1 << 20),
              test::doc("266f6222-c89d-43f2-9f8a-69340271e677-r200.xml"));
}

TEST(UpdateBlob, MemberLargerThanTheLimitIsRefused) {
    auto r = extract_cabinet_member(captured_cabinet("000016"), 1000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}

TEST(UpdateBlob, DamagedCabinetsAreErrorsNotCrashes) {
    std::string cab = captured_cabinet("000013");
    for (std::size_t cut : {std::size_t{0}, std::size_t{4}, std::size_t{40}, cab.size() / 2, cab.size() - 1}) {
        auto r = extract_cabinet_member(std::string_view(cab).substr(0, cut), 1 << 20);
        EXPECT_FALSE(r) << cut;
    }
    std::string flipped = cab;
    for (std::size_t i = 60; i < flipped.size(); i += 7) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    EXPECT_FALSE(decode_compressed_update_blob(flipped, 1 << 20));
    EXPECT_FALSE(extract_cabinet_member("MSCF but not really a cabinet", 1 << 20));
}

// What wsusd's upstream role writes (codec::make_cabinet, MSZIP) reads back to the same document.
TEST(UpdateBlob, ReadsWhatTheUpstreamRoleWrites) {
    const std::string text = "<upd:Update>\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80</upd:Update>";
    auto utf16 = codec::utf8_to_utf16le(text);
    ASSERT_TRUE(utf16);
    auto cab = codec::make_cabinet("blob", *utf16);
    ASSERT_TRUE(cab);
    auto doc = decode_compressed_update_blob(*cab, 1 << 20);
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ(*doc, text);
}

TEST(UpdateBlob, Utf16Conversion) {
    // "é中😀" in UTF-16LE with a BOM.
    std::string in("\xFF\xFE\xE9\x00\x2D\x4E\x3D\xD8\x00\xDE", 10);
    EXPECT_EQ(*utf16le_to_utf8(in), "\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
    EXPECT_FALSE(utf16le_to_utf8(std::string("\x3D\xD8", 2)));          // lone high surrogate
    EXPECT_FALSE(utf16le_to_utf8(std::string("\x00\xDE\x41\x00", 4)));  // lone low surrogate
    EXPECT_FALSE(utf16le_to_utf8(std::string("\x41", 1)));              // odd length
}

}  // namespace
}  // namespace wsusd::sync
