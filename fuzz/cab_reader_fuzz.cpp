// The cabinet reader (src/sync/update_blob.cpp, libmspack in memory): what an upstream server sends as
// XmlUpdateBlobCompressed. Arbitrary bytes must be refused or decoded within the output limit, never read out of
// bounds; a member that decodes must survive our own writer (src/codec/cabinet.cpp) → reader unchanged, and the
// reader must refuse it when the limit is one byte short. Seeds: the real cabinets in the captured GetUpdateData
// responses (captures/wsus-m0-wsusss/exchanges) and cabinets built by make_cabinet at run time (empty, small,
// several MSZIP blocks).
#include <cstdlib>
#include <regex>

#include "codec/cabinet.h"
#include "driver/captures.h"
#include "driver/fuzz_driver.h"
#include "sync/update_blob.h"
#include "util/encoding.h"

namespace {

constexpr std::size_t kMaxOutput = 1 << 20;

void check_round_trip(const std::string& member) {
    using namespace wsusd;
    auto cab = codec::make_cabinet("blob", member);
    if (!cab) std::abort();  // our writer takes any bytes
    auto back = sync::extract_cabinet_member(*cab, member.size());
    if (!back || *back != member) std::abort();
    if (!member.empty()) {
        auto short_by_one = sync::extract_cabinet_member(*cab, member.size() - 1);
        if (short_by_one || short_by_one.error().code != Errc::limit_exceeded) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace wsusd;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    // The first byte of the input also picks a small limit now and then, so the limit checks are reached with
    // members of every size.
    const std::size_t limit = size > 0 && data[0] % 4 == 0 ? data[size - 1] : kMaxOutput;
    auto out = sync::extract_cabinet_member(in, limit);
    if (out) {
        if (out->size() > limit) std::abort();
        if (out->size() <= 64 * 1024) check_round_trip(*out);
    } else if (out.error().code != Errc::invalid_argument && out.error().code != Errc::limit_exceeded) {
        std::abort();  // a hostile cabinet is a refused input, never an internal error
    }
    auto xml = sync::decode_compressed_update_blob(in, kMaxOutput);
    if (xml && xml->size() > 2 * kMaxOutput) std::abort();  // UTF-16 → UTF-8 grows at most 3/2
    // The bytes themselves as a member: the writer → reader round trip on arbitrary content (one input in eight:
    // libgcab's writer costs more than the reader, and the reader is what faces the network).
    if (size <= 4096 && size > 0 && data[0] % 8 == 1) check_round_trip(std::string(in));
    return 0;
}

namespace wsusd::fuzz {

std::vector<std::string> seeds() {
    std::vector<std::string> out;
    const std::regex blob("<XmlUpdateBlobCompressed>([^<]*)</XmlUpdateBlobCompressed>");
    for (const auto& body : exchange_files("wsus-m0-wsusss/exchanges", "response.body")) {
        for (std::sregex_iterator it(body.begin(), body.end(), blob), end; it != end; ++it)
            if (auto bytes = util::base64_decode((*it)[1].str())) out.push_back(std::move(*bytes));
    }
    // Our own cabinets: empty, a short UTF-16 document, and one spanning several 32 KiB MSZIP blocks.
    std::string big;
    for (int i = 0; big.size() < 100'000; ++i) big += "<Update id=\"" + std::to_string(i * 7919) + "\"/>";
    for (const std::string& member : {std::string(), std::string("<\0U\0/\0>\0", 8), big})
        if (auto cab = codec::make_cabinet("blob", member)) out.push_back(std::move(*cab));
    return out;
}

std::vector<std::string> dictionary() {
    // MSCF header, folder compression types (none, MSZIP, Quantum, LZX 21), the MSZIP block signature, sizes.
    return {"MSCF", std::string("\0\0\0\0", 4), std::string("\x03\x01", 2), std::string("\0\0", 2),
            std::string("\x01\0", 2), std::string("\x02\0", 2), std::string("\x03\x15", 2), "CK",
            std::string("\xff\xff\xff\xff", 4), std::string("\0\x80", 2), "blob"};
}

}  // namespace wsusd::fuzz
