#include "net/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "codec/content_coding.h"
#include "util/log.h"
#include "util/time_format.h"

namespace wsusd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr const char* kServerHeader = "wsusd/" WSUSD_VERSION;
// After a refusal sent before the request body was read (413, 503), the rest of the body is drained for a
// moment before closing: closing with unread bytes makes the kernel send a reset that can destroy the answer
// before the client reads it.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 1024 * 1024;
}

class SessionBase {
public:
    virtual ~SessionBase() = default;
    /// Called at shutdown: closes the connection if no request is in progress.
    virtual void close_if_idle() = 0;
};

struct HttpServer::Shared {
    asio::io_context& ioc;
    asio::thread_pool& workers;
    const Router& router;
    ServerLimits limits;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> connections{0};
    std::atomic<std::uint64_t> next_connection{1};
    std::mutex mu;
    std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;
    std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
    LogThrottle refused_at_cap;  ///< guarded by mu
};

namespace {

using Shared = HttpServer::Shared;

// Logs network errors that are worth an admin's attention; peers going away are normal.
void fail(beast::error_code ec, const char* what, const std::string& peer) {
    if (ec == asio::error::operation_aborted || ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset ||
        ec == beast::error::timeout)
        return log::net()->debug("{} {}: {}", peer, what, ec.message());
    log::net()->info("{} {}: {}", peer, what, ec.message());
}

std::string endpoint_text(const tcp::endpoint& ep) {
    auto a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

// Applies the content coding the client asked for, when the route allows it.
void encode_body(const HttpRequest& req, HttpResponse& res, bool xpress_allowed) {
    if (!res.compressible || res.body.empty()) return;
    auto coding = codec::choose_coding(req.header("Accept-Encoding"), xpress_allowed);
    if (coding == codec::Coding::identity) return;
    auto encoded = codec::encode(coding, res.body);
    if (!encoded) {
        log::net()->warn("[{}] cannot {}-encode the response: {}; sending it unencoded", req.request_id,
                         codec::coding_name(coding), encoded.error().message);
        return;
    }
    res.body = std::move(*encoded);
    res.headers.emplace_back("Content-Encoding", codec::coding_name(coding));
}

// What the access log line of a streamed response needs once the body is out.
struct AccessLine {
    std::string method, target, request_id;
    unsigned status = 0;
    std::string note;
};

// Produces the bytes of a FileBody chunk by chunk: prefixes and suffix from memory, file ranges with pread into
// one buffer. Shares the file descriptor with whoever checked it.
class FileSender {
public:
    static constexpr std::size_t kFileChunk = 256 * 1024;

    static Result<std::shared_ptr<FileSender>> open(FileBody body) {
        auto s = std::make_shared<FileSender>(Private{});
        const bool checked = body.fd != nullptr;
        s->file_ = std::move(body.fd);
        if (!s->file_) {
            util::FileDescriptor opened(::open(body.path.c_str(), O_RDONLY | O_CLOEXEC));
            if (!opened) return fail(Errc::io, "cannot open " + body.path + ": " + std::strerror(errno));
            s->file_ = std::make_shared<const util::FileDescriptor>(std::move(opened));
        }
        // A checked descriptor comes with its size (no second fstat per download); a file that shrinks meanwhile
        // is caught while sending (the connection is then cut, as the header is out).
        std::uint64_t size = body.fd_size;
        if (!checked) {
            struct stat st {};
            if (::fstat(s->file_->get(), &st) != 0)
                return fail(Errc::io, "cannot stat " + body.path + ": " + std::strerror(errno));
            size = static_cast<std::uint64_t>(st.st_size);
        }
        for (const auto& p : body.parts) {
            if (p.offset > size || p.length > size - p.offset)
                return fail(Errc::io, body.path + " is shorter than the range to send");
        }
        for (auto& p : body.parts) {
            if (!p.prefix.empty()) s->segments_.push_back({std::move(p.prefix), 0, 0});
            if (p.length > 0) s->segments_.push_back({{}, p.offset, p.length});
        }
        if (!body.suffix.empty()) s->segments_.push_back({std::move(body.suffix), 0, 0});
        s->path_ = std::move(body.path);
        s->capacity_ = static_cast<std::size_t>(
            std::min<std::uint64_t>(kFileChunk, std::max<std::uint64_t>(1, body_size(s->segments_))));
        return s;
    }

    /// The next bytes to write (empty at the end); valid until commit().
    Result<std::string_view> next() {
        // Allocated on first use only: plain HTTP sends file ranges with sendfile and needs no buffer for them.
        // Uninitialized: every byte sent is written first, and zero-filling 256 KiB per request showed in profiles.
        if (!buffer_) buffer_.reset(new char[capacity_]);
        std::size_t n = 0;
        while (n < capacity_ && seg_ < segments_.size()) {
            const auto& s = segments_[seg_];
            std::uint64_t seg_len = s.text.empty() ? s.length : s.text.size();
            std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(capacity_ - n, seg_len - pos_));
            if (!s.text.empty()) {
                std::memcpy(buffer_.get() + n, s.text.data() + pos_, k);
            } else {
                ssize_t r = ::pread(file_->get(), buffer_.get() + n, k, static_cast<off_t>(s.offset + pos_));
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) {
                    std::string why = r == 0 ? "the file shrank" : std::strerror(errno);
                    return fail(Errc::io, "reading " + path_ + ": " + why);
                }
                k = static_cast<std::size_t>(r);
            }
            n += k;
            pos_ += k;
            if (pos_ == seg_len) ++seg_, pos_ = 0;
        }
        pending_ = n;
        return std::string_view(buffer_.get(), n);
    }
    void commit() { sent_ += std::exchange(pending_, 0); }
    std::uint64_t sent() const { return sent_; }

