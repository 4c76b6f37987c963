// Accept-Encoding negotiation and the coding dispatch.
#include "codec/content_coding.h"

#include <gtest/gtest.h>

#include <string>

namespace wsusd::codec {
namespace {

struct Negotiation {
    const char* header;
    Coding with_xpress;     // xpress_allowed = true
    Coding without_xpress;  // xpress_allowed = false
};

class ChooseCoding : public testing::TestWithParam<Negotiation> {};

TEST_P(ChooseCoding, PicksTheExpectedCoding) {
    const Negotiation& n = GetParam();
    EXPECT_STREQ(coding_name(choose_coding(n.header, true)), coding_name(n.with_xpress)) << '"' << n.header << '"';
    EXPECT_STREQ(coding_name(choose_coding(n.header, false)), coding_name(n.without_xpress)) << '"' << n.header << '"';
}

using C = Coding;
INSTANTIATE_TEST_SUITE_P(
    Headers, ChooseCoding,
    testing::Values(Negotiation{"", C::identity, C::identity},
                    Negotiation{"xpress", C::xpress, C::identity},  // what the Windows Update Agent sends
                    Negotiation{"XPRESS", C::xpress, C::identity}, Negotiation{" \txpress\t ", C::xpress, C::identity},
                    Negotiation{"gzip", C::gzip, C::gzip}, Negotiation{"x-gzip", C::gzip, C::gzip},
                    Negotiation{"GZip", C::gzip, C::gzip}, Negotiation{"deflate", C::deflate, C::deflate},
                    Negotiation{"identity", C::identity, C::identity}, Negotiation{"br", C::identity, C::identity},
                    Negotiation{"deflate, gzip", C::gzip, C::gzip},  // equal q: gzip is preferred over deflate
                    Negotiation{"gzip, deflate, xpress", C::xpress, C::gzip},
                    Negotiation{"gzip, deflate, br, zstd", C::gzip, C::gzip},
                    Negotiation{"xpress;q=0, gzip", C::gzip, C::gzip},  // q=0 refuses
                    Negotiation{"xpress; q=0.000, deflate", C::deflate, C::deflate},
                    Negotiation{"gzip;q=0", C::identity, C::identity},
                    Negotiation{"gzip;q=0.5, deflate;q=0.8", C::deflate, C::deflate},  // highest q wins
                    Negotiation{"gzip;q=1.0, xpress;q=0.9", C::gzip, C::gzip},
                    Negotiation{"gzip;q=0.9, xpress", C::xpress, C::gzip},
                    Negotiation{"gzip ; Q = 0.3 , deflate;q=0.2", C::gzip, C::gzip},  // blanks and an upper-case Q
                    Negotiation{"*", C::gzip, C::gzip},
                    Negotiation{"*;q=0.5, xpress;q=0.4", C::gzip, C::gzip},  // "*" covers gzip and deflate, not xpress
                    Negotiation{"*, gzip;q=0", C::deflate, C::deflate}, Negotiation{"*;q=0", C::identity, C::identity},
                    Negotiation{"gzip;q=2", C::identity, C::identity},       // malformed q: element ignored
                    Negotiation{"gzip;q=0.1234", C::identity, C::identity},  // more than 3 decimals
                    Negotiation{"gzip;q=abc, deflate", C::deflate, C::deflate},
                    Negotiation{"gzip;q=1.001", C::identity, C::identity},
                    Negotiation{"gzip;level=9;q=0.5", C::gzip, C::gzip},  // unknown parameters are skipped
                    Negotiation{",, ,gzip,,", C::gzip, C::gzip},
                    Negotiation{"gzip;q=0, gzip", C::identity, C::identity},  // first mention wins
                    Negotiation{"xpressx, gzipper", C::identity, C::identity}));

TEST(ContentCoding, Names) {
    EXPECT_STREQ(coding_name(Coding::identity), "identity");
    EXPECT_STREQ(coding_name(Coding::xpress), "xpress");
    EXPECT_STREQ(coding_name(Coding::gzip), "gzip");
    EXPECT_STREQ(coding_name(Coding::deflate), "deflate");
}

TEST(ContentCoding, ParseCoding) {
    EXPECT_EQ(parse_coding("Xpress"), Coding::xpress);
    EXPECT_EQ(parse_coding(" gzip "), Coding::gzip);
    EXPECT_EQ(parse_coding("x-gzip"), Coding::gzip);
    EXPECT_EQ(parse_coding("DEFLATE"), Coding::deflate);
    EXPECT_EQ(parse_coding(""), Coding::identity);
    EXPECT_EQ(parse_coding("identity"), Coding::identity);
    EXPECT_EQ(parse_coding("br"), std::nullopt);
    EXPECT_EQ(parse_coding("gzip, deflate"), std::nullopt);
}

TEST(ContentCoding, EncodeDecodeRoundTripsForEveryCoding) {
    std::string body;
    for (int i = 0; i < 2000; ++i)
        body += "<UpdateInfo><ID>" + std::to_string(i * 7919 % 100003) + "</ID></UpdateInfo>";
    for (Coding c : {Coding::identity, Coding::xpress, Coding::gzip, Coding::deflate}) {
        SCOPED_TRACE(coding_name(c));
        auto encoded = encode(c, body);
        ASSERT_TRUE(encoded) << encoded.error().message;
        if (c == Coding::identity) {
            EXPECT_EQ(*encoded, body);
        } else {
            EXPECT_LT(encoded->size(), body.size() / 3);
        }
        auto decoded = decode(c, *encoded, body.size());
        ASSERT_TRUE(decoded) << decoded.error().message;
        EXPECT_EQ(*decoded, body);
        auto limited = decode(c, *encoded, body.size() - 1);
        ASSERT_FALSE(limited);
        EXPECT_EQ(limited.error().code, Errc::limit_exceeded);
    }
}

TEST(ContentCoding, EncodedStreamsHaveTheRightMagic) {
    const std::string body(5000, 'w');
    auto gz = encode(Coding::gzip, body);
    ASSERT_TRUE(gz);
    EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1F);
    EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8B);
    auto zl = encode(Coding::deflate, body);
    ASSERT_TRUE(zl);
    EXPECT_EQ(static_cast<unsigned char>((*zl)[0]), 0x78);  // zlib wrapper, as RFC 9110 defines "deflate"
    auto xp = encode(Coding::xpress, body);
    ASSERT_TRUE(xp);
    EXPECT_EQ(xp->substr(0, 4), std::string("\x88\x13\x00\x00", 4));  // 5000 original bytes, little-endian
}

}  // namespace
}  // namespace wsusd::codec
