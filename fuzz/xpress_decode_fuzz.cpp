// clang-format off
// clang++ -std=c++2b -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -isystem fuzz/expected_shim -Iinclude -Isrc fuzz/xpress_decode_fuzz.cpp src/codec/xpress.cpp -o /tmp/xpress_decode_fuzz && /tmp/xpress_decode_fuzz -max_total_time=60 -max_len=80000
// clang-format on
//
// Decodes arbitrary bytes as an xpress stream and as one bare DIRECT2 block; whatever decodes must survive
// compress -> decompress unchanged. fuzz/expected_shim holds a small <expected> stand-in because clang 14 cannot
// compile libstdc++ 12's (text and reasons in fuzz/README-codec-notes). Without clang, the same target runs under
// g++ with a random-mutation driver: g++ -std=c++2b -O1 -g -fsanitize=address,undefined -DWSUSD_FUZZ_STANDALONE
// -Iinclude -Isrc fuzz/xpress_decode_fuzz.cpp src/codec/xpress.cpp -o /tmp/xf && /tmp/xf 60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/xpress.h"

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

#ifdef WSUSD_FUZZ_STANDALONE
// Poor man's driver: mutates valid streams of random, repetitive and run-heavy data for the given seconds.
#include <chrono>
#include <cstdio>
#include <random>

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 60;
    std::mt19937_64 rng(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1);
    const auto start = std::chrono::steady_clock::now();
    unsigned long runs = 0;
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
        std::string plain(rng() % 70000, '\0');
        const unsigned alphabet = 1 + rng() % 256;
        for (std::size_t i = 0; i < plain.size(); ++i) {
            plain[i] = (i > 8 && rng() % 4) ? plain[i - 1 - rng() % 8] : static_cast<char>(rng() % alphabet);
        }
        std::string input;
        if (rng() % 2) {
            input = wsusd::codec::xpress_compress(plain);
        } else {
            const std::string head = plain.substr(0, 65535);
            input = {static_cast<char>(head.size() & 0xFF), static_cast<char>(head.size() >> 8)};
            input += wsusd::codec::xpress_encode_block(head);
        }
        const unsigned flips = rng() % 8;
        for (unsigned k = 0; k < flips && !input.empty(); ++k) input[rng() % input.size()] ^= static_cast<char>(rng());
        if (rng() % 4 == 0 && !input.empty()) input.resize(rng() % input.size());
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
        ++runs;
    }
    std::printf("%lu inputs in %.0f s, no failure\n", runs, seconds);
}
#endif