    /// When the cursor stands in a file range: its descriptor, the file offset to send from and what is left of the
    /// range, for sendfile(2); nullopt in a text part or at the end.
    struct FileSpan {
        int fd;
        std::uint64_t offset, remaining;
    };
    std::optional<FileSpan> file_span() const {
        if (seg_ >= segments_.size() || !segments_[seg_].text.empty()) return std::nullopt;
        const auto& s = segments_[seg_];
        return FileSpan{file_->get(), s.offset + pos_, s.length - pos_};
    }
    /// `n` bytes of the current file range went out by sendfile.
    void advance(std::uint64_t n) {
        sent_ += n;
        pos_ += n;
        if (pos_ == segments_[seg_].length) ++seg_, pos_ = 0;
    }

private:
    struct Segment {
        std::string text;  ///< non-empty: these bytes; empty: `length` file bytes at `offset`
        std::uint64_t offset = 0, length = 0;
    };
    static std::uint64_t body_size(const std::vector<Segment>& segs) {
        std::uint64_t n = 0;
        for (const auto& s : segs) n += s.text.empty() ? s.length : s.text.size();
        return n;
    }
    struct Private {};  // make_shared needs a public constructor; only open() may use it

public:
    explicit FileSender(Private) {}

private:
    std::shared_ptr<const util::FileDescriptor> file_;
    std::string path_;
    std::vector<Segment> segments_;
    std::size_t seg_ = 0;
    std::uint64_t pos_ = 0;
    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t pending_ = 0;
    std::uint64_t sent_ = 0;
};

template <class Derived>
class Session : public SessionBase {
public:
    Session(std::shared_ptr<Shared> shared, std::string peer, asio::ip::address addr, ClientLimiter::Ticket ticket,
            bool tls, unsigned local_port)
        : shared_(std::move(shared)),
          peer_(std::move(peer)),
          addr_(std::move(addr)),
          ticket_(std::move(ticket)),
          tls_(tls),
          local_port_(local_port),
          id_(shared_->next_connection++) {
        ++shared_->connections;
    }
    ~Session() override {
        std::lock_guard lock(shared_->mu);
        shared_->sessions.erase(id_);
        --shared_->connections;
    }

    /// Makes the session reachable for shutdown; called once it is owned by a shared_ptr.
    void register_session(std::shared_ptr<SessionBase> self) {
        std::lock_guard lock(shared_->mu);
        shared_->sessions.emplace(id_, std::move(self));
    }

    void close_if_idle() override {
        // Runs on the session's strand via the weak self; a request in progress finishes first.
        asio::dispatch(derived().stream_executor(), [self = derived().weak_from_this()] {
            if (auto s = self.lock()) {
                if (s->idle_) s->derived().close_now();
            }
        });
    }

protected:
    Derived& derived() { return static_cast<Derived&>(*this); }

