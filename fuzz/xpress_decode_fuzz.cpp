// Decodes arbitrary bytes as an xpress stream and as one bare DIRECT2 block; whatever decodes must survive
// compress -> decompress unchanged. Seeds: the captured SOAP bodies, compressed. libFuzzer build: fuzz/run.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/xpress.h"
#include "driver/captures.h"
#include "driver/fuzz_driver.h"

namespace {

constexpr std::size_t kMaxOutput = 1 << 20;

void check_round_trip(const std::string& plain) {
    using namespace wsusd::codec;
    const std::string stream = xpress_compress(plain);
    auto back = xpress_decompress(stream, plain.size());
    if (!back || *back != plain) std::abort();
    if (plain.size() <= kXpressBlockSize) {
        auto block = xpress_decode_block(xpress_encode_block(plain), plain.size());
        if (!block || *block != plain) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace wsusd::codec;
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    if (auto out = xpress_decompress(in, kMaxOutput)) {
        if (out->size() > kMaxOutput) std::abort();
        check_round_trip(*out);
    }
    // Most random inputs fail the stream's size checks, so also feed the DIRECT2 decoder directly: the first two
    // bytes give the original size.
    if (size >= 2) {
        const std::size_t original = data[0] | std::size_t{data[1]} << 8;
        if (auto out = xpress_decode_block(in.substr(2), original)) {
            if (out->size() != original) std::abort();
            check_round_trip(*out);
        }
    }
    return 0;
}


namespace wsusd::fuzz {

std::vector<std::string> seeds() {
    std::vector<std::string> out;
    for (const char* name : {"request.body", "response.body"}) {
        for (const auto& body : exchange_files("wsus-m0-native/scan", name)) {
            out.push_back(codec::xpress_compress(body));
            const std::string head = body.substr(0, 65535);
            std::string block{static_cast<char>(head.size() & 0xFF), static_cast<char>(head.size() >> 8)};
            out.push_back(block + codec::xpress_encode_block(head));
        }
    }
    return out;
}

std::vector<std::string> dictionary() { return {}; }

}  // namespace wsusd::fuzz
