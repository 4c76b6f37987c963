// Xpress (MS-WUSP §2.1.1): LZ77 with a hash-chain matcher and one-step lazy evaluation, DIRECT2 encoding.
#include "codec/xpress.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>

namespace wsusd::codec {
namespace {

using u8 = unsigned char;

constexpr std::size_t kHeaderSize = 8;
constexpr std::size_t kWindow = 8192;  // 13-bit offset field: distances 1..8192
constexpr std::size_t kMinMatch = 3;
constexpr unsigned kMaxChain = 16;       // candidates tried per position: bounds the work on repetitive input
constexpr std::size_t kNiceLength = 64;  // a match this long ends the search early
constexpr std::size_t kLazyLimit = 32;   // a match this long is taken without looking one byte ahead
constexpr unsigned kSkipShift = 6;       // after 64 fruitless searches in a row, search every 2nd position, ...

std::uint32_t load_le32(const u8* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}
unsigned load_le16(const u8* p) { return unsigned{p[0]} | unsigned{p[1]} << 8; }
void store_le32(u8* p, std::uint32_t v) {
    p[0] = static_cast<u8>(v);
    p[1] = static_cast<u8>(v >> 8);
    p[2] = static_cast<u8>(v >> 16);
    p[3] = static_cast<u8>(v >> 24);
}
void store_le16(u8* p, unsigned v) {
    p[0] = static_cast<u8>(v);
    p[1] = static_cast<u8>(v >> 8);
}

// Worst case of DIRECT2 for n bytes: every byte a literal, one 4-byte mask per 32 elements plus the end mask.
constexpr std::size_t direct2_bound(std::size_t n) { return n + 4 * (n / 32 + 2); }

// Writes DIRECT2 elements: literal bytes and match metadata, interleaved with 32-bit masks (MSB first).
class Direct2Writer {
  public:
    explicit Direct2Writer(u8* out) : out_(out), pos_(4) {}

    std::size_t size() const { return pos_; }

    void literal(u8 byte) {
        out_[pos_++] = byte;
        push_bit(0);
    }

    // len >= 3 and dist in 1..kWindow; lengths past 9 use the shared nibble, the extra byte and the 16-bit form.
    void match(std::size_t dist, std::size_t len) {
        const std::size_t l = len - kMinMatch;
        store_le16(out_ + pos_, static_cast<unsigned>((dist - 1) << 3 | std::min<std::size_t>(l, 7)));
        pos_ += 2;
        if (l >= 7) {
            const std::size_t rest = l - 7;
            const auto nibble = static_cast<u8>(std::min<std::size_t>(rest, 15));
            if (nibble_pos_ == 0) {
                nibble_pos_ = pos_;
                out_[pos_++] = nibble;
            } else {
                out_[nibble_pos_] |= static_cast<u8>(nibble << 4);
                nibble_pos_ = 0;
            }
            if (rest >= 15) {
                if (rest - 15 < 255) {
                    out_[pos_++] = static_cast<u8>(rest - 15);
                } else {
                    out_[pos_++] = 255;
                    store_le16(out_ + pos_, static_cast<unsigned>(l));  // whole length minus 3, not additive
                    pos_ += 2;
                }
            }
        }
        push_bit(1);
    }

    // The mask bit after the last element is a 1 (end marker), in a fresh mask if the current one is full.
    std::size_t finish() {
        std::uint32_t word = count_ == 0 ? 0 : flags_ << (32 - count_);
        word |= std::uint32_t{1} << (31 - count_);
        store_le32(out_ + flag_pos_, word);
        return pos_;
    }

  private:
    void push_bit(std::uint32_t bit) {
        flags_ = flags_ << 1 | bit;
        if (++count_ == 32) {
            store_le32(out_ + flag_pos_, flags_);
            flag_pos_ = pos_;
            pos_ += 4;
            count_ = 0;
            flags_ = 0;
        }
    }

    u8* out_;
    std::size_t pos_;
    std::size_t flag_pos_ = 0;
    std::size_t nibble_pos_ = 0;  // 0 = no half-used shared byte (position 0 is always a mask)
    std::uint32_t flags_ = 0;
    unsigned count_ = 0;
};

std::size_t common_length(const u8* a, const u8* b, std::size_t max) {
    std::size_t n = 0;
    while (n + 8 <= max) {
        std::uint64_t x, y;
        std::memcpy(&x, a + n, 8);
        std::memcpy(&y, b + n, 8);
        if (const std::uint64_t d = x ^ y; d != 0) {
            const int bits = std::endian::native == std::endian::little ? std::countr_zero(d) : std::countl_zero(d);
            return n + static_cast<std::size_t>(bits) / 8;
        }
        n += 8;
    }
    while (n < max && a[n] == b[n]) ++n;
    return n;
}

struct Match {
    std::size_t len = 0;
    std::size_t dist = 0;
};

// Hash chains over positions relative to the block start. prev is a ring of kWindow entries: a chain is only
// followed inside the window, where the ring slot has not been reused yet.
class MatchFinder {
  public:
    explicit MatchFinder(std::size_t input_size)
        : bits_(std::clamp(static_cast<unsigned>(std::bit_width(std::min(input_size, kWindow * 2))), 8u, 14u)),
          head_(std::make_unique_for_overwrite<std::int32_t[]>(std::size_t{1} << bits_)),
          prev_(std::make_unique_for_overwrite<std::int32_t[]>(kWindow)) {}

