// HttpServer: Boost.Beast listeners and sessions (plain and TLS). Beast owns sockets, TLS, keep-alive,
// timeouts, size limits and `Expect: 100-continue`; handlers run on the worker pool, never on the
// network threads, and see only HttpRequest/HttpResponse.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "net/client_limiter.h"
#include "net/router.h"
#include "net/tls_material.h"
#include "wsusd/result.h"

namespace wsusd::net {

struct ServerLimits {
    std::uint64_t max_body_bytes = 16 * 1024 * 1024;  ///< 413 beyond
    std::uint32_t max_header_bytes = 16 * 1024;       ///< 431 beyond
    unsigned read_timeout_seconds = 30;               ///< whole request, once its header has arrived
    unsigned idle_timeout_seconds = 120;              ///< waiting for the next request on a connection
    unsigned header_timeout_seconds = 10;             ///< whole header, once its first byte has arrived
    unsigned max_connections = 4096;                  ///< further connections are closed at accept
    std::size_t pipeline_limit = 1;                   ///< requests are answered one at a time per connection
    /// Per-client request rate and connection cap (503 + Retry-After / closed at accept); null = none.
    std::shared_ptr<ClientLimiter> client_limiter;
};

class HttpServer {
public:
    HttpServer(boost::asio::io_context& ioc, boost::asio::thread_pool& workers, const Router& router,
               ServerLimits limits);
    ~HttpServer();

    /// Binds and starts accepting; `tls` null means plain HTTP. Each TLS connection uses the context current
    /// when it is accepted (ServerTls::reload). Returns the bound port (useful with port 0).
    Result<std::uint16_t> listen(const std::string& address, std::uint16_t port, std::shared_ptr<ServerTls> tls);

    /// Stops accepting, closes idle connections, and lets in-flight requests finish (their
    /// connections close after the response). Thread-safe.
    void begin_shutdown();

    std::size_t active_connections() const;

    struct Shared;  // state shared with sessions (defined in the .cpp)

private:
    std::shared_ptr<Shared> shared_;
};

}  // namespace wsusd::net
