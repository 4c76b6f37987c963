#include "wsusd/result.h"

namespace wsusd {

const char* errc_name(Errc code) {
    switch (code) {
        case Errc::ok: return "ok";
        case Errc::invalid_argument: return "invalid_argument";
        case Errc::not_found: return "not_found";
        case Errc::conflict: return "conflict";
        case Errc::limit_exceeded: return "limit_exceeded";
        case Errc::unauthorized: return "unauthorized";
        case Errc::io: return "io";
        case Errc::store: return "store";
        case Errc::corrupt: return "corrupt";
        case Errc::internal: return "internal";
    }
    return "unknown";
}

}  // namespace wsusd
