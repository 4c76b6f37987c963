// gzip / deflate wrappers: round trips, wrappers, limits and broken input.
#include "codec/zlib_coding.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace wsusd::codec {
namespace {

std::string sample(std::size_t n) {
    std::mt19937 rng(7);
    std::string s;
    while (s.size() < n) s += "<Deployment><Action>Install</Action><ID>" + std::to_string(rng() % 5000) + "</ID>";
    s.resize(n);
    return s;
}

std::string raw_deflate(std::string_view in) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, in.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

using Compress = Result<std::string> (*)(std::string_view, int);
using Decompress = Result<std::string> (*)(std::string_view, std::size_t);
struct Pair {
    const char* name;
    Compress compress;
    Decompress decompress;
};
const Pair kPairs[] = {{"gzip", gzip_compress, gzip_decompress}, {"deflate", deflate_compress, deflate_decompress}};

TEST(ZlibCoding, RoundTrips) {
    std::mt19937 rng(3);
    std::string random(100000, '\0');
    for (auto& c : random) c = static_cast<char>(rng());
    for (const auto& p : kPairs) {
        SCOPED_TRACE(p.name);
        for (const std::string& in : {std::string(), std::string("a"), sample(1000), sample(300000), random}) {
            auto c = p.compress(in, kDefaultZlibLevel);
            ASSERT_TRUE(c) << c.error().message;
            auto d = p.decompress(*c, in.size());
            ASSERT_TRUE(d) << d.error().message;
            EXPECT_TRUE(*d == in) << in.size();
        }
    }
}

TEST(ZlibCoding, LevelsAreValidated) {
    EXPECT_TRUE(gzip_compress("x", 0));
    EXPECT_TRUE(gzip_compress("x", 9));
    EXPECT_TRUE(gzip_compress("x", -1));
    auto bad = deflate_compress("x", 10);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

TEST(ZlibCoding, DeflateAcceptsRawDeflateToo) {
    const std::string in = sample(20000);
    auto d = deflate_decompress(raw_deflate(in), in.size());
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(*d, in);
}

TEST(ZlibCoding, WrongWrapperIsRejected) {
    auto zl = deflate_compress(sample(1000), kDefaultZlibLevel);
    ASSERT_TRUE(zl);
    auto d = gzip_decompress(*zl, 1 << 20);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::invalid_argument);
}

TEST(ZlibCoding, TruncationCorruptionAndTrailingBytesAreRejected) {
    const std::string in = sample(50000);
    for (const auto& p : kPairs) {
        SCOPED_TRACE(p.name);
        auto c = p.compress(in, kDefaultZlibLevel);
        ASSERT_TRUE(c);
        for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{5}, c->size() / 2, c->size() - 1}) {
            auto d = p.decompress(std::string_view(*c).substr(0, len), 1 << 20);
            ASSERT_FALSE(d) << len;
            EXPECT_EQ(d.error().code, Errc::invalid_argument) << len;
        }
        auto trailing = p.decompress(*c + "junk", 1 << 20);
        ASSERT_FALSE(trailing);
        EXPECT_EQ(trailing.error().code, Errc::invalid_argument);
        std::string bad = *c;
        bad[bad.size() - 2] ^= 0x55;  // checksum / length trailer
        EXPECT_FALSE(p.decompress(bad, 1 << 20));
    }
}

TEST(ZlibCoding, MaxOutputIsExactAndStopsBombs) {
    const std::string in = sample(100000);
    const std::string zeros(50 << 20, '\0');  // 50 MiB of zeros deflate to ~50 KiB
    for (const auto& p : kPairs) {
        SCOPED_TRACE(p.name);
        auto c = p.compress(in, kDefaultZlibLevel);
        ASSERT_TRUE(c);
        EXPECT_TRUE(p.decompress(*c, in.size()));
        auto over = p.decompress(*c, in.size() - 1);
        ASSERT_FALSE(over);
        EXPECT_EQ(over.error().code, Errc::limit_exceeded);

        auto bomb = p.compress(zeros, 9);
        ASSERT_TRUE(bomb);
        ASSERT_LT(bomb->size(), 100000u);
        auto d = p.decompress(*bomb, 1 << 20);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::limit_exceeded);
    }
}

}  // namespace
}  // namespace wsusd::codec
