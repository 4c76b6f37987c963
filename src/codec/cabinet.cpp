#include "codec/cabinet.h"

#include <gio/gio.h>
#include <libgcab.h>
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

}  // namespace wsusd::codec