    void do_read() {
        if (shared_->stopping) return derived().do_close();
        parser_.emplace();
        parser_->header_limit(shared_->limits.max_header_bytes);
        parser_->body_limit(shared_->limits.max_body_bytes);
        idle_ = true;
        if (buffer_.size() > 0) return read_header();  // pipelined bytes already here
        // Wait (idle timeout) for the first byte of the next request; from then on the whole header
        // must arrive within the header timeout, so a client trickling bytes cannot hold a connection.
        beast::get_lowest_layer(derived().stream())
            .expires_after(std::chrono::seconds(shared_->limits.idle_timeout_seconds));
        derived().stream().async_read_some(
            buffer_.prepare(4096), [self = derived().shared_from_this()](beast::error_code ec, std::size_t n) {
                if (ec) {
                    fail(ec, "wait for request", self->peer_);
                    return self->derived().do_close();
                }
                self->buffer_.commit(n);
                self->read_header();
            });
    }

    void read_header() {
        beast::get_lowest_layer(derived().stream())
            .expires_after(std::chrono::seconds(shared_->limits.header_timeout_seconds));
        http::async_read_header(derived().stream(), buffer_, *parser_,
                                beast::bind_front_handler(&Session::on_header, derived().shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        idle_ = false;
        if (ec == beast::error::timeout && parser_->got_some()) {
            // The timer has already closed the socket: there is nobody left to answer.
            log::net()->warn("{}: request header not complete within limits.header_timeout_seconds; connection "
                             "closed (slow or stalled client)",
                             peer_);
            return;
        }
        // Per-client rate limit: decided on the header alone, before any body byte is read. Malformed requests
        // count too (a client spraying garbage is limited like any other); a peer that just went away does not.
        const bool answerable = !ec || (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                                        ec != http::error::end_of_stream && ec != http::error::partial_message);
        if (const auto& limiter = shared_->limits.client_limiter; limiter && answerable) {
            if (auto wait = limiter->admit_request(addr_)) return reject_busy(*wait);
        }
        if (ec == http::error::header_limit)
            return reject(431, "Request header fields exceed limits.max_header_bytes", "header limit");
        if (ec == http::error::body_limit)
            return reject(413,
                          "Request body exceeds limits.max_body_bytes (" +
                              std::to_string(shared_->limits.max_body_bytes) + ")",
                          "body limit");
        if (ec == http::error::bad_target || ec == http::error::bad_method || ec == http::error::bad_version ||
            ec == http::error::bad_field || ec == http::error::bad_value || ec == http::error::bad_line_ending ||
            ec == http::error::bad_content_length || ec == http::error::bad_transfer_encoding)
            return reject(400, "Bad request: " + ec.message(), "bad header");
        if (ec) {
            fail(ec, "read header", peer_);
            return derived().do_close();
        }
        auto& req = parser_->get();
        auto len = parser_->content_length();
        if (len && *len > shared_->limits.max_body_bytes) {
            return reject(413,
                          "Request body of " + std::to_string(*len) + " bytes exceeds limits.max_body_bytes (" +
                              std::to_string(shared_->limits.max_body_bytes) + ")",
                          "body limit");
        }
        beast::get_lowest_layer(derived().stream())
            .expires_after(std::chrono::seconds(shared_->limits.read_timeout_seconds));
        if (beast::iequals(req[http::field::expect], "100-continue")) {
            // .NET clients (a Windows downstream WSUS) and curl wait for this before sending the body.
            auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
            http::async_write(derived().stream(), *cont,
                              [self = derived().shared_from_this(), cont](beast::error_code ec, std::size_t) {
                                  if (ec) {
                                      fail(ec, "write 100-continue", self->peer_);
                                      return self->derived().do_close();
                                  }
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(derived().stream(), buffer_, *parser_,
                         beast::bind_front_handler(&Session::on_read, derived().shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::body_limit)
            return reject(413,
                          "Request body exceeds limits.max_body_bytes (" +
                              std::to_string(shared_->limits.max_body_bytes) + ")",
                          "body limit");
        if (ec == beast::error::timeout) {
            log::net()->warn("{}: request body not complete within limits.read_timeout_seconds; connection closed",
                             peer_);
            return;
        }
        if (ec) {
            fail(ec, "read body", peer_);
            return derived().do_close();
        }
        auto msg = parser_->release();
        started_ = std::chrono::steady_clock::now();
        auto req = std::make_shared<HttpRequest>();
        req->method = std::string(msg.method_string());
        req->target = std::string(msg.target());
        req->path = Router::normalize(req->target);
        req->headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
        for (const auto& f : msg) req->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        req->body = std::move(msg.body());
        req->peer = peer_;
        req->tls = tls_;
        req->local_port = local_port_;
        req->request_id = fmt::format("{:x}.{}", id_, ++requests_);
        keep_alive_ = msg.keep_alive();
        http_version_ = msg.version();
        const Router::Route* route = shared_->router.find(req->path);
        if (route && route->quick) {
            // Answers that need neither the store nor file contents (a verified content file) go out from here.
            std::optional<HttpResponse> quick;
            try {
                quick = route->quick(*req);
            } catch (const std::exception& e) {
                log::net()->error("[{}] {} {}: quick handler threw: {} (this is a bug; please report it); passing "
                                  "the request to the worker pool",
                                  req->request_id, req->method, req->path, e.what());
            }
            if (quick) return send(*req, std::move(*quick));
        }
        // Database and SOAP work must not block the network thread: hand off to the worker pool.
        asio::post(shared_->workers, [self = derived().shared_from_this(), req, route] {
            HttpResponse res;
            if (route) {
                try {
                    res = route->handler(*req);
                } catch (const std::exception& e) {
                    log::net()->error("[{}] {} {}: handler threw: {} (this is a bug; please report it)",
                                      req->request_id, req->method, req->path, e.what());
                    res = plain_response(500, "Internal server error");
                }
            } else {
                res = plain_response(404, "Not found");
            }
            encode_body(*req, res, true);
            asio::dispatch(self->derived().stream_executor(),
                           [self, req, res = std::move(res)]() mutable { self->send(*req, std::move(res)); });
        });
    }

    void reject(unsigned status, std::string text, const char* why) {
        log::net()->warn("{} rejected: {} ({}); closing the connection", peer_, text, why);
        HttpRequest req;
        req.peer = peer_;
        req.request_id = fmt::format("{:x}.{}", id_, ++requests_);
        keep_alive_ = false;
        linger_ = true;
        http_version_ = 11;
        auto res = plain_response(status, std::move(text));
        res.close = true;
        started_ = std::chrono::steady_clock::now();
        send(req, std::move(res));
    }

    // 503 + Retry-After (WUA and BITS retry on it). The unread body makes the connection unusable, so it closes.
    // Logged only as a rate-limited summary: a client over its limit must not also fill the log.
    void reject_busy(unsigned retry_after) {
        if (auto line = shared_->limits.client_limiter->note_refusal(peer_, "request")) log::net()->warn("{}", *line);
        HttpRequest req;
        req.peer = peer_;
        req.request_id = fmt::format("{:x}.{}", id_, ++requests_);
        keep_alive_ = false;
        linger_ = true;
        quiet_ = true;
        auto res = plain_response(503, "Too many requests from this client; retry after " +
                                           std::to_string(retry_after) + " s");
        res.headers.emplace_back("Retry-After", std::to_string(retry_after));
        res.close = true;
        started_ = std::chrono::steady_clock::now();
        send(req, std::move(res));
    }

    void send(const HttpRequest& req, HttpResponse res) {
        if (res.file || req.method == "HEAD" || !status_has_body(res.status))
            return send_streamed(req, std::move(res));
        auto out = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status),
                                                                       http_version_);
        out->set(http::field::server, kServerHeader);
        out->set(http::field::date, util::http_date_now());
        if (!res.content_type.empty()) out->set(http::field::content_type, res.content_type);
        for (auto& [k, v] : res.headers) out->insert(k, v);
        out->body() = std::move(res.body);
        bool keep = keep_alive_ && !res.close && !shared_->stopping;
        out->keep_alive(keep);
        out->prepare_payload();
        log_access(AccessLine{req.method, req.target, req.request_id, res.status, res.note}, out->body().size());
        http::async_write(derived().stream(), *out,
                          [self = derived().shared_from_this(), out, keep](beast::error_code ec, std::size_t) {
                              if (ec) {
                                  fail(ec, "write", self->peer_);
                                  return self->derived().do_close();
                              }
                              if (!keep) return self->linger_ ? self->derived().linger_close() : self->derived().do_close();
                              self->do_read();
                          });
    }

    static bool status_has_body(unsigned status) { return status >= 200 && status != 204 && status != 304; }

    // The header first, then the body in chunks of kFileChunk from the file (never loaded whole). Also the way
    // bodiless answers go out: HEAD (Content-Length of what a GET would get, no body) and 1xx/204/304.
    void send_streamed(const HttpRequest& req, HttpResponse res) {
        const bool head = req.method == "HEAD", has_body = status_has_body(res.status);
        const std::uint64_t length = res.file ? res.file->size() : res.body.size();
        std::shared_ptr<FileSender> sender;
        if (res.file && !head && has_body && length > 0) {
            auto opened = FileSender::open(std::move(*res.file));
            if (!opened) {
                log::net()->error("[{}] {} {}: {}", req.request_id, req.method, req.path, opened.error().message);
                return send(req, plain_response(500, "Internal server error"));
            }
            sender = std::move(*opened);
        }
        bool keep = keep_alive_ && !res.close && !shared_->stopping;
        auto line =
            std::make_shared<AccessLine>(AccessLine{req.method, req.target, req.request_id, res.status, res.note});
        if (!sender) log_access(*line, 0);
        if constexpr (Derived::kZeroCopy) {
            if (sender) return send_header_more(file_header(res, length, keep), std::move(sender), keep, std::move(line));
        }
        auto out = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(res.status),
                                                                      http_version_);
        out->set(http::field::server, kServerHeader);
        out->set(http::field::date, util::http_date_now());
        if (!res.content_type.empty()) out->set(http::field::content_type, res.content_type);
        for (auto& [k, v] : res.headers) out->insert(k, v);
        if (has_body) out->content_length(length);
        out->keep_alive(keep);
        auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*out);
        http::async_write_header(
            derived().stream(), *sr,
            [self = derived().shared_from_this(), out, sr, keep, line,
             sender = std::move(sender)](beast::error_code ec, std::size_t) mutable {
                if (ec) {
                    if (sender) self->log_access(*line, 0);
                    fail(ec, "write", self->peer_);
                    return self->derived().do_close();
                }
                if (!sender) {
                    if (!keep) return self->derived().do_close();
                    return self->do_read();
                }
                self->write_file_chunk(std::move(sender), keep, std::move(line));
            });
    }

    // The header of a file response as text, as Beast would serialize it (same fields, same order), built directly:
    // this is the per-request path of every download.
    std::string file_header(const HttpResponse& res, std::uint64_t length, bool keep) const {
        std::string h;
        h.reserve(384);
        h += http_version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
        h += std::to_string(res.status);
        h += ' ';
        const auto reason = http::obsolete_reason(static_cast<http::status>(res.status));
        h.append(reason.data(), reason.size());
        h += "\r\nServer: ";
        h += kServerHeader;
        h += "\r\nDate: ";
        h += util::http_date_now();
        if (!res.content_type.empty()) {
            h += "\r\nContent-Type: ";
            h += res.content_type;
        }
        for (const auto& [k, v] : res.headers) {
            h += "\r\n";
            h += k;
            h += ": ";
            h += v;
        }
        h += "\r\nContent-Length: ";
        h += std::to_string(length);
        if (http_version_ == 10 && keep) h += "\r\nConnection: keep-alive";
        if (http_version_ != 10 && !keep) h += "\r\nConnection: close";
        h += "\r\n\r\n";
        return h;
    }

    // Plain HTTP with a file body: the header goes out with MSG_MORE, so the kernel sends it in the same segments
    // as the first file bytes (a 64 KB range in one burst instead of a lone header packet first). When the socket
    // does not take it all at once, the rest is written asynchronously.
    void send_header_more(std::string head, std::shared_ptr<FileSender> sender, bool keep,
                          std::shared_ptr<AccessLine> line) {
        auto& sock = beast::get_lowest_layer(derived().stream()).socket();
        ssize_t n;
        do {
            n = ::send(sock.native_handle(), head.data(), head.size(), MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        if (n == static_cast<ssize_t>(head.size())) return write_file_chunk(std::move(sender), keep, std::move(line));
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            log_access(*line, 0);
            fail(beast::error_code(errno, boost::system::system_category()), "write", peer_);
            return derived().do_close();
        }
        auto rest = std::make_shared<std::string>(head.substr(n > 0 ? static_cast<std::size_t>(n) : 0));
        beast::get_lowest_layer(derived().stream())
            .expires_after(std::chrono::seconds(shared_->limits.idle_timeout_seconds));
        asio::async_write(derived().stream(), asio::buffer(*rest),
                          [self = derived().shared_from_this(), rest, sender, keep, line](beast::error_code ec,
                                                                                           std::size_t) mutable {
                              if (ec) {
                                  self->log_access(*line, 0);
                                  fail(ec, "write", self->peer_);
                                  return self->derived().do_close();
                              }
                              self->write_file_chunk(std::move(sender), keep, std::move(line));
                          });
    }

    void write_file_chunk(std::shared_ptr<FileSender> sender, bool keep, std::shared_ptr<AccessLine> line) {
        // Plain HTTP: file ranges go from the page cache to the socket with sendfile(2), without the two copies
        // through user space (TLS must encrypt in user space, so it keeps the buffered path).
        if constexpr (Derived::kZeroCopy) {
            if (sender->file_span()) return send_file_span(std::move(sender), keep, std::move(line));
        }
        auto chunk = sender->next();
        if (!chunk) {  // the file shrank or cannot be read: the header is out, so all we can do is cut the body
            log::net()->error("[{}] {}; closing the connection after {} bytes", line->request_id, chunk.error().message,
                              sender->sent());
            log_access(*line, sender->sent());
            return derived().do_close();
        }
        if (chunk->empty()) {
            log_access(*line, sender->sent());
            if (!keep) return derived().do_close();
            return do_read();
        }
        // Each chunk must leave within the idle timeout: a client that stops reading is cut off.
        beast::get_lowest_layer(derived().stream())
            .expires_after(std::chrono::seconds(shared_->limits.idle_timeout_seconds));
        asio::async_write(derived().stream(), asio::buffer(chunk->data(), chunk->size()),
                          [self = derived().shared_from_this(), sender, keep, line](beast::error_code ec,
                                                                                     std::size_t) mutable {
                              if (ec) {
                                  self->log_access(*line, sender->sent());
                                  fail(ec, "write file", self->peer_);
                                  return self->derived().do_close();
                              }
                              sender->commit();
                              self->write_file_chunk(std::move(sender), keep, std::move(line));
                          });
    }

    void send_file_span(std::shared_ptr<FileSender> sender, bool keep, std::shared_ptr<AccessLine> line) {
        auto& sock = beast::get_lowest_layer(derived().stream()).socket();
        beast::error_code ec;
        if (!sock.native_non_blocking()) sock.native_non_blocking(true, ec);
        // Bounded work per turn (other sessions share the thread): up to 4 MiB, then the rest after a post.
        for (std::uint64_t budget = 4u << 20; budget > 0;) {
            auto span = sender->file_span();
            if (!span) return write_file_chunk(std::move(sender), keep, std::move(line));  // text part or the end
            off_t off = static_cast<off_t>(span->offset);
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(span->remaining, budget));
            ssize_t n = ::sendfile(sock.native_handle(), span->fd, &off, want);
            if (n > 0) {
                sender->advance(static_cast<std::uint64_t>(n));
                budget -= static_cast<std::uint64_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable(std::move(sender), keep, std::move(line));
            if (n == 0) {
                log::net()->error("[{}] sending a file: it shrank; closing the connection after {} bytes",
                                  line->request_id, sender->sent());
            } else if (errno != EPIPE && errno != ECONNRESET) {
                log::net()->error("[{}] sending a file: {}; closing the connection after {} bytes", line->request_id,
                                  std::strerror(errno), sender->sent());
            }
            log_access(*line, sender->sent());
            return derived().do_close();
        }
        asio::post(derived().stream_executor(), [self = derived().shared_from_this(), sender, keep, line]() mutable {
            self->send_file_span(std::move(sender), keep, std::move(line));
        });
    }

    // The socket buffer is full: wait until the client reads, at most the idle timeout (a client that stops reading
    // is cut off, as on the buffered path).
    void wait_writable(std::shared_ptr<FileSender> sender, bool keep, std::shared_ptr<AccessLine> line) {
        auto& sock = beast::get_lowest_layer(derived().stream()).socket();
        auto timer = std::make_shared<asio::steady_timer>(derived().stream_executor());
        timer->expires_after(std::chrono::seconds(shared_->limits.idle_timeout_seconds));
        timer->async_wait([self = derived().weak_from_this()](beast::error_code ec) {
            if (ec) return;  // cancelled: the socket became writable
            if (auto s = self.lock()) s->derived().close_now();
        });
        sock.async_wait(tcp::socket::wait_write, [self = derived().shared_from_this(), sender, keep, line,
                                                  timer](beast::error_code ec) mutable {
            timer->cancel();
            if (ec) {
                self->log_access(*line, sender->sent());
                if (ec != asio::error::operation_aborted) fail(ec, "write file", self->peer_);
                return self->derived().do_close();
            }
            self->send_file_span(std::move(sender), keep, std::move(line));
        });
    }

    void log_access(const AccessLine& l, std::uint64_t bytes) {
        if (quiet_) return;
        auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
        log::access()->info("{} \"{} {}\" {} {} {}us [{}]{}{}", peer_, l.method.empty() ? "-" : l.method,
                            l.target.empty() ? "-" : l.target, l.status, bytes, elapsed.count(), l.request_id,
                            l.note.empty() ? "" : " ", l.note);
    }

    std::shared_ptr<Shared> shared_;
    std::string peer_;
    asio::ip::address addr_;
    ClientLimiter::Ticket ticket_;  ///< this connection's count against its client's limit
    bool quiet_ = false;            ///< no access line (rate-limited answers)
    bool linger_ = false;           ///< refused before the body was read: drain before closing
    bool tls_;
    unsigned local_port_;
    std::uint64_t id_;
    std::uint64_t requests_ = 0;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    bool keep_alive_ = true;
    unsigned http_version_ = 11;
    bool idle_ = true;
    std::chrono::steady_clock::time_point started_;
};

class PlainSession : public Session<PlainSession>, public std::enable_shared_from_this<PlainSession> {
public:
    static constexpr bool kZeroCopy = true;
    PlainSession(tcp::socket socket, std::shared_ptr<Shared> shared, std::string peer, asio::ip::address addr,
                 ClientLimiter::Ticket ticket, unsigned port)
        : Session(std::move(shared), std::move(peer), std::move(addr), std::move(ticket), false, port),
          stream_(std::move(socket)) {}
    void run() {
        register_session(shared_from_this());
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
    }
    beast::tcp_stream& stream() { return stream_; }
    auto stream_executor() { return stream_.get_executor(); }
    void do_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
    }
    void close_now() { stream_.close(); }
    void linger_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.expires_after(kLingerTime);
        drain(0);
    }

private:
    void drain(std::size_t drained) {
        buffer_.consume(buffer_.size());
        stream_.async_read_some(buffer_.prepare(64 * 1024), [self = shared_from_this(), drained](beast::error_code ec,
                                                                                                 std::size_t n) {
            if (ec || drained + n > kLingerBytes) return self->close_now();
            self->buffer_.commit(n);
            self->drain(drained + n);
        });
    }

    beast::tcp_stream stream_;
};

class TlsSession : public Session<TlsSession>, public std::enable_shared_from_this<TlsSession> {
public:
    static constexpr bool kZeroCopy = false;
    TlsSession(tcp::socket socket, std::shared_ptr<asio::ssl::context> ctx, std::shared_ptr<Shared> shared,
               std::string peer, asio::ip::address addr, ClientLimiter::Ticket ticket, unsigned port)
        : Session(std::move(shared), std::move(peer), std::move(addr), std::move(ticket), true, port),
          ctx_(std::move(ctx)),
          stream_(std::move(socket), *ctx_) {}
    void run() {
        register_session(shared_from_this());
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            beast::get_lowest_layer(self->stream_)
                .expires_after(std::chrono::seconds(self->shared_->limits.read_timeout_seconds));
            self->stream_.async_handshake(asio::ssl::stream_base::server,
                                          [self](beast::error_code ec) {
                                              if (ec) {
                                                  fail(ec, "TLS handshake", self->peer_);
                                                  return self->close_now();
                                              }
                                              self->do_read();
                                          });
        });
    }
    beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
    auto stream_executor() { return stream_.get_executor(); }
    void do_close() {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
        stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close_now(); });
    }
    void close_now() { beast::get_lowest_layer(stream_).close(); }
    void linger_close() { do_close(); }  // TLS shutdown already waits (bounded) for the peer's close_notify

