// Input to `soapcpp2 -penv`: the global SOAP Header/Fault serializers that the gSOAP runtime calls,
// shared by every service module (each service is generated into its own C++ namespace).
#import "stlvector.h"
