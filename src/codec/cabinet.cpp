#include "codec/cabinet.h"

#include <gio/gio.h>
#include <libgcab.h>
#include <mspack.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

namespace wsusd::codec {

namespace {

template <class T>
struct GUnref {
    void operator()(T* p) const noexcept {
        if (p) g_object_unref(p);
    }
};
template <class T>
using GPtr = std::unique_ptr<T, GUnref<T>>;

struct ErrorGuard {
    GError* error = nullptr;
    ~ErrorGuard() {
        if (error) g_error_free(error);
    }
    std::string message() const { return error && error->message ? error->message : "unknown error"; }
};

}  // namespace

Result<std::string> make_cabinet(std::string_view name, std::string_view data) {
    ErrorGuard err;
    GPtr<GCabCabinet> cabinet(gcab_cabinet_new());
    GPtr<GCabFolder> folder(gcab_folder_new(GCAB_COMPRESSION_MSZIP));
    GBytes* bytes = g_bytes_new(data.data(), data.size());
    GPtr<GCabFile> file(gcab_file_new_with_bytes(std::string(name).c_str(), bytes));
    g_bytes_unref(bytes);
    if (!gcab_folder_add_file(folder.get(), file.get(), FALSE, nullptr, &err.error))
        return fail(Errc::internal, "cabinet: " + err.message());
    if (!gcab_cabinet_add_folder(cabinet.get(), folder.get(), &err.error))
        return fail(Errc::internal, "cabinet: " + err.message());
    GPtr<GOutputStream> out(g_memory_output_stream_new_resizable());
    if (!gcab_cabinet_write_simple(cabinet.get(), out.get(), nullptr, nullptr, nullptr, &err.error))
        return fail(Errc::internal, "cabinet: " + err.message());
    if (!g_output_stream_close(out.get(), nullptr, &err.error)) return fail(Errc::internal, "cabinet: " + err.message());
    auto* mem = G_MEMORY_OUTPUT_STREAM(out.get());
    return std::string(static_cast<const char*>(g_memory_output_stream_get_data(mem)),
                       g_memory_output_stream_get_data_size(mem));
}

Result<std::string> utf8_to_utf16le(std::string_view in) {
    std::string out;
    out.reserve(in.size() * 2);
    auto put = [&](std::uint32_t unit) {
        out += static_cast<char>(unit & 0xFF);
        out += static_cast<char>(unit >> 8);
    };
    for (std::size_t i = 0; i < in.size();) {
        const auto c = static_cast<unsigned char>(in[i]);
        std::uint32_t cp = 0;
        std::size_t len = 0;
        if (c < 0x80) cp = c, len = 1;
        else if ((c & 0xE0) == 0xC0) cp = c & 0x1F, len = 2;
        else if ((c & 0xF0) == 0xE0) cp = c & 0x0F, len = 3;
        else if ((c & 0xF8) == 0xF0) cp = c & 0x07, len = 4;
        else return fail(Errc::invalid_argument, "not UTF-8 at byte " + std::to_string(i));
        if (i + len > in.size()) return fail(Errc::invalid_argument, "truncated UTF-8 at byte " + std::to_string(i));
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(in[i + k]);
            if ((cc & 0xC0) != 0x80) return fail(Errc::invalid_argument, "not UTF-8 at byte " + std::to_string(i + k));
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail(Errc::invalid_argument, "invalid UTF-8 sequence at byte " + std::to_string(i));
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put(0xD800 + (cp >> 10));
            put(0xDC00 + (cp & 0x3FF));
        } else {
            put(cp);
        }
        i += len;
    }
    return out;
}

Result<std::string> extract_single_file(std::string_view cabinet, std::size_t max_output) {
    // libmspack reads and writes through files; a private temporary folder keeps them away from everyone else.
    char dir_template[] = "/tmp/wsusd-cab-XXXXXX";
    if (!::mkdtemp(dir_template)) return fail(Errc::io, "cabinet: cannot create a temporary folder");
    const std::filesystem::path dir = dir_template;
    struct Cleanup {
        std::filesystem::path dir;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } cleanup{dir};
    const auto cab_path = dir / "in.cab", out_path = dir / "out";
    {
        std::ofstream out(cab_path, std::ios::binary);
        out.write(cabinet.data(), static_cast<std::streamsize>(cabinet.size()));
        if (!out) return fail(Errc::io, "cabinet: cannot write a temporary file");
    }
    std::unique_ptr<mscab_decompressor, void (*)(mscab_decompressor*)> cabd(mspack_create_cab_decompressor(nullptr),
                                                                           mspack_destroy_cab_decompressor);
    if (!cabd) return fail(Errc::internal, "cabinet: libmspack unavailable");
    mscabd_cabinet* cab = cabd->open(cabd.get(), const_cast<char*>(cab_path.c_str()));
    if (!cab) return fail(Errc::invalid_argument, "cabinet: not a valid cabinet (libmspack error " +
                                                      std::to_string(cabd->last_error(cabd.get())) + ")");
    struct CloseCab {
        mscab_decompressor* d;
        mscabd_cabinet* c;
        ~CloseCab() { d->close(d, c); }
    } close_cab{cabd.get(), cab};
    if (!cab->files || cab->files->next)
        return fail(Errc::invalid_argument, "cabinet: expected exactly one file");
    if (cab->files->length > max_output)
        return fail(Errc::limit_exceeded, "cabinet: the file is larger than " + std::to_string(max_output) + " bytes");
    if (cabd->extract(cabd.get(), cab->files, const_cast<char*>(out_path.c_str())) != MSPACK_ERR_OK)
        return fail(Errc::invalid_argument, "cabinet: cannot decompress (libmspack error " +
                                                std::to_string(cabd->last_error(cabd.get())) + ")");
    std::ifstream in(out_path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    if (data.size() != cab->files->length) return fail(Errc::invalid_argument, "cabinet: truncated file");
    return data;
}

Result<std::string> utf16le_to_utf8(std::string_view in) {
    if (in.size() % 2 != 0) return fail(Errc::invalid_argument, "UTF-16: odd number of bytes");
    std::size_t i = 0;
    if (in.size() >= 2 && static_cast<unsigned char>(in[0]) == 0xFF && static_cast<unsigned char>(in[1]) == 0xFE) i = 2;
    auto unit = [&](std::size_t at) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(in[at])) |
               static_cast<std::uint32_t>(static_cast<unsigned char>(in[at + 1])) << 8;
    };
    std::string out;
    out.reserve(in.size() / 2);
    for (; i < in.size(); i += 2) {
        std::uint32_t cp = unit(i);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 3 >= in.size()) return fail(Errc::invalid_argument, "UTF-16: unpaired surrogate");
            const std::uint32_t low = unit(i + 2);
            if (low < 0xDC00 || low > 0xDFFF) return fail(Errc::invalid_argument, "UTF-16: unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 2;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail(Errc::invalid_argument, "UTF-16: unpaired surrogate");
        }
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
    return out;
}

}  // namespace wsusd::codec
