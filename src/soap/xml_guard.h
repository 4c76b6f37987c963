// Pre-check of every SOAP request body before gSOAP sees it. gSOAP reads string-typed elements as
// mixed content and does not check the nesting or the end-tag names inside them, so a request with
// mismatched tags or 5,000 levels of nesting inside <protocolVersion> would pass. This check makes
// such requests fail with a clear reason: well-formedness, no DTD (no entity tricks), bounded depth.
#pragma once

#include <string>
#include <string_view>

namespace wsusd::soap {

/// Empty string when the body is acceptable, else a short reason for the fault and the log.
std::string check_xml(std::string_view body, unsigned max_depth);

}  // namespace wsusd::soap