    void start_block(const u8* block, std::size_t size) {
        data_ = block;
        end_ = size;
        std::fill_n(head_.get(), std::size_t{1} << bits_, -1);
    }

    // Must be called for p before insert(p).
    Match find(std::size_t p) const {
        Match best;
        const std::size_t max = end_ - p;
        if (max < kMinMatch) return best;
        best.len = kMinMatch - 1;
        std::int32_t c = head_[hash(p)];
        for (unsigned chain = kMaxChain; chain != 0 && c >= 0; --chain) {
            const auto cand = static_cast<std::size_t>(c);
            if (p - cand > kWindow) break;
            // Cheap reject: a longer match must agree at the byte that would extend the best one.
            if (data_[cand + best.len] == data_[p + best.len]) {
                const std::size_t len = common_length(data_ + cand, data_ + p, max);
                if (len > best.len) {
                    best = {len, p - cand};
                    if (len >= kNiceLength || len == max) break;
                }
            }
            c = prev_[cand & (kWindow - 1)];
        }
        if (best.len < kMinMatch) best = {};
        return best;
    }

    void insert(std::size_t p) {
        if (end_ - p < kMinMatch) return;
        const std::size_t h = hash(p);
        prev_[p & (kWindow - 1)] = head_[h];
        head_[h] = static_cast<std::int32_t>(p);
    }

  private:
    std::size_t hash(std::size_t p) const {
        const std::uint32_t v =
            std::uint32_t{data_[p]} | std::uint32_t{data_[p + 1]} << 8 | std::uint32_t{data_[p + 2]} << 16;
        return (v * 2654435761u) >> (32 - bits_);
    }

