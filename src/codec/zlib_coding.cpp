// zlib wrappers. Lengths are fed in uInt-sized pieces so bodies larger than 4 GiB cannot truncate silently.
#include "codec/zlib_coding.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace wsusd::codec {
namespace {

constexpr int kGzipWindow = 15 + 16;  // zlib: add 16 to windowBits for a gzip wrapper
constexpr int kZlibWindow = 15;
constexpr int kRawWindow = -15;
constexpr std::size_t kMaxPiece = std::numeric_limits<uInt>::max();

Result<std::string> compress(std::string_view in, int level, int window_bits) {
    if (level < Z_DEFAULT_COMPRESSION || level > Z_BEST_COMPRESSION) {
        return fail(Errc::invalid_argument, "zlib: compression level must be -1..9");
    }
    z_stream zs{};
    if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return fail(Errc::internal, "zlib: deflateInit2 failed");
    }
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(std::min(in.size(), kMaxPiece))) + 64);
    std::size_t in_pos = 0, produced = 0;
    int ret = Z_OK;
    while (ret != Z_STREAM_END) {
        if (zs.avail_in == 0 && in_pos < in.size()) {
            const std::size_t piece = std::min(in.size() - in_pos, kMaxPiece);
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
            zs.avail_in = static_cast<uInt>(piece);
            in_pos += piece;
        }
        if (produced == out.size()) out.resize(out.size() * 2);
        const std::size_t room = std::min(out.size() - produced, kMaxPiece);
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        zs.avail_out = static_cast<uInt>(room);
        ret = deflate(&zs, in_pos == in.size() ? Z_FINISH : Z_NO_FLUSH);
        produced += room - zs.avail_out;
        if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
            deflateEnd(&zs);
            return fail(Errc::internal, "zlib: deflate failed");
        }
    }
    deflateEnd(&zs);
    out.resize(produced);
    return out;
}

Result<std::string> decompress(std::string_view in, std::size_t max_output, int window_bits, const char* name) {
    z_stream zs{};
    if (inflateInit2(&zs, window_bits) != Z_OK) return fail(Errc::internal, "zlib: inflateInit2 failed");
    // One byte of room past the limit tells "exactly max_output" apart from "more than max_output".
    const std::size_t cap = max_output == std::numeric_limits<std::size_t>::max() ? max_output : max_output + 1;
    std::string out;
    std::size_t in_pos = 0, produced = 0;
    auto error = [&](Errc code, const std::string& msg) {
        inflateEnd(&zs);
        return fail(code, std::string(name) + ": " + msg);
    };
    const std::string too_big = "decoded body exceeds " + std::to_string(max_output) + " bytes";
    for (;;) {
        if (zs.avail_in == 0 && in_pos < in.size()) {
            const std::size_t piece = std::min(in.size() - in_pos, kMaxPiece);
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
            zs.avail_in = static_cast<uInt>(piece);
            in_pos += piece;
        }
        if (produced == out.size()) {
            if (produced >= cap) return error(Errc::limit_exceeded, too_big);
            out.resize(std::min(cap, std::max<std::size_t>(out.size() * 2, 16 * 1024)));
        }
        const std::size_t room = std::min(out.size() - produced, kMaxPiece);
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        zs.avail_out = static_cast<uInt>(room);
        const int ret = inflate(&zs, Z_NO_FLUSH);
        produced += room - zs.avail_out;
        if (ret == Z_STREAM_END) break;
        if (ret == Z_MEM_ERROR) return error(Errc::internal, "out of memory");
        if (ret != Z_OK && ret != Z_BUF_ERROR) return error(Errc::invalid_argument, "corrupt stream");
        if (zs.avail_out != 0 && zs.avail_in == 0 && in_pos == in.size()) {
            return error(Errc::invalid_argument, "truncated stream");
        }
    }
    if (produced > max_output) return error(Errc::limit_exceeded, too_big);
    if (zs.avail_in != 0 || in_pos != in.size())
        return error(Errc::invalid_argument, "trailing bytes after the stream");
    inflateEnd(&zs);
    out.resize(produced);
    return out;
}

// RFC 1950 header: CM = 8, CINFO <= 7, and the first two bytes as a big-endian number divisible by 31.
bool has_zlib_header(std::string_view in) {
    if (in.size() < 2) return false;
    const auto cmf = static_cast<unsigned char>(in[0]);
    const auto flg = static_cast<unsigned char>(in[1]);
    return (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

}  // namespace

Result<std::string> gzip_compress(std::string_view in, int level) { return compress(in, level, kGzipWindow); }
Result<std::string> deflate_compress(std::string_view in, int level) { return compress(in, level, kZlibWindow); }

Result<std::string> gzip_decompress(std::string_view in, std::size_t max_output) {
    return decompress(in, max_output, kGzipWindow, "gzip");
}

Result<std::string> deflate_decompress(std::string_view in, std::size_t max_output) {
    return decompress(in, max_output, has_zlib_header(in) ? kZlibWindow : kRawWindow, "deflate");
}

}  // namespace wsusd::codec
