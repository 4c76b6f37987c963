// Small helpers for filling and reading generated gSOAP values (base64Binary, strings).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "soap/endpoint.h"
#include "util/ascii.h"
#include "util/time_format.h"

namespace wsusd::services {

/// A base64Binary value owning its bytes in the call's arena. B is the generated xsd__base64Binary of a service.
template <class B>
B* binary(soap::Arena& arena, std::string bytes) {
    auto* data = arena.make<std::string>(std::move(bytes));
    auto* b = arena.make<B>();
    b->__ptr = reinterpret_cast<unsigned char*>(data->data());
    b->__size = static_cast<int>(data->size());
    return b;
}

/// The bytes of a received base64Binary (empty when absent).
template <class B>
std::string_view bytes_of(const B* b) {
    if (!b || !b->__ptr || b->__size <= 0) return {};
    return std::string_view(reinterpret_cast<const char*>(b->__ptr), static_cast<std::size_t>(b->__size));
}

/// The IMonitorable Ping answer every service gives (R: the service's generated MonitoredServicesResponse): the
/// service is up when its store answered (`store_ok`).
template <class R>
R* monitored_services(soap::Call& call, util::SysTime now, const char* service_name, bool store_ok) {
    auto* r = call.arena.make<R>();
    r->SuccessFlag = store_ok;
    r->ServicesTime = util::format_datetime(now, 7);
    r->ServicesName = call.arena.make<std::string>(service_name);
    r->ServicesMachine = call.arena.make<std::string>(call.host);
    r->IsHttps = call.tls;
    r->ConfigFileLastModifiedTime = util::format_datetime(now, 7);
    r->ConfigFileNextExpirationTime = util::format_datetime(now, 7);
    r->ConfigFileExpirationModuloInMinutes = 0;
    return r;
}

inline std::string lower(std::string_view s) { return util::to_lower(s); }

}  // namespace wsusd::services
