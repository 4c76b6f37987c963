#include "store/compress.h"

#include <zlib.h>

namespace wsusd::store {

Result<std::vector<std::uint8_t>> deflate_text(std::string_view text) {
    uLongf out_size = compressBound(static_cast<uLong>(text.size()));
    std::vector<std::uint8_t> out(out_size);
    // Level 6 (zlib's default) is within a few percent of level 9 on XML at a fraction of the CPU.
    const int rc = compress2(out.data(), &out_size, reinterpret_cast<const Bytef*>(text.data()),
                             static_cast<uLong>(text.size()), 6);
    if (rc != Z_OK) return fail(Errc::internal, "zlib compress: error " + std::to_string(rc));
    out.resize(out_size);
    return out;
}

Result<std::string> inflate_text(const std::vector<std::uint8_t>& blob, std::size_t size) {
    if (size > kMaxInflatedBytes) {
        return fail(Errc::corrupt, "zlib uncompress: stored size " + std::to_string(size) + " is implausible");
    }
    if (size == 0) return std::string();
    std::string out(size, '\0');
    uLongf out_size = static_cast<uLongf>(size);
    const int rc =
        uncompress(reinterpret_cast<Bytef*>(out.data()), &out_size, blob.data(), static_cast<uLong>(blob.size()));
    if (rc != Z_OK || out_size != size) {
        return fail(Errc::corrupt, "zlib uncompress: stored blob does not inflate to its recorded size (error " +
                                       std::to_string(rc) + ")");
    }
    return out;
}

}  // namespace wsusd::store
