// MSCF cabinets (MS-CAB) of one file, as MS-WSUSSS GetUpdateData carries large update documents
// (XmlUpdateBlobCompressed: a cabinet whose single member "blob" is the document in UTF-16LE).
#pragma once

#include <string>
#include <string_view>

#include "wsusd/result.h"

namespace wsusd::codec {

/// A cabinet holding `data` as the file `name`, MSZIP-compressed (libgcab). Windows' cabinet API, cabextract and
/// gcab all read it.
Result<std::string> make_cabinet(std::string_view name, std::string_view data);

/// UTF-8 text as UTF-16LE without a byte order mark (how WSUS stores update XML). Invalid UTF-8 → Errc::invalid_argument.
Result<std::string> utf8_to_utf16le(std::string_view utf8);

/// The single file of a cabinet (any compression MS-CAB defines: real WSUS uses LZX, wsusd MSZIP), via libmspack.
/// Errc::invalid_argument for a malformed cabinet or one that does not hold exactly one file;
/// Errc::limit_exceeded when the file is larger than `max_output`.
Result<std::string> extract_single_file(std::string_view cabinet, std::size_t max_output);

/// UTF-16LE (an optional byte order mark is dropped) as UTF-8. Unpaired surrogates → Errc::invalid_argument.
Result<std::string> utf16le_to_utf8(std::string_view utf16);

}  // namespace wsusd::codec
