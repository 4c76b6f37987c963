// gSOAP namespace tables, one per generated service module. The prefixes (ns1, ns2, ...) are the
// ones wsdl2h assigned in that module; tests/soap checks each table against a real request.
#pragma once

#include "soap/soap_fwd.h"

namespace wsusd::soap {

const Namespace* simpleauth_namespaces();
const Namespace* client_namespaces();
const Namespace* reporting_namespaces();
const Namespace* serversync_namespaces();
const Namespace* dssauth_namespaces();

}  // namespace wsusd::soap
