// Result<T>: the error-carrying return type used at every module boundary.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace wsusd {

/// Broad error classes; SOAP faults and HTTP statuses are mapped from these in one table (src/soap/faults).
enum class Errc {
    ok = 0,
    invalid_argument,  ///< caller sent something malformed or out of range
    not_found,         ///< the named object does not exist
    conflict,          ///< the change contradicts existing state
    limit_exceeded,    ///< a configured limit (size, count) was hit
    unauthorized,      ///< missing, expired or forged credentials
    io,                ///< disk or network failure
    store,             ///< SQLite reported an error
    corrupt,           ///< stored data failed an integrity check
    internal,          ///< a bug: an invariant did not hold
};

struct Error {
    Errc code = Errc::internal;
    std::string message;  ///< human sentence: what failed and, where possible, what to do
};

template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for returning an error: `return fail(Errc::not_found, "no such group");`
inline std::unexpected<Error> fail(Errc code, std::string message) {
    return std::unexpected<Error>(Error{code, std::move(message)});
}

const char* errc_name(Errc code);

}  // namespace wsusd
