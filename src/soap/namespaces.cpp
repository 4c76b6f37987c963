#include "soap/namespaces.h"

#include <stdsoap2.h>

// The gSOAP runtime refers to a global table; every context here installs its own, so this one
// holds only the envelope namespaces. Exactly one translation unit may define it.
SOAP_NMAC struct Namespace namespaces[] = {
    {"SOAP-ENV", "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/*/soap-envelope", nullptr},
    {"SOAP-ENC", "http://schemas.xmlsoap.org/soap/encoding/", "http://www.w3.org/*/soap-encoding", nullptr},
    {"xsi", "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/*/XMLSchema-instance", nullptr},
    {"xsd", "http://www.w3.org/2001/XMLSchema", "http://www.w3.org/*/XMLSchema", nullptr},
    {nullptr, nullptr, nullptr, nullptr}};

namespace wsusd::soap {

namespace {
#define WSUSD_ENVELOPE_ENTRIES                                                                          \
    {"SOAP-ENV", "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/*/soap-envelope", nullptr}, \
        {"SOAP-ENC", "http://schemas.xmlsoap.org/soap/encoding/", "http://www.w3.org/*/soap-encoding", nullptr}, \
        {"xsi", "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/*/XMLSchema-instance", nullptr}, \
        {"xsd", "http://www.w3.org/2001/XMLSchema", "http://www.w3.org/*/XMLSchema", nullptr}

constexpr const char* kSimpleAuth = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService";
constexpr const char* kClient = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
constexpr const char* kDssAuth = "http://www.microsoft.com/SoftwareDistribution/Server/DssAuthWebService";
constexpr const char* kSoftwareDistribution = "http://www.microsoft.com/SoftwareDistribution";
constexpr const char* kWsdlTypes = "http://microsoft.com/wsdl/types/";
constexpr const char* kMonitorable = "http://www.microsoft.com/SoftwareDistribution/Server/IMonitorable";

const Namespace simpleauth_table[] = {WSUSD_ENVELOPE_ENTRIES,
                                      {"ns1", kSimpleAuth, nullptr, nullptr},
                                      {nullptr, nullptr, nullptr, nullptr}};
const Namespace client_table[] = {WSUSD_ENVELOPE_ENTRIES,
                                  {"ns2", kWsdlTypes, nullptr, nullptr},
                                  {"ns1", kClient, nullptr, nullptr},
                                  {nullptr, nullptr, nullptr, nullptr}};
const Namespace reporting_table[] = {WSUSD_ENVELOPE_ENTRIES,
                                     {"ns2", kWsdlTypes, nullptr, nullptr},
                                     {"ns1", kSoftwareDistribution, nullptr, nullptr},
                                     {"ns3", kMonitorable, nullptr, nullptr},
                                     {nullptr, nullptr, nullptr, nullptr}};
const Namespace serversync_table[] = {WSUSD_ENVELOPE_ENTRIES,
                                      {"ns2", kWsdlTypes, nullptr, nullptr},
                                      {"ns3", kMonitorable, nullptr, nullptr},
                                      {"ns1", kSoftwareDistribution, nullptr, nullptr},
                                      {nullptr, nullptr, nullptr, nullptr}};
const Namespace dssauth_table[] = {WSUSD_ENVELOPE_ENTRIES,
                                   {"ns2", kWsdlTypes, nullptr, nullptr},
                                   {"ns1", kDssAuth, nullptr, nullptr},
                                   {"ns3", kMonitorable, nullptr, nullptr},
                                   {nullptr, nullptr, nullptr, nullptr}};
#undef WSUSD_ENVELOPE_ENTRIES
}  // namespace

const Namespace* simpleauth_namespaces() { return simpleauth_table; }
const Namespace* client_namespaces() { return client_table; }
const Namespace* reporting_namespaces() { return reporting_table; }
const Namespace* serversync_namespaces() { return serversync_table; }
const Namespace* dssauth_namespaces() { return dssauth_table; }

}  // namespace wsusd::soap