    unsigned bits_;
    std::unique_ptr<std::int32_t[]> head_;
    std::unique_ptr<std::int32_t[]> prev_;
    const u8* data_ = nullptr;
    std::size_t end_ = 0;
};

// Codes data[0, n) into out (room for direct2_bound(n)); returns the coded size, or with `give_up` 0 as soon as
// it is clear the block will not shrink.
std::size_t compress_block(MatchFinder& mf, const u8* data, std::size_t n, u8* out, bool give_up) {
    mf.start_block(data, n);
    Direct2Writer w(out);
    std::size_t p = 0;
    std::size_t misses = 0;  // positions searched in vain since the last match
    while (p < n) {
        if (give_up && w.size() >= n) return 0;
        Match m = mf.find(p);
        mf.insert(p);
        if (m.len == 0) {
            // In long incompressible stretches search ever more sparsely (as LZ4 does): random data runs several
            // times faster while text, whose misses are short, is unaffected.
            const std::size_t step = std::min(1 + (++misses >> kSkipShift), n - p);
            for (std::size_t i = 0; i < step; ++i) w.literal(data[p++]);
            continue;
        }
        misses = 0;
        // Lazy evaluation: if the next position starts a longer match, emit this byte as a literal instead.
        while (m.len < kLazyLimit && p + 1 < n) {
            const Match next = mf.find(p + 1);
            if (next.len <= m.len) break;
            w.literal(data[p++]);
            mf.insert(p);
            m = next;
        }
        w.match(m.dist, m.len);
        for (std::size_t q = p + 1; q < p + m.len; ++q) mf.insert(q);
        p += m.len;
    }
    const std::size_t size = w.finish();
    return !give_up || size < n ? size : 0;
}

// Decodes one DIRECT2 block of exactly `m` output bytes; nullptr on success, else what was wrong.
const char* decompress_block(const u8* src, std::size_t n, u8* dst, std::size_t m) {
    std::size_t ip = 0, op = 0;
    std::uint32_t flags = 0;
    unsigned bits = 0;
    std::size_t nibble_pos = 0;
    bool nibble_pending = false;
    while (op < m) {
        if (bits == 0) {
            if (n - ip < 4) return "truncated bit mask";
            flags = load_le32(src + ip);
            ip += 4;
            bits = 32;
        }
        const bool is_match = (flags & 0x80000000u) != 0;
        flags <<= 1;
        --bits;
        if (!is_match) {
            if (ip == n) return "truncated literal";
            dst[op++] = src[ip++];
            continue;
        }
        if (n - ip < 2) return "truncated match";
        const unsigned meta = load_le16(src + ip);
        ip += 2;
        const std::size_t dist = (meta >> 3) + 1;
        std::size_t len = (meta & 7) + kMinMatch;  // 3..9 in line
        if (len == 7 + kMinMatch) {
            // 10..24 in a nibble of a byte shared by two long matches (low nibble first), then 25..279 in one
            // more byte, then a 16-bit field holding the whole length minus 3.
            unsigned nibble;
            if (!nibble_pending) {
                if (ip == n) return "truncated match length";
                nibble_pos = ip++;
                nibble = src[nibble_pos] & 15;
            } else {
                nibble = src[nibble_pos] >> 4;
            }
            nibble_pending = !nibble_pending;
            len += nibble;
            if (nibble == 15) {
                if (ip == n) return "truncated match length";
                const unsigned extra = src[ip++];
                len += extra;
                if (extra == 255) {
                    if (n - ip < 2) return "truncated match length";
                    len = load_le16(src + ip) + kMinMatch;
                    ip += 2;
                }
            }
        }
        if (dist > op) return "match offset before the start of the block";
        if (len > m - op) return "match runs past the block's original size";
        const u8* from = dst + op - dist;
        if (dist >= len) {
            std::memcpy(dst + op, from, len);
        } else if (dist == 1) {
            std::memset(dst + op, *from, len);
        } else {
            for (std::size_t i = 0; i < len; ++i) dst[op + i] = from[i];  // overlapping: repeats the last dist bytes
        }
        op += len;
    }
    // The spec requires a 1 bit after the last element, in a fresh mask if the last one was used up.
    if (bits == 0) {
        if (n - ip != 4) return "missing or misplaced end marker";
        flags = load_le32(src + ip);
    } else if (ip != n) {
        return "trailing bytes after the last element";
    }
    if ((flags & 0x80000000u) == 0) return "missing end marker";
    return nullptr;
}

}  // namespace

std::string xpress_compress(std::string_view in) {
    const auto* data = reinterpret_cast<const u8*>(in.data());
    const std::size_t blocks = (in.size() + kXpressBlockSize - 1) / kXpressBlockSize;
    std::string out;
    if (blocks == 0) return out;
    out.resize(in.size() + blocks * (kHeaderSize + direct2_bound(kXpressBlockSize) - kXpressBlockSize));
    auto* dst = reinterpret_cast<u8*>(out.data());
    std::size_t op = 0;
    MatchFinder mf(in.size());
    for (std::size_t begin = 0; begin < in.size(); begin += kXpressBlockSize) {
        const std::size_t end = std::min(in.size(), begin + kXpressBlockSize);
        const std::size_t n = end - begin;
        std::size_t coded = compress_block(mf, data + begin, n, dst + op + kHeaderSize, true);
        if (coded == 0) {  // stored: coded size == original size marks a verbatim block
            std::memcpy(dst + op + kHeaderSize, data + begin, n);
            coded = n;
        }
        store_le32(dst + op, static_cast<std::uint32_t>(n));
        store_le32(dst + op + 4, static_cast<std::uint32_t>(coded));
        op += kHeaderSize + coded;
    }
    out.resize(op);
    return out;
}

Result<std::string> xpress_decompress(std::string_view in, std::size_t max_output) {
    const auto* src = reinterpret_cast<const u8*>(in.data());
    std::string out;
    std::size_t ip = 0;
    while (ip < in.size()) {
        if (in.size() - ip < kHeaderSize) return fail(Errc::invalid_argument, "xpress: truncated block header");
        const auto original = static_cast<std::int32_t>(load_le32(src + ip));
        const auto coded = static_cast<std::int32_t>(load_le32(src + ip + 4));
        ip += kHeaderSize;
        if (original < 0 || coded < 0 || static_cast<std::size_t>(original) > kXpressBlockSize ||
            static_cast<std::size_t>(coded) > kXpressBlockSize) {
            return fail(Errc::invalid_argument, "xpress: block size out of range (0..65535)");
        }
        const auto m = static_cast<std::size_t>(original);
        const auto n = static_cast<std::size_t>(coded);
        if (in.size() - ip < n) return fail(Errc::invalid_argument, "xpress: truncated block");
        if (m > max_output - out.size()) {
            return fail(Errc::limit_exceeded, "xpress: decoded body exceeds " + std::to_string(max_output) + " bytes");
        }
        const std::size_t op = out.size();
        out.resize(op + m);
        auto* dst = reinterpret_cast<u8*>(out.data()) + op;
        if (n == m) {
            std::memcpy(dst, src + ip, n);
        } else if (const char* err = decompress_block(src + ip, n, dst, m)) {
            return fail(Errc::invalid_argument, std::string("xpress: ") + err);
        }
        ip += n;
    }
    return out;
}

std::string xpress_encode_block(std::string_view block) {
    block = block.substr(0, kXpressBlockSize);
    std::string out(direct2_bound(block.size()), '\0');
    MatchFinder mf(block.size());
    out.resize(compress_block(mf, reinterpret_cast<const u8*>(block.data()), block.size(),
                              reinterpret_cast<u8*>(out.data()), false));
    return out;
}

Result<std::string> xpress_decode_block(std::string_view coded, std::size_t original_size) {
    if (original_size > kXpressBlockSize) return fail(Errc::invalid_argument, "xpress: block larger than 65535");
    std::string out(original_size, '\0');
    if (const char* err = decompress_block(reinterpret_cast<const u8*>(coded.data()), coded.size(),
                                           reinterpret_cast<u8*>(out.data()), original_size)) {
        return fail(Errc::invalid_argument, std::string("xpress: ") + err);
    }
    return out;
}

}  // namespace wsusd::codec
