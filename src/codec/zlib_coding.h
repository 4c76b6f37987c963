// gzip (RFC 1952) and deflate (RFC 9110: the zlib format of RFC 1950) content codings, for clients that ask for
// them instead of xpress.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::codec {

/// zlib's default trade-off; responses are compressed on every request, so higher levels rarely pay.
inline constexpr int kDefaultZlibLevel = 6;

Result<std::string> gzip_compress(std::string_view in, int level = kDefaultZlibLevel);
Result<std::string> deflate_compress(std::string_view in, int level = kDefaultZlibLevel);

/// Decode one gzip member; trailing bytes, truncation and output beyond `max_output` are errors.
Result<std::string> gzip_decompress(std::string_view in, std::size_t max_output);
/// Decode "deflate": zlib-wrapped as the RFC says, or raw deflate as some old peers send it.
Result<std::string> deflate_decompress(std::string_view in, std::size_t max_output);

}  // namespace wsusd::codec
