// HTTP request parsing and the session state machine, through a real in-process HttpServer on loopback: each input
// is written to a fresh connection (then half-closed) and the reply must be nothing or HTTP. The server hosts the
// Client SOAP endpoint, /Content/ (with one stored file, so Range and conditional headers reach the range parser)
// and /health; every 32 inputs a clean GET /health must still answer 200. Limits are small so that 413/431 paths
// are reached. Seeds: the captured native scan requests with their headers, and ranged content requests shaped
// like the captured Delivery Optimization downloads.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>

#include <openssl/sha.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdlib>
#include <thread>

#include "content/content_http.h"
#include "driver/captures.h"
#include "driver/fuzz_driver.h"
#include "net/http_server.h"
#include "soap/http_binding.h"
#include "support/service_fixture.h"
#include "util/encoding.h"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

const std::string kFile = "wsusd fuzz content file\n";

struct Server {
    wsusd::test_support::ServiceFixture fixture{"fuzz-http"};
    asio::io_context ioc;
    asio::thread_pool workers{2};
    wsusd::net::Router router;
    std::unique_ptr<wsusd::net::HttpServer> server;
    std::thread io_thread;
    std::uint16_t port = 0;
    std::string content_path;

    Server() {
        auto store = wsusd::content::ContentStore::open(fixture.dir / "content");
        if (!store) std::abort();
        wsusd::content::ExpectedFile file{content_sha1(), std::nullopt, kFile.size(), "cab"};
        if (!(*store)->write(file, kFile)) std::abort();
        content_path = "/Content/" + file.sha1.substr(38) + "/" + file.sha1 + ".cab";
        router.add("/ClientWebService/client.asmx", wsusd::soap::make_soap_handler(*fixture.client, {}));
        router.add("/health", [](const wsusd::net::HttpRequest&) { return wsusd::net::plain_response(200, "ok"); });
        router.add_prefix("/Content/", wsusd::content::make_content_handler(
                                           *store, [file](std::string_view sha1) -> wsusd::Result<wsusd::content::ExpectedFile> {
                                               if (sha1 == file.sha1) return file;
                                               return wsusd::fail(wsusd::Errc::not_found, "unknown file");
                                           }));
        wsusd::net::ServerLimits limits;
        limits.max_body_bytes = 64 * 1024;
        limits.max_header_bytes = 4 * 1024;
        limits.header_timeout_seconds = 2;
        limits.read_timeout_seconds = 2;
        limits.idle_timeout_seconds = 2;
        server = std::make_unique<wsusd::net::HttpServer>(ioc, workers, router, limits);
        auto bound = server->listen("127.0.0.1", 0, nullptr);
        if (!bound) std::abort();
        port = *bound;
        io_thread = std::thread([this] { ioc.run(); });
    }
    ~Server() {
        server->begin_shutdown();
        ioc.stop();
        io_thread.join();
        workers.join();
    }

    static std::string content_sha1();
};

std::string Server::content_sha1() {
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(kFile.data()), kFile.size(), md);
    return wsusd::util::to_hex(std::string_view(reinterpret_cast<const char*>(md), sizeof md));
}

Server& server() {
    static Server s;
    return s;
}

// Sends `input`, half-closes, and returns everything the server wrote before closing (bounded by a 5 s timeout).
std::string exchange(std::uint16_t port, std::string_view input) {
    asio::io_context io;
    tcp::socket sock(io);
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval tv{5, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(input.data(), input.size()), ec);  // the server may close early (413, 431)
    sock.shutdown(tcp::socket::shutdown_send, ec);
    std::string out;
    char buf[65536];
    for (;;) {
        std::size_t n = sock.read_some(asio::buffer(buf), ec);
        out.append(buf, n);
        if (ec || out.size() > (64u << 20)) break;
    }
    return out;
}

unsigned long g_inputs = 0;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& s = server();
    std::string reply = exchange(s.port, {reinterpret_cast<const char*>(data), size});
    if (!reply.empty() && !reply.starts_with("HTTP/1.")) std::abort();
    if (++g_inputs % 32 == 0) {
        std::string health = exchange(s.port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if (!health.starts_with("HTTP/1.1 200")) std::abort();
    }
    return 0;
}

namespace wsusd::fuzz {

std::vector<std::string> seeds() {
    auto& s = server();
    std::vector<std::string> out;
    auto heads = exchange_files("wsus-m0-native/scan", "request.headers");
    auto bodies = exchange_files("wsus-m0-native/scan", "request.body");
    for (std::size_t i = 0; i < heads.size() && i < bodies.size(); ++i) {
        std::string h;
        for (char c : heads[i]) {
            if (c == '\n' && (h.empty() || h.back() != '\r')) h += '\r';
            h += c;
        }
        while (h.ends_with("\r\n")) h.resize(h.size() - 2);
        out.push_back(h + "\r\n\r\n" + bodies[i]);
    }
    const std::string get = "GET " + s.content_path + " HTTP/1.1\r\nHost: x\r\n";
    out.push_back(get + "User-Agent: Microsoft-Delivery-Optimization/10.1\r\nRange: bytes=3-9\r\n\r\n");
    out.push_back(get + "Range: bytes=0-1,5-7,-3\r\nIf-Range: \"x\"\r\n\r\n");
    out.push_back("HEAD " + s.content_path + " HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n" + get + "\r\n");
    out.push_back("POST /ClientWebService/client.asmx HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  "Content-Length: 5\r\nContent-Type: text/xml\r\n\r\n<a/>\n");
    return out;
}

std::vector<std::string> dictionary() {
    return {"\r\n", "\r\n\r\n", "Content-Length: ", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n", "Range: bytes=",
            "-", ",", "If-Modified-Since: ", "Expect: 100-continue\r\n", "Content-Encoding: xpress\r\n",
            "Accept-Encoding: gzip, xpress\r\n", "Connection: close\r\n", "HTTP/1.0", " /Content/", "%2e%2e/", "//",
            "18446744073709551615"};
}

}  // namespace wsusd::fuzz
