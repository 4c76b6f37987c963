// GetUpdateData's update documents: XmlUpdateBlob is the XML as text; XmlUpdateBlobCompressed is an MSCF cabinet
// holding one member (named "blob") with the document in UTF-16LE. Decompressed with libmspack entirely in memory,
// with the output bounded: a hostile cabinet cannot make us allocate more than the limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::sync {

/// The first member of an MSCF cabinet. Errc::invalid_argument for a malformed cabinet, Errc::limit_exceeded when
/// the member is larger than `max_bytes`.
Result<std::string> extract_cabinet_member(std::string_view cabinet, std::size_t max_bytes);

/// UTF-16LE (optional BOM) to UTF-8; unpaired surrogates are errors.
Result<std::string> utf16le_to_utf8(std::string_view bytes);

/// A compressed blob as UTF-8 XML: extracted, and converted when it is UTF-16 (as real WSUS sends it).
Result<std::string> decode_compressed_update_blob(std::string_view cabinet, std::size_t max_bytes);

}  // namespace wsusd::sync
