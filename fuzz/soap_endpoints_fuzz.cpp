// Every SOAP request the server parses: the first input byte picks the endpoint (Client, SimpleAuth, Reporting, and
// the upstream role's ServerSync and DssAuth, which face downstream servers), the rest is the body. Requests carry a valid cookie of the fixture's server, so mutations reach the
// operation handlers and the store, not only the cookie check. Each reply must be a 200 or a 500 fault whose body
// is XML. Seeds: the captured native scan requests and the captured downstream-server requests
// (tests/support/service_fixture.h).
#include <pugixml.hpp>

#include <algorithm>
#include <cstdlib>

#include "driver/fuzz_driver.h"
#include "support/service_fixture.h"

namespace {

wsusd::test_support::ServiceFixture& fixture() {
    static wsusd::test_support::ServiceFixture f("fuzz");
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto& f = fixture();
    wsusd::soap::Endpoint* endpoints[] = {f.client.get(), f.auth.get(), f.reporting.get(), f.server_sync.get(),
                                          f.dss_auth.get()};
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    wsusd::soap::Call call;
    auto reply = endpoints[data[0] % 5]->handle(body, call);
    if (reply.status != 200 && reply.status != 500) std::abort();
    pugi::xml_document doc;
    if (!doc.load_buffer(reply.body.data(), reply.body.size())) std::abort();
    return 0;
}

namespace wsusd::fuzz {

std::vector<std::string> seeds() {
    auto& f = fixture();
    std::vector<std::string> out;
    wsusd::soap::Endpoint* order[] = {f.client.get(), f.auth.get(), f.reporting.get(), f.server_sync.get(),
                                      f.dss_auth.get()};
    auto requests = f.captured_requests();
    for (auto& r : f.captured_server_requests()) requests.push_back(std::move(r));
    for (const auto& [ep, body] : requests) {
        const char selector = static_cast<char>(std::find(std::begin(order), std::end(order), ep) - std::begin(order));
        out.push_back(selector + body);
    }
    return out;
}

std::vector<std::string> dictionary() {
    return {"<int>", "</int>", "<int>2147483648</int>", "<int>-1</int>", "<!DOCTYPE", "&amp;", "&#0;", "<![CDATA[",
            "xsi:nil=\"true\"", "xmlns=\"\"", "<s:Header>", "</s:Body>", "<string>", "</string>", "T00:00:00Z",
            "9999-12-31T23:59:59.9999999Z", "0001-01-01T00:00:00"};
}

}  // namespace wsusd::fuzz
