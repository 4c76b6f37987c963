// HttpServer paths of content downloads: quick routes answered on the network thread (with the fall-back to the
// worker pool), file bodies sent from a descriptor a handler already checked, and file responses to a pipelining
// client that reads late (full socket buffers: the header and sendfile paths that wait). Part of the TSan pass.
#include <gtest/gtest.h>
#include <fcntl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "net/http_server.h"

namespace wsusd::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using asio::ip::tcp;

// A server on a loopback port with two network threads and a worker pool; remembers the network threads' ids.
class Server {
  public:
    explicit Server(Router& router) : workers_(2) {
        ServerLimits limits;
        limits.idle_timeout_seconds = 10;
        server_ = std::make_unique<HttpServer>(ioc_, workers_, router, limits);
        auto port = server_->listen("127.0.0.1", 0, nullptr);
        if (!port) throw std::runtime_error(port.error().message);
        port_ = *port;
        for (int i = 0; i < 2; ++i)
            io_.emplace_back([this] {
                {
                    std::lock_guard lock(mu_);
                    io_ids_.insert(std::this_thread::get_id());
                }
                ioc_.run();
            });
    }
    ~Server() {
        server_->begin_shutdown();
        guard_.reset();
        for (auto& t : io_) t.join();
        server_.reset();
        workers_.join();
    }
    unsigned short port() const { return port_; }
    bool on_network_thread() {
        std::lock_guard lock(mu_);
        return io_ids_.contains(std::this_thread::get_id());
    }

  private:
    asio::io_context ioc_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(ioc_);
    asio::thread_pool workers_;
    std::unique_ptr<HttpServer> server_;
    unsigned short port_ = 0;
    std::vector<std::thread> io_;
    std::mutex mu_;
    std::set<std::thread::id> io_ids_;
};

http::response<http::string_body> get(unsigned short port, const std::string& target,
                                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    asio::io_context cio;
    tcp::socket sock(cio);
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    for (auto& [k, v] : headers) req.set(k, v);
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    return res;
}

std::string pattern_bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + i / 4093) & 0xff);
    return s;
}

