// The contract between a fuzz target and the two engines that can run it: libFuzzer (clang, coverage-guided) and
// fuzz_driver.cpp (g++, random mutation of seeds for a bounded time, built into every test build so that CI runs
// each target under ASan/UBSan). A target defines LLVMFuzzerTestOneInput and, for the g++ driver, its seeds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace wsusd::fuzz {

/// Starting inputs: real requests and documents from ../shared/captures, built at run time so that nothing
/// from the captures is copied into the tree. Called once, before the first input.
std::vector<std::string> seeds();

/// Tokens the mutator splices in (XML syntax, header names, range syntax...). May be empty.
std::vector<std::string> dictionary();

}  // namespace wsusd::fuzz
