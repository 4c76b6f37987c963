// HttpServer sessions under concurrency: several clients on keep-alive connections at once, handlers on the worker
// pool, two network threads, then begin_shutdown() while connections are open. Every request gets its own answer
// (no crossed responses), and shutdown lets the server go. Part of the TSan pass (scripts/test.sh --tsan).
#include "net/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace wsusd::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

TEST(HttpServerConcurrency, ManyKeepAliveClientsGetTheirOwnAnswersAndShutdownReturns) {
    asio::io_context ioc;
    asio::thread_pool workers(3);
    Router router;
    std::atomic<int> handled{0};
    router.add("/echo", [&](const HttpRequest& req) {
        handled.fetch_add(1);
        HttpResponse r = plain_response(200, "echo:" + std::string(req.header("X-Id")));
        return r;
    });
    ServerLimits limits;
    limits.idle_timeout_seconds = 5;
    auto server = std::make_unique<HttpServer>(ioc, workers, router, limits);
    auto port = server->listen("127.0.0.1", 0, nullptr);
    ASSERT_TRUE(port) << port.error().message;
    auto guard = asio::make_work_guard(ioc);
    std::vector<std::thread> io;
    for (int i = 0; i < 2; ++i) io.emplace_back([&] { ioc.run(); });

    constexpr int kClients = 6, kRequests = 25;
    std::atomic<int> mismatches{0}, failures{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            try {
                asio::io_context cio;
                tcp::socket sock(cio);
                sock.connect({asio::ip::make_address("127.0.0.1"), *port});
                boost::beast::flat_buffer buf;
                for (int i = 0; i < kRequests; ++i) {
                    const std::string id = std::to_string(c) + "-" + std::to_string(i);
                    http::request<http::string_body> req{http::verb::get, "/echo", 11};
                    req.set(http::field::host, "localhost");
                    req.set("X-Id", id);
                    http::write(sock, req);
                    http::response<http::string_body> res;
                    http::read(sock, buf, res);
                    if (res.result_int() != 200 || res.body() != "echo:" + id + "\n") mismatches.fetch_add(1);
                }
            } catch (const std::exception&) {
                failures.fetch_add(1);
            }
        });
    }
    // One more client that stays open across the shutdown.
    asio::io_context lio;
    tcp::socket lingering(lio);
    lingering.connect({asio::ip::make_address("127.0.0.1"), *port});
    for (auto& t : clients) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(mismatches.load(), 0);
    EXPECT_EQ(handled.load(), kClients * kRequests);

    server->begin_shutdown();
    guard.reset();
    for (auto& t : io) t.join();  // returns only when every session has ended
    EXPECT_EQ(server->active_connections(), 0u);
    server.reset();
    workers.join();
}

}  // namespace
}  // namespace wsusd::net
