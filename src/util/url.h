// URLs as they may be shown: in logs, sync history, error messages and diagnostic archives.
#pragma once

#include <string>

namespace wsusd::util {

/// The URL with the password of its userinfo replaced ("http://user:<redacted>@host/..."); unchanged when it
/// carries none. Configured upstream and proxy URLs may embed credentials; they must never be echoed.
std::string redact_url(const std::string& url);

}  // namespace wsusd::util
