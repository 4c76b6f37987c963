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

}  // namespace wsusd::codec
