// wsus-static-server: the baseline of the fleet benchmarks. Serves recorded wsusd responses (recording.h)
// over plain HTTP/1.1 keep-alive with Boost.Beast and does nothing else: reads the whole request (the
// same bytes wsusd had to read), looks its X-Bench-Key up, writes the recorded bytes. What wsusd costs
// beyond this is its own work; what this costs is the machine's (and the simulator's) floor.
//   wsus-static-server --recording FILE --ports-file FILE [--bind ADDR] [--port N] [--threads N]
// The ports file is JSON like wsusd's ports.json: {"http": PORT, "pid": PID}.
#include <utility>  // Boost 1.74's Asio uses std::exchange without including <utility>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "fleet/recording.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using wsusd::fleet::Recording;

namespace {

constexpr std::size_t kBodyLimit = 64 << 20;  // the largest fleet request (a big cache) is a few MB
constexpr auto kIdleTimeout = std::chrono::seconds(120);

void fail(beast::error_code ec, const char* what) {
    // Clients closing between requests is the normal end of a keep-alive connection.
    if (ec == asio::error::operation_aborted || ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout)
        return;
    std::cerr << "wsus-static-server: " << what << ": " << ec.message() << "\n";
}

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, const Recording& rec) : stream_(std::move(socket)), rec_(rec) {}
    void run() { do_read(); }

  private:
    void do_read() {
        parser_.emplace();
        parser_->body_limit(kBodyLimit);
        stream_.expires_after(kIdleTimeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) return fail(ec, "read");
        auto req = parser_->release();
        res_ = {};
        res_.version(11);
        auto it = rec_.find(std::string(req[wsusd::fleet::kBenchKeyHeader]));
        if (it == rec_.end()) {
            res_.result(http::status::not_found);
            res_.set(http::field::content_type, "text/plain");
            res_.body() = "no recorded response for this X-Bench-Key\n";
        } else {
            res_.result(http::status::ok);
            res_.set(http::field::content_type, it->second.content_type);
            if (!it->second.content_encoding.empty()) res_.set(http::field::content_encoding, it->second.content_encoding);
            res_.set(http::field::cache_control, "private");
            res_.set(http::field::vary, "Accept-Encoding");
            res_.body() = it->second.body;
        }
        res_.keep_alive(req.keep_alive());
        res_.prepare_payload();
        http::async_write(stream_, res_, beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return fail(ec, "write");
        if (!res_.keep_alive()) {
            stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
            return;
        }
        do_read();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
    const Recording& rec_;
};

void do_accept(tcp::acceptor& acceptor, const Recording& rec) {
    acceptor.async_accept(asio::make_strand(acceptor.get_executor()), [&](beast::error_code ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) std::make_shared<Session>(std::move(s), rec)->run();
        do_accept(acceptor, rec);
    });
}

}  // namespace

int main(int argc, char** argv) {
    std::string recording, ports_file, bind = "127.0.0.1";
    unsigned short port = 0;
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    CLI::App app{"Serves recorded wsusd responses: the fleet benchmark's baseline"};
    app.add_option("--recording", recording, "file written by wsus-fleet")->required();
    app.add_option("--ports-file", ports_file, "where to write {\"http\": PORT, \"pid\": PID}")->required();
    app.add_option("--bind", bind)->capture_default_str();
    app.add_option("--port", port, "0 picks a free port")->capture_default_str();
    app.add_option("--threads", threads)->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    Recording rec;
    if (!wsusd::fleet::read_recording(recording, rec)) {
        std::cerr << "wsus-static-server: cannot read " << recording << "\n";
        return 1;
    }
    asio::io_context io(threads);
    tcp::acceptor acceptor(io, {asio::ip::make_address(bind), port});
    acceptor.listen(asio::socket_base::max_listen_connections);
    do_accept(acceptor, rec);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { io.stop(); });
    {
        std::string tmp = ports_file + ".tmp";
        std::ofstream(tmp) << "{\"http\": " << acceptor.local_endpoint().port() << ", \"pid\": " << getpid() << "}\n";
        std::filesystem::rename(tmp, ports_file);
    }
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    return 0;
}
