// Xpress content coding (MS-WUSP §2.1.1): the "xpress" HTTP Content-Encoding that the Windows Update Agent asks for.
//
// Stream layout: a sequence of blocks, each `int32 original | int32 compressed` (little-endian) followed by
// `compressed` bytes. A block holds at most 65535 bytes of original data and is coded on its own (LZ77 with an
// 8 KiB window + DIRECT2 bit-mask encoding, §2.1.1.1). The spec also caps the coded size at 65535, which DIRECT2
// cannot meet for incompressible data, yet it never says how such a block is sent. We read "coded size == original
// size" as a verbatim block (not verified against a real client yet): the encoder emits that form whenever DIRECT2
// would not shrink the block, so it never produces a DIRECT2 block of exactly the original size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::codec {

/// Largest original size of one block (MS-WUSP §2.1.1, footnote <8>: Windows uses 65535).
inline constexpr std::size_t kXpressBlockSize = 65535;

/// Encodes `in` as an xpress stream. Empty input gives an empty stream.
std::string xpress_compress(std::string_view in);

/// Decodes an xpress stream. Fails with Errc::invalid_argument on any malformed or truncated input and with
/// Errc::limit_exceeded as soon as the block headers announce more than `max_output` bytes.
Result<std::string> xpress_decompress(std::string_view in, std::size_t max_output);

/// Low level, for tests and tools: the DIRECT2 coding of one block (at most kXpressBlockSize bytes; no header and
/// never stored verbatim, so it may be larger than the input) and its inverse for a known original size.
std::string xpress_encode_block(std::string_view block);
Result<std::string> xpress_decode_block(std::string_view coded, std::size_t original_size);

}  // namespace wsusd::codec
