// One-file cabinets for XmlUpdateBlobCompressed, and the UTF-16LE form of update documents.
#include "codec/cabinet.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "util/encoding.h"

namespace wsusd::codec {
namespace {

std::uint32_t u32(const std::string& b, std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
}
std::uint16_t u16(const std::string& b, std::size_t at) {
    std::uint16_t v;
    std::memcpy(&v, b.data() + at, 2);
    return v;
}

TEST(Cabinet, HeaderDescribesOneMszipFileNamedBlob) {
    std::string data;
    for (int i = 0; i < 5000; ++i) data += "<upd:Update " + std::to_string(i) + "/>";
    auto cab = make_cabinet("blob", data);
    ASSERT_TRUE(cab) << cab.error().message;
    ASSERT_GT(cab->size(), 60u);
    EXPECT_EQ(cab->substr(0, 4), "MSCF");
    EXPECT_EQ(u32(*cab, 8), cab->size());  // cbCabinet
    EXPECT_EQ(u16(*cab, 26), 1);           // cFolders
    EXPECT_EQ(u16(*cab, 28), 1);           // cFiles
    EXPECT_EQ(u16(*cab, 36 + 6) & 0x0F, 1);  // CFFOLDER typeCompress: MSZIP
    const std::size_t file = u32(*cab, 16);  // coffFiles
    EXPECT_EQ(u32(*cab, file), data.size());  // cbFile
    EXPECT_STREQ(cab->c_str() + file + 16, "blob");
    EXPECT_LT(cab->size(), data.size() / 4) << "repetitive XML compresses";
}

TEST(Cabinet, ReadsBackWhatItWritesAndARealLzxBlob) {
    const std::string text = "<upd:Update>\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80</upd:Update>";
    auto utf16 = utf8_to_utf16le(text);
    ASSERT_TRUE(utf16);
    auto cab = make_cabinet("blob", *utf16);
    ASSERT_TRUE(cab);
    auto back = extract_single_file(*cab, 1 << 20);
    ASSERT_TRUE(back) << back.error().message;
    auto utf8 = utf16le_to_utf8(*back);
    ASSERT_TRUE(utf8);
    EXPECT_EQ(*utf8, text);
    EXPECT_EQ(extract_single_file(*cab, 4).error().code, Errc::limit_exceeded);
    EXPECT_FALSE(extract_single_file("MSCF garbage", 1 << 20));
    EXPECT_FALSE(extract_single_file(cab->substr(0, cab->size() / 2), 1 << 20));

    // Real WSUS compresses with LZX (captures/wsus-m0-wsusss/exchanges/000016, see captures/PROVENANCE.md).
    const std::string dir = std::string(WSUSD_SHARED_DIR) + "/captures/wsus-m0-wsusss/";
    std::ifstream resp(dir + "exchanges/000016/response.body");
    const std::string body((std::istreambuf_iterator<char>(resp)), {});
    const auto open = body.find("<XmlUpdateBlobCompressed>") + 25, close = body.find("</XmlUpdateBlobCompressed>");
    ASSERT_NE(close, std::string::npos);
    auto raw = util::base64_decode(body.substr(open, close - open));
    ASSERT_TRUE(raw);
    auto blob = extract_single_file(*raw, 1 << 20);
    ASSERT_TRUE(blob) << blob.error().message;
    auto doc = utf16le_to_utf8(*blob);
    ASSERT_TRUE(doc);
    std::ifstream expected_file(dir + "docs/56309036-4c77-4dd9-951a-99ee9c246a94-r101.xml");
    EXPECT_EQ(*doc, std::string((std::istreambuf_iterator<char>(expected_file)), {}));
}

TEST(Utf16, ConvertsEveryPlaneAndRefusesBrokenUtf8) {
    auto ascii = utf8_to_utf16le("<a/>");
    ASSERT_TRUE(ascii);
    EXPECT_EQ(*ascii, std::string("<\0a\0/\0>\0", 8));
    auto accented = utf8_to_utf16le("\xC3\xA9");  // é
    ASSERT_TRUE(accented);
    EXPECT_EQ(*accented, std::string("\xE9\0", 2));
    auto emoji = utf8_to_utf16le("\xF0\x9F\x98\x80");  // U+1F600 → D83D DE00
    ASSERT_TRUE(emoji);
    EXPECT_EQ(*emoji, std::string("\x3D\xD8\x00\xDE", 4));
    EXPECT_FALSE(utf8_to_utf16le("\xC3"));              // truncated
    EXPECT_FALSE(utf8_to_utf16le("\xC0\xAF"));          // overlong
    EXPECT_FALSE(utf8_to_utf16le("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(utf8_to_utf16le("\xFF"));
}

}  // namespace
}  // namespace wsusd::codec
