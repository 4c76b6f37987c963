// One-file cabinets for XmlUpdateBlobCompressed, and the UTF-16LE form of update documents.
#include "codec/cabinet.h"

#include <gtest/gtest.h>

#include <cstring>


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