void write_file(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class HttpServerFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("wsusd-files-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(HttpServerFiles, QuickRouteAnswersOnTheNetworkThreadAndPassesTheRestToTheWorkers) {
    Router router;
    Server* server = nullptr;
    std::atomic<int> quick_on_io{0}, quick_elsewhere{0}, worker_on_io{0};
    router.add_prefix(
        "/files/",
        [&](const HttpRequest&) {
            if (server->on_network_thread()) ++worker_on_io;
            return plain_response(200, "worker");
        },
        [&](const HttpRequest& req) -> std::optional<HttpResponse> {
            (server->on_network_thread() ? quick_on_io : quick_elsewhere)++;
            if (req.header("X-Quick") == "throw") throw std::runtime_error("a bug in the quick handler");
            if (req.header("X-Quick") != "yes") return std::nullopt;
            return plain_response(200, "quick");
        });
    Server s(router);
    server = &s;
    EXPECT_EQ(get(s.port(), "/files/a", {{"X-Quick", "yes"}}).body(), "quick\n");
    EXPECT_EQ(get(s.port(), "/files/a").body(), "worker\n");
    // A quick handler that throws is a bug, logged; the request is still answered by the route's handler.
    EXPECT_EQ(get(s.port(), "/files/a", {{"X-Quick", "throw"}}).body(), "worker\n");
    EXPECT_EQ(quick_on_io.load(), 3);
    EXPECT_EQ(quick_elsewhere.load(), 0);
    EXPECT_EQ(worker_on_io.load(), 0);
}

TEST_F(HttpServerFiles, FileBodySendsTheCheckedDescriptorNotWhatThePathNamesNow) {
    const std::string checked = pattern_bytes(300'000, 1), replacement = pattern_bytes(300'000, 2);
    write_file(dir_ / "f.bin", checked);
    auto fd = std::make_shared<const util::FileDescriptor>(::open((dir_ / "f.bin").c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(*fd);
    // The file is replaced after the handler checked it (an import renaming a new version into place).
    write_file(dir_ / "new.bin", replacement);
    fs::rename(dir_ / "new.bin", dir_ / "f.bin");
    Router router;
    router.add_prefix("/f", [&](const HttpRequest&) {
        HttpResponse r;
        r.content_type = "application/octet-stream";
        FileBody body;
        body.path = (dir_ / "f.bin").string();
        body.fd = fd;
        body.fd_size = checked.size();
        body.parts.push_back({{}, 1000, 200'000});
        r.status = 206;
        r.file = std::move(body);
        return r;
    });
    // A range beyond the size the handler saw is refused before anything is sent.
    router.add_prefix("/short", [&](const HttpRequest&) {
        HttpResponse r;
        FileBody body;
        body.path = (dir_ / "f.bin").string();
        body.fd = fd;
        body.fd_size = 1000;
        body.parts.push_back({{}, 900, 200});
        r.file = std::move(body);
        return r;
    });
    Server s(router);
    auto res = get(s.port(), "/f");
    EXPECT_EQ(res.result_int(), 206u);
    EXPECT_EQ(res.body(), checked.substr(1000, 200'000));
    EXPECT_EQ(get(s.port(), "/short").result_int(), 500u);
}

TEST_F(HttpServerFiles, PipelinedFileResponsesToALateReaderArriveWholeAndInOrder) {
    // 40 pipelined requests for 1 MB each while the client does not read: the socket buffer fills, so sendfile and
    // the next header find it full and must wait. Then everything must arrive, byte for byte, in order.
    const std::string bytes = pattern_bytes(1 << 20, 3);
    write_file(dir_ / "big.bin", bytes);
    Router router;
    auto file_route = [&](const HttpRequest& req) {
        HttpResponse r;
        r.content_type = "application/octet-stream";
        FileBody body;
        body.path = (dir_ / "big.bin").string();
        const std::uint64_t off = std::stoull(std::string(req.header("X-Offset")));
        body.parts.push_back({{}, off, bytes.size() - off});
        r.file = std::move(body);
        return r;
    };
    // Half of them answered on the network thread, half on the workers: both orders of hand-off are exercised.
    router.add_prefix("/big", file_route, [&](const HttpRequest& req) -> std::optional<HttpResponse> {
        if (std::stoull(std::string(req.header("X-Offset"))) % 2) return std::nullopt;
        return file_route(req);
    });
    Server s(router);
    asio::io_context cio;
    tcp::socket sock(cio);
    sock.connect({asio::ip::make_address("127.0.0.1"), s.port()});
    sock.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    constexpr int kRequests = 40;
    std::string pipeline;
    for (int i = 0; i < kRequests; ++i)
        pipeline += "GET /big HTTP/1.1\r\nHost: localhost\r\nX-Offset: " + std::to_string(i * 1000 + i) + "\r\n\r\n";
    asio::write(sock, asio::buffer(pipeline));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    boost::beast::flat_buffer buf;
    for (int i = 0; i < kRequests; ++i) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(2 << 20);
        http::read(sock, buf, parser);
        const std::size_t off = static_cast<std::size_t>(i * 1000 + i);
        ASSERT_EQ(parser.get().result_int(), 200u) << "response " << i;
        ASSERT_EQ(parser.get().body().size(), bytes.size() - off) << "response " << i;
        ASSERT_TRUE(parser.get().body() == bytes.substr(off)) << "response " << i << " has other bytes";
    }
}

TEST_F(HttpServerFiles, AHeaderTheSocketCannotTakeAtOnceIsFinishedBeforeTheFile) {
    // The header of a file response is first offered to the socket without waiting; a header bigger than the
    // socket buffer (here 4 MB of fields to a client that reads late) must be finished asynchronously, then the file.
    const std::string bytes = pattern_bytes(500'000, 4), big(32'000, 'h');
    constexpr int kFields = 128;
    write_file(dir_ / "f.bin", bytes);
    Router router;
    router.add_prefix("/f", [&](const HttpRequest&) {
        HttpResponse r;
        r.content_type = "application/octet-stream";
        for (int i = 0; i < kFields; ++i) r.headers.emplace_back("X-Big-" + std::to_string(i), big);
        FileBody body;
        body.path = (dir_ / "f.bin").string();
        body.parts.push_back({{}, 0, bytes.size()});
        r.file = std::move(body);
        return r;
    });
    Server s(router);
    asio::io_context cio;
    tcp::socket sock(cio);
    sock.connect({asio::ip::make_address("127.0.0.1"), s.port()});
    sock.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    asio::write(sock, asio::buffer(std::string("GET /f HTTP/1.1\r\nHost: localhost\r\n\r\n")));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    boost::beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.header_limit(8 << 20);
    parser.body_limit(1 << 20);
    http::read(sock, buf, parser);
    for (int i = 0; i < kFields; ++i) EXPECT_EQ(parser.get()["X-Big-" + std::to_string(i)], big) << i;
    EXPECT_TRUE(parser.get().body() == bytes);
}

// Raw request → raw response text (the connection closes after one answer when the request says so).
std::string exchange_raw(unsigned short port, const std::string& request) {
    asio::io_context cio;
    tcp::socket sock(cio);
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(sock, asio::buffer(request));
    std::string out;
    boost::system::error_code ec;
    char buf[65536];
    while (true) {
        std::size_t n = sock.read_some(asio::buffer(buf), ec);
        out.append(buf, n);
        if (ec) break;
    }
    return out;
}

TEST_F(HttpServerFiles, FileResponseHeaderCarriesTheFieldsAndConnectionSemantics) {
    write_file(dir_ / "f.bin", "0123456789");
    Router router;
    router.add_prefix("/f", [&](const HttpRequest&) {
        HttpResponse r;
        r.status = 206;
        r.content_type = "application/octet-stream";
        r.headers.emplace_back("Content-Range", "bytes 2-5/10");
        r.headers.emplace_back("ETag", "\"abc\"");
        FileBody body;
        body.path = (dir_ / "f.bin").string();
        body.parts.push_back({{}, 2, 4});
        r.file = std::move(body);
        return r;
    });
    Server s(router);
    // HTTP/1.1 asking to close: "Connection: close", then the body, then the server closes.
    auto one = exchange_raw(s.port(), "GET /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto end = one.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos) << one;
    EXPECT_EQ(one.substr(end + 4), "2345");
    const std::string head = one.substr(0, end + 2);
    EXPECT_TRUE(head.starts_with("HTTP/1.1 206 Partial Content\r\nServer: wsusd/")) << head;
    for (const char* field : {"\r\nDate: ", "\r\nContent-Type: application/octet-stream\r\n",
                              "\r\nContent-Range: bytes 2-5/10\r\n", "\r\nETag: \"abc\"\r\n",
                              "\r\nContent-Length: 4\r\n", "\r\nConnection: close\r\n"})
        EXPECT_NE(head.find(field), std::string::npos) << field << " missing in\n" << head;
    // HTTP/1.0 asking to stay: "Connection: keep-alive" (the connection stays; read one answer only).
    asio::io_context cio;
    tcp::socket sock(cio);
    sock.connect({asio::ip::make_address("127.0.0.1"), s.port()});
    asio::write(sock, asio::buffer(std::string("GET /f HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")));
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    EXPECT_EQ(res.version(), 10u);
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(res[http::field::connection], "keep-alive");
    EXPECT_EQ(res.body(), "2345");
    // HTTP/1.1 by default: no Connection field, and the connection serves a second request.
    http::request<http::string_body> again{http::verb::get, "/f", 11};
    again.set(http::field::host, "x");
    asio::io_context cio2;
    tcp::socket sock2(cio2);
    sock2.connect({asio::ip::make_address("127.0.0.1"), s.port()});
    for (int i = 0; i < 2; ++i) {
        http::write(sock2, again);
        http::response<http::string_body> r;
        http::read(sock2, buf, r);
        EXPECT_EQ(r.count(http::field::connection), 0u);
        EXPECT_EQ(r.body(), "2345");
    }
}

}  // namespace
}  // namespace wsusd::net