private:
    std::shared_ptr<asio::ssl::context> ctx_;  ///< the context at accept; outlives stream_ (a reload swaps only new ones)
    beast::ssl_stream<beast::tcp_stream> stream_;
};

class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(std::shared_ptr<Shared> shared, std::shared_ptr<tcp::acceptor> acceptor, std::shared_ptr<ServerTls> tls)
        : shared_(std::move(shared)), acceptor_(std::move(acceptor)), tls_(std::move(tls)) {}

    void run() { do_accept(); }

private:
    void do_accept() {
        acceptor_->async_accept(asio::make_strand(shared_->ioc),
                                beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
        if (ec) {
            log::net()->warn("accept: {} (out of file descriptors? raise LimitNOFILE)", ec.message());
        } else {
            beast::error_code pe;
            auto remote = socket.remote_endpoint(pe);
            std::string peer = pe ? "?" : endpoint_text(remote);
            unsigned port = acceptor_->local_endpoint().port();
            std::optional<ClientLimiter::Ticket> ticket;
            if (shared_->stopping) {
                socket.close(pe);
            } else if (shared_->connections >= shared_->limits.max_connections) {
                refused_at_cap(peer);
                socket.close(pe);
            } else if (shared_->limits.client_limiter && !pe &&
                       !(ticket = shared_->limits.client_limiter->open_connection(remote.address()))) {
                if (auto line = shared_->limits.client_limiter->note_refusal(peer, "connection"))
                    log::net()->warn("{}", *line);
                socket.close(pe);
            } else if (socket.set_option(tcp::no_delay(true), pe); tls_) {
                // No Nagle: a response goes out as header and body writes, and waiting for the client's delayed
                // ACK between them cost ~40 ms per ranged GET (BITS/Delivery Optimization send hundreds).
                std::make_shared<TlsSession>(std::move(socket), tls_->current(), shared_, peer, remote.address(),
                                             ticket ? std::move(*ticket) : ClientLimiter::Ticket{}, port)
                    ->run();
            } else {
                std::make_shared<PlainSession>(std::move(socket), shared_, peer, remote.address(),
                                               ticket ? std::move(*ticket) : ClientLimiter::Ticket{}, port)
                    ->run();
            }
        }
        do_accept();
    }

    // One line per 10 s at most: a flood of connections must not become a flood of log lines.
    void refused_at_cap(const std::string& peer) {
        std::lock_guard lock(shared_->mu);
        if (auto n = shared_->refused_at_cap.tick(std::chrono::steady_clock::now()))
            log::net()->warn("{}: refused, {} connections open (limits.max_connections); {} connection(s) refused "
                             "since the last such line",
                             peer, shared_->connections.load(), *n);
    }

    std::shared_ptr<Shared> shared_;
    std::shared_ptr<tcp::acceptor> acceptor_;
    std::shared_ptr<ServerTls> tls_;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, asio::thread_pool& workers, const Router& router, ServerLimits limits)
    : shared_(std::make_shared<Shared>(ioc, workers, router, limits)) {
    // sendfile(2) has no MSG_NOSIGNAL: a client that resets mid-file would raise SIGPIPE and end the daemon.
    // The write then fails with EPIPE, which send_file_span handles like any closed connection.
    ::signal(SIGPIPE, SIG_IGN);
}

