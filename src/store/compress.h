// zlib compression of the XML blobs (full update metadata, fragments): the XML compresses ~8:1, and a
// 50,000-revision catalog would otherwise dominate the database size and page cache.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wsusd/result.h"

namespace wsusd::store {

/// Largest text we agree to inflate; a stored size above this means the row is corrupt, not a real update.
inline constexpr std::size_t kMaxInflatedBytes = 256u << 20;

/// zlib stream (RFC 1950) of `text`. The caller stores text.size() next to it for inflate().
Result<std::vector<std::uint8_t>> deflate_text(std::string_view text);

/// Inverse of deflate_text; `size` is the original length stored with the blob.
Result<std::string> inflate_text(const std::vector<std::uint8_t>& blob, std::size_t size);

}  // namespace wsusd::store
