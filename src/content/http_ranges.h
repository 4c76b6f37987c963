// HTTP range requests and conditional requests on one file (RFC 9110 §13, §14): pure functions of header values,
// so they are table-tested without sockets. The content handler applies them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsusd::content {

/// Bytes [first, last] (inclusive, as Content-Range writes them).
struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t length() const { return last - first + 1; }
    bool operator==(const ByteRange&) const = default;
};

enum class RangeKind {
    whole,          ///< serve the whole file (200): no Range, or one that is invalid, too complex or not in bytes
    partial,        ///< serve `ranges` (206): one part, or multipart/byteranges for several
    unsatisfiable,  ///< 416 with `Content-Range: bytes */SIZE`
};

struct RangeDecision {
    RangeKind kind = RangeKind::whole;
    std::vector<ByteRange> ranges;  ///< partial only: clipped to the file, in request order
};

/// Ranges beyond this count (after merging) make us serve the whole file, as Apache does: many tiny ranges cost
/// more to frame than to send.
inline constexpr std::size_t kMaxRanges = 64;

/// Interprets a Range header value for a file of `size` bytes. Syntax errors, an inverted range ("5-2") or another
/// unit make the whole header ignored (RFC 9110 §14.2: the server MAY ignore it; nginx and Apache do). Ranges
/// starting at or past the end are dropped; none left → unsatisfiable. A zero-length file is always served whole.
/// Overlapping or adjacent ranges are merged (then the parts come in ascending order), which also defeats the
/// "many overlapping ranges" amplification.
RangeDecision parse_range(std::string_view header, std::uint64_t size, std::size_t max_ranges = kMaxRanges);

/// "bytes 0-499/1234"
std::string content_range(const ByteRange& r, std::uint64_t size);

using SysTime = std::chrono::system_clock::time_point;

/// The validators of the file being served: a strong entity tag (with its quotes) and its modification time.
struct Validators {
    std::string etag;
    SysTime last_modified;  ///< whole seconds
};

/// The conditional header values of a request; empty when absent.
struct ConditionalHeaders {
    std::string_view if_match{}, if_none_match{}, if_modified_since{}, if_unmodified_since{}, if_range{};
};

enum class Precondition {
    proceed,       ///< serve normally
    not_modified,  ///< 304
    failed,        ///< 412
};

/// RFC 9110 §13.2.2 steps 1–4, for GET and HEAD (the only methods the content directories allow):
/// If-Match (strong comparison) / If-Unmodified-Since → 412; If-None-Match (weak comparison) /
/// If-Modified-Since → 304. Invalid dates are ignored.
Precondition evaluate_preconditions(const ConditionalHeaders& h, const Validators& v);

/// Step 5: may the Range header be honoured? True without If-Range; with it, only when it names our entity tag
/// (strong comparison) or exactly our Last-Modified date. Otherwise the whole file is sent.
bool if_range_matches(std::string_view if_range, const Validators& v);

/// Parses an HTTP-date in any of the three forms recipients must accept (IMF-fixdate, RFC 850, asctime).
std::optional<SysTime> parse_http_date(std::string_view text);

}  // namespace wsusd::content