HttpServer::~HttpServer() = default;

Result<std::uint16_t> HttpServer::listen(const std::string& address, std::uint16_t port,
                                         std::shared_ptr<ServerTls> tls) {
    beast::error_code ec;
    auto addr = asio::ip::make_address(address, ec);
    if (ec) return fail(Errc::invalid_argument, "server.bind: '" + address + "' is not an IP address");
    tcp::endpoint ep(addr, port);
    auto acceptor = std::make_shared<tcp::acceptor>(asio::make_strand(shared_->ioc));
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return fail(Errc::io, "cannot listen on " + endpoint_text(ep) + ": " + ec.message() +
                                  " (is another server using the port? ports below 1024 need CAP_NET_BIND_SERVICE)");
    auto bound = acceptor->local_endpoint().port();
    {
        std::lock_guard lock(shared_->mu);
        shared_->acceptors.push_back(acceptor);
    }
    std::make_shared<Listener>(shared_, acceptor, std::move(tls))->run();
    return bound;
}

void HttpServer::begin_shutdown() {
    shared_->stopping = true;
    std::vector<std::shared_ptr<SessionBase>> live;
    {
        std::lock_guard lock(shared_->mu);
        for (auto& a : shared_->acceptors) {
            asio::post(a->get_executor(), [a] {
                beast::error_code ec;
                a->close(ec);
            });
        }
        for (auto& [id, weak] : shared_->sessions)
            if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    // Outside the lock: a session that ends meanwhile may be destroyed here, when `live` lets go of it, and its
    // destructor takes the same lock to leave the table (holding it here deadlocked shutdown now and then).
    for (auto& s : live) s->close_if_idle();
}

std::size_t HttpServer::active_connections() const { return shared_->connections.load(); }

}  // namespace wsusd::net
