// xsd:dateTime text as real WSUS writes it. gSOAP's stock mapping drops fractional seconds, so
// dateTime fields are strings (wsdl/typemap.dat) formatted here.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace wsusd::util {

using SysTime = std::chrono::system_clock::time_point;

/// "2026-10-04T16:03:35.9967236Z" with `fraction_digits` (0..7) fractional digits, UTC.
std::string format_datetime(SysTime t, int fraction_digits);

/// Like format_datetime with at most `max_digits`, but trailing zero fraction digits are dropped as
/// .NET does for LastChange ("2026-10-04T13:17:07.59Z": a SQL datetime, millisecond precision, trimmed).
std::string format_datetime_trimmed(SysTime t, int max_digits = 3);

/// Parses xsd:dateTime ("Z" or ±hh:mm offset, optional fraction, or a bare date). nullopt if invalid.
std::optional<SysTime> parse_datetime(std::string_view text);

/// RFC 7231 HTTP date: "Sun, 04 Oct 2026 15:03:36 GMT".
std::string http_date(SysTime t);
/// http_date of the current time.
std::string http_date_now();

}  // namespace wsusd::util
