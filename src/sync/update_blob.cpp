#include "sync/update_blob.h"

#include <mspack.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace wsusd::sync {

namespace {

// libmspack reaches files only through a mspack_system: the "file name" it is given is passed back to open()
// untouched, so it can point at one of these instead of naming a file.
struct MemSource {
    std::string_view input;      // what reading yields
    std::string* output = nullptr;  // where writing goes
    std::size_t max_output = 0;
    bool overflow = false;
};

struct MemHandle {
    MemSource* source = nullptr;
    std::size_t pos = 0;
};

struct MemSystem {
    mspack_system sys{};  // first member: libmspack hands &sys back to us
    std::vector<std::unique_ptr<MemHandle>> handles;
};

mspack_file* mem_open(mspack_system* self, const char* name, int mode) {
    auto* ms = reinterpret_cast<MemSystem*>(self);
    auto* src = reinterpret_cast<MemSource*>(const_cast<char*>(name));
    if (mode != MSPACK_SYS_OPEN_READ && mode != MSPACK_SYS_OPEN_WRITE) return nullptr;
    if (mode == MSPACK_SYS_OPEN_WRITE && !src->output) return nullptr;
    ms->handles.push_back(std::make_unique<MemHandle>(MemHandle{src, 0}));
    return reinterpret_cast<mspack_file*>(ms->handles.back().get());
}

void mem_close(mspack_file*) {}  // handles live until the MemSystem goes

int mem_read(mspack_file* f, void* buf, int bytes) {
    auto* h = reinterpret_cast<MemHandle*>(f);
    if (bytes < 0) return -1;
    const auto& in = h->source->input;
    std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(bytes), in.size() - std::min(h->pos, in.size()));
    if (n) std::memcpy(buf, in.data() + h->pos, n);
    h->pos += n;
    return static_cast<int>(n);
}

int mem_write(mspack_file* f, void* buf, int bytes) {
    auto* h = reinterpret_cast<MemHandle*>(f);
    auto* src = h->source;
    if (bytes < 0 || !src->output) return -1;
    if (src->output->size() + static_cast<std::size_t>(bytes) > src->max_output) {
        src->overflow = true;
        return -1;
    }
    src->output->append(static_cast<const char*>(buf), static_cast<std::size_t>(bytes));
    return bytes;
}

int mem_seek(mspack_file* f, off_t offset, int mode) {
    auto* h = reinterpret_cast<MemHandle*>(f);
    const auto size = static_cast<off_t>(h->source->input.size());
    off_t base = mode == MSPACK_SYS_SEEK_START ? 0 : mode == MSPACK_SYS_SEEK_CUR ? static_cast<off_t>(h->pos) : size;
    off_t target = base + offset;
    if (target < 0 || target > size) return -1;
    h->pos = static_cast<std::size_t>(target);
    return 0;
}

off_t mem_tell(mspack_file* f) { return static_cast<off_t>(reinterpret_cast<MemHandle*>(f)->pos); }
void mem_message(mspack_file*, const char*, ...) {}
void* mem_alloc(mspack_system*, size_t bytes) { return std::malloc(bytes); }
void mem_free(void* p) { std::free(p); }
void mem_copy(void* src, void* dst, size_t bytes) { std::memmove(dst, src, bytes); }

