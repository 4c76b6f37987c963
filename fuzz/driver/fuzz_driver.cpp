// Random-mutation driver for the fuzz targets when libFuzzer is not available (g++ builds, CI).
//
//   <target> [--seconds N] [--seed S] [--write-seeds DIR] [FILE|DIR ...]
//
// Files and folders given are replayed first (regression inputs: fuzz/regressions/<target>/), then the target's
// seeds are mutated for N seconds (default 10; 0 = replay only). Each input is a seed or a splice of two, with one
// to four mutations stacked: bit flips, interesting bytes, truncation, deletion, duplication of a run, insertion
// of a dictionary token. When an input crashes the process (sanitizer report, abort, segfault), it is written to
// ./crash-<target>-<pid> first, so it can be replayed and added to the regressions.
#include "driver/fuzz_driver.h"

#include "util/log.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string_view>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace fs = std::filesystem;

namespace {

const std::string* g_current = nullptr;
char g_crash_path[512] = "crash-input";

// Async-signal-safe: only write(2) on a buffer prepared before the crash.
void dump_current() {
    if (g_current == nullptr) return;
    int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    const char* p = g_current->data();
    std::size_t left = g_current->size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    ::close(fd);
    static const char msg[] = "\nfuzz driver: the crashing input was written to ";
    (void)!::write(2, msg, sizeof msg - 1);
    (void)!::write(2, g_crash_path, std::strlen(g_crash_path));
    (void)!::write(2, "\n", 1);
}

void on_signal(int sig) {
    dump_current();
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void run_one(const std::string& input) {
    g_current = &input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    g_current = nullptr;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

class Mutator {
public:
    Mutator(std::uint64_t seed, std::vector<std::string> dict) : rng_(seed), dict_(std::move(dict)) {}

    std::string mutate(const std::vector<std::string>& seeds) {
        std::string m = seeds[pick(seeds.size())];
        if (seeds.size() > 1 && pick(8) == 0) {  // splice: head of one seed, tail of another
            const std::string& other = seeds[pick(seeds.size())];
            m = m.substr(0, pick(m.size() + 1)) + other.substr(pick(other.size() + 1));
        }
        const unsigned steps = 1 + static_cast<unsigned>(pick(4));
        for (unsigned i = 0; i < steps; ++i) step(m);
        return m;
    }

private:
    std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

    void step(std::string& m) {
        static constexpr unsigned char kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, '<', '>', '&', '"', '\'', ';',
                                                         '=', '-', ',', '\r', '\n', '%', '/', '.', '9'};
        switch (pick(7)) {
            case 0:  // flip bits
                for (std::size_t k = 0, n = 1 + pick(8); k < n && !m.empty(); ++k)
                    m[pick(m.size())] ^= static_cast<char>(1u << pick(8));
                break;
            case 1:  // interesting byte
                if (!m.empty()) m[pick(m.size())] = static_cast<char>(kInteresting[pick(sizeof kInteresting)]);
                break;
            case 2:  // truncate
                m.resize(pick(m.size() + 1));
                break;
            case 3:  // delete a run
                if (!m.empty()) m.erase(pick(m.size()), 1 + pick(64));
                break;
            case 4: {  // duplicate a run, sometimes many times (inflation)
                if (m.empty()) break;
                std::size_t a = pick(m.size()), len = 1 + pick(std::min<std::size_t>(512, m.size() - a));
                std::string run = m.substr(a, len);
                std::size_t times = pick(4) == 0 ? 1 + pick(2000) : 1;
                std::string many;
                many.reserve(run.size() * times);
                for (std::size_t k = 0; k < times; ++k) many += run;
                m.insert(pick(m.size() + 1), many);
                break;
            }
            case 5:  // dictionary token
                if (!dict_.empty()) m.insert(pick(m.size() + 1), dict_[pick(dict_.size())]);
                break;
            default: {  // overwrite a run with one repeated byte
                if (m.empty()) break;
                std::size_t a = pick(m.size()), len = 1 + pick(std::min<std::size_t>(256, m.size() - a));
                std::memset(m.data() + a, static_cast<int>(rng_() & 0xff), len);
                break;
            }
        }
    }

    std::mt19937_64 rng_;
    std::vector<std::string> dict_;
};

int usage(const char* argv0) {
    std::fprintf(stderr, "usage: %s [--seconds N] [--seed S] [--write-seeds DIR] [FILE|DIR ...]\n", argv0);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 10;
    std::uint64_t seed = 1;
    std::string write_seeds;
    std::vector<fs::path> replay;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if ((a == "--seconds" || a == "--seed" || a == "--write-seeds") && i + 1 < argc) {
            const char* v = argv[++i];
            if (a == "--seconds") seconds = std::atof(v);
            else if (a == "--seed") seed = std::strtoull(v, nullptr, 10);
            else write_seeds = v;
        } else if (!a.empty() && a[0] == '-') {
            return usage(argv[0]);
        } else {
            replay.emplace_back(a);
        }
    }
    const std::string name = fs::path(argv[0]).filename().string();
    std::snprintf(g_crash_path, sizeof g_crash_path, "crash-%s-%d", name.c_str(), static_cast<int>(::getpid()));
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_set_death_callback(dump_current);
#endif
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_signal);

    wsusd::log::init("off");  // millions of rejected inputs would each log a line
    const std::vector<std::string> seeds = wsusd::fuzz::seeds();
    if (!write_seeds.empty()) {  // a starting corpus for libFuzzer
        fs::create_directories(write_seeds);
        for (std::size_t i = 0; i < seeds.size(); ++i)
            std::ofstream(fs::path(write_seeds) / ("seed-" + std::to_string(i)), std::ios::binary) << seeds[i];
        std::printf("%zu seeds written to %s\n", seeds.size(), write_seeds.c_str());
        return 0;
    }

    std::size_t replayed = 0;
    for (const auto& p : replay) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            for (const auto& e : fs::directory_iterator(p)) {
                if (!e.is_regular_file() || e.path().filename().string().starts_with('.')) continue;
                run_one(read_file(e.path()));
                ++replayed;
            }
        } else if (fs::is_regular_file(p, ec)) {
            run_one(read_file(p));
            ++replayed;
        } else {
            std::fprintf(stderr, "%s: no such file or folder\n", p.c_str());
            return 2;
        }
    }
    for (const auto& s : seeds) run_one(s);
    if (seeds.empty() && seconds > 0) {
        std::fprintf(stderr, "%s: the target has no seeds (is ../shared/captures there?)\n", name.c_str());
        return 2;
    }

    Mutator mutator(seed, wsusd::fuzz::dictionary());
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t runs = 0;
    while (seconds > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
        run_one(mutator.mutate(seeds));
        ++runs;
    }
    std::printf("%s: %zu regression inputs, %zu seeds, %llu mutated inputs in %.0f s (seed %llu), no failure\n",
                name.c_str(), replayed, seeds.size(), static_cast<unsigned long long>(runs), seconds,
                static_cast<unsigned long long>(seed));
    return 0;
}
