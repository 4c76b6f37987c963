// Picks and applies the response content coding from a request's Accept-Encoding (RFC 9110 §12.5.3).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::codec {

enum class Coding { identity, xpress, gzip, deflate };

/// The coding with the highest q-value among those the client lists (q=0 refuses one); ties go to xpress, then
/// gzip, then deflate. Tokens are case-insensitive, "x-gzip" counts as gzip, and "*" covers gzip and deflate
/// but never xpress, which only Windows clients understand. `xpress_allowed` = false takes xpress out (e.g. for
/// services MS-WUSP does not compress). Falls back to identity.
Coding choose_coding(std::string_view accept_encoding, bool xpress_allowed);

/// The Content-Encoding token: "identity", "xpress", "gzip" or "deflate".
const char* coding_name(Coding coding);

/// Parses a Content-Encoding value (one token, case-insensitive, surrounding blanks ignored).
std::optional<Coding> parse_coding(std::string_view content_encoding);

Result<std::string> encode(Coding coding, std::string_view body);
Result<std::string> decode(Coding coding, std::string_view body, std::size_t max_output);

}  // namespace wsusd::codec
