// Hex and base64 text encodings of byte strings (digests, cookies). Decoders are strict.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wsusd::util {

/// Lower-case hex.
std::string to_hex(std::string_view bytes);
/// Hex in either case; nullopt on an odd length or any other character.
std::optional<std::string> from_hex(std::string_view hex);

std::string base64_encode(std::string_view bytes);
/// Standard alphabet, padding required; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace wsusd::util