const char* mspack_error_text(int code) {
    switch (code) {
        case MSPACK_ERR_SIGNATURE: return "not a cabinet (bad MSCF signature)";
        case MSPACK_ERR_DATAFORMAT: return "malformed cabinet data";
        case MSPACK_ERR_CHECKSUM: return "cabinet checksum mismatch";
        case MSPACK_ERR_DECRUNCH: return "cannot decompress the cabinet member";
        case MSPACK_ERR_READ: return "truncated cabinet";
        case MSPACK_ERR_NOMEMORY: return "out of memory";
        default: return "cabinet error";
    }
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

Result<std::string> extract_cabinet_member(std::string_view cabinet, std::size_t max_bytes) {
    MemSystem ms;
    ms.sys.open = mem_open;
    ms.sys.close = mem_close;
    ms.sys.read = mem_read;
    ms.sys.write = mem_write;
    ms.sys.seek = mem_seek;
    ms.sys.tell = mem_tell;
    ms.sys.message = mem_message;
    ms.sys.alloc = mem_alloc;
    ms.sys.free = mem_free;
    ms.sys.copy = mem_copy;
    std::unique_ptr<mscab_decompressor, void (*)(mscab_decompressor*)> cabd(
        mspack_create_cab_decompressor(&ms.sys), mspack_destroy_cab_decompressor);
    if (!cabd) return fail(Errc::internal, "libmspack: cannot create a cabinet decompressor");
    // Consistent with Windows' own reader: a damaged block is an error, not silently skipped.
    cabd->set_param(cabd.get(), MSCABD_PARAM_FIXMSZIP, 0);
    cabd->set_param(cabd.get(), MSCABD_PARAM_SALVAGE, 0);

    MemSource in{cabinet, nullptr, 0, false};
    mscabd_cabinet* cab = cabd->open(cabd.get(), reinterpret_cast<const char*>(&in));
    if (!cab) return fail(Errc::invalid_argument, mspack_error_text(cabd->last_error(cabd.get())));
    struct CabCloser {
        mscab_decompressor* d;
        mscabd_cabinet* c;
        ~CabCloser() { d->close(d, c); }
    } closer{cabd.get(), cab};
    if (!cab->files) return fail(Errc::invalid_argument, "the cabinet holds no file");
    if (cab->files->length > max_bytes)
        return fail(Errc::limit_exceeded, "cabinet member of " + std::to_string(cab->files->length) +
                                              " bytes exceeds the limit of " + std::to_string(max_bytes));
    std::string out;
    out.reserve(cab->files->length);
    MemSource dst{{}, &out, max_bytes, false};
    int rc = cabd->extract(cabd.get(), cab->files, reinterpret_cast<const char*>(&dst));
    if (dst.overflow) return fail(Errc::limit_exceeded, "cabinet member exceeds " + std::to_string(max_bytes) + " bytes");
    if (rc != MSPACK_ERR_OK) return fail(Errc::invalid_argument, mspack_error_text(rc));
    if (out.size() != cab->files->length) return fail(Errc::invalid_argument, "cabinet member shorter than declared");
    return out;
}

Result<std::string> utf16le_to_utf8(std::string_view b) {
    if (b.size() % 2) return fail(Errc::invalid_argument, "UTF-16 text with an odd number of bytes");
    std::size_t i = 0;
    if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xFE) i = 2;
    std::string out;
    out.reserve(b.size() / 2);
    auto unit = [&](std::size_t at) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
               (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8);
    };
    for (; i < b.size(); i += 2) {
        std::uint32_t u = unit(i);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 3 >= b.size()) return fail(Errc::invalid_argument, "UTF-16 text ends inside a surrogate pair");
            std::uint32_t lo = unit(i + 2);
            if (lo < 0xDC00 || lo > 0xDFFF) return fail(Errc::invalid_argument, "unpaired UTF-16 high surrogate");
            append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
            i += 2;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            return fail(Errc::invalid_argument, "unpaired UTF-16 low surrogate");
        } else {
            append_utf8(out, u);
        }
    }
    return out;
}

Result<std::string> decode_compressed_update_blob(std::string_view cabinet, std::size_t max_bytes) {
    auto raw = extract_cabinet_member(cabinet, max_bytes);
    if (!raw) return raw;
    // Real WSUS stores UTF-16LE ('<' then NUL); a UTF-8 member (another implementation) is taken as it is.
    const bool utf16 = (raw->size() >= 2 && (*raw)[1] == '\0') ||
                       (raw->size() >= 2 && static_cast<unsigned char>((*raw)[0]) == 0xFF &&
                        static_cast<unsigned char>((*raw)[1]) == 0xFE);
    if (!utf16) return raw;
    return utf16le_to_utf8(*raw);
}

}  // namespace wsusd::sync
