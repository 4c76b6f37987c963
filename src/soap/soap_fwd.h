// Forward declarations so that headers of src/soap need not pull in stdsoap2.h.
#pragma once

struct soap;
struct Namespace;
