#include "serve/http/http_server.h"

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/error.h"

namespace nimbus::serve::http {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadSize = 16u << 10;  // bytes asked of each recv()
constexpr size_t kKeptBufferBytes = 1u << 20;  // a connection's buffer beyond this is freed when empty
constexpr auto kLingerTime = std::chrono::seconds(2);

// Accepted connections waiting for a free worker.
class ConnectionQueue {
 public:
  void push(int fd) {
    {
      std::lock_guard lock(mutex_);
      fds_.push_back(fd);
    }
    ready_.notify_one();
  }
  // The next connection, or -1 once closed and empty.
  int pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || !fds_.empty(); });
    if (fds_.empty()) return -1;
    const int fd = fds_.front();
    fds_.pop_front();
    return fd;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<int> fds_;
  bool closed_ = false;
};

void set_timeout(int fd, int option, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

// Writes all of `data` within `limit` in all (a reader taking a byte now and then cannot hold the
// worker); false when the peer is gone or the time is up.
bool send_all(int fd, std::string_view data, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
    if (!data.empty() && Clock::now() > deadline) return false;
  }
  return true;
}

// The bytes of one connection: what was received, and where the current request begins in it.
// Grown by doubling and never zero-filled per read.
class ReceiveBuffer {
 public:
  std::string_view request() const { return {data_.data() + start_, filled_ - start_}; }
  // Whether a byte of the next request is here: the empty lines some clients send after a body
  // do not start one (the parser skips them).
  bool request_started() const {
    for (size_t i = start_; i < filled_; ++i)
      if (data_[i] != '\r' && data_[i] != '\n') return true;
    return false;
  }
  // Drops the first `bytes` of the current request (the request answered); what follows (a
  // pipelined request) becomes the current one. A buffer grown for a large body is given back.
  void consume(size_t bytes) {
    start_ += bytes;
    if (start_ < filled_) return;
    start_ = filled_ = 0;
    if (data_.size() > kKeptBufferBytes) std::string().swap(data_);
  }
  // recv() into the free space; returns its result.
  ssize_t receive(int fd, int flags = 0) {
    if (start_ > 0 && data_.size() - filled_ < kReadSize) {  // move the current request down
      std::memmove(data_.data(), data_.data() + start_, filled_ - start_);
      filled_ -= start_;
      start_ = 0;
    }
    if (data_.size() - filled_ < kReadSize) data_.resize(std::max(data_.size() * 2, filled_ + kReadSize));
    const ssize_t n = ::recv(fd, data_.data() + filled_, data_.size() - filled_, flags);
    if (n > 0) filled_ += static_cast<size_t>(n);
    return n;
  }

 private:
  std::string data_;
  size_t start_ = 0, filled_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  ErrorHandler error_handler;
  const std::atomic<bool>& stopping;
  std::mutex listen_mutex;
  int listen_fd = -1;
  ConnectionQueue queue;
  std::atomic<int> poll_slots;
  std::atomic<int> in_flight{0};  // requests read and not yet answered

  Impl(ServerOptions o, Handler h, ErrorHandler e, const std::atomic<bool>& s)
      : options(std::move(o)), handler(std::move(h)), error_handler(std::move(e)), stopping(s),
        poll_slots(options.busy_poll_threads) {}

  void answer_error(int fd, int status, const std::string& message) {
    HttpResponse response;
    response.status = status;
    error_handler(status, message, response);
    send_all(fd, serialize_response(response, /*keep_alive=*/false), options.read_timeout);
    // Lingering close: the client may still be sending a body we refused. Closing with unread
    // bytes would reset the connection and could destroy our answer before the client reads it,
    // so the rest is read and dropped for a short while first.
    ::shutdown(fd, SHUT_WR);
    const auto deadline = Clock::now() + kLingerTime;
    char sink[4096];
    while (Clock::now() < deadline) {
      const ssize_t n = ::recv(fd, sink, sizeof(sink), 0);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) break;
    }
  }

  // Takes one of the busy_poll_threads polling slots; false when none is free.
  bool claim_poll_slot() {
    int free_slots = poll_slots.load(std::memory_order_relaxed);
    while (free_slots > 0 && !poll_slots.compare_exchange_weak(free_slots, free_slots - 1)) {
    }
    return free_slots > 0;
  }

  // The first bytes of a connection's next request: polled for while the server is otherwise idle
  // and a polling slot is free, then waited for (Note [Busy polling]).
  ssize_t receive_next(ReceiveBuffer& buffer, int fd) {
    const auto idle = [&] { return in_flight.load(std::memory_order_relaxed) == 0; };
    if (options.busy_poll.count() > 0 && idle() && claim_poll_slot()) {
      const auto deadline = Clock::now() + options.busy_poll;
      ssize_t n;
      int error;
      do {
        n = buffer.receive(fd, MSG_DONTWAIT);
        error = errno;
      } while (n < 0 && (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) && idle() && Clock::now() < deadline);
      poll_slots.fetch_add(1, std::memory_order_relaxed);
      if (n >= 0 || (error != EAGAIN && error != EWOULDBLOCK && error != EINTR)) {
        errno = error;
        return n;
      }
    }
    return buffer.receive(fd);
  }

  void answer_timed_out(int fd) {
    answer_error(fd, 408,
                 "the request was not complete within " + std::to_string(options.read_timeout.count()) + " ms");
  }

  // Serves the requests of one connection until it closes, idles or asks to close.
  void serve(int fd) {
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    set_timeout(fd, SO_RCVTIMEO, options.idle_timeout);
    set_timeout(fd, SO_SNDTIMEO, options.read_timeout);
    ReceiveBuffer buffer;
    for (;;) {
      RequestParser parser(options.limits);
      RequestParser::State state =
          buffer.request_started() ? parser.parse(buffer.request()) : RequestParser::State::need_more;
      Clock::time_point began = buffer.request_started() ? Clock::now() : Clock::time_point{};
      bool sent_continue = false;
      while (state == RequestParser::State::need_more) {
        if (parser.expects_continue() && !sent_continue) {
          if (!send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", options.read_timeout)) return;
          sent_continue = true;
        }
        const ssize_t n = buffer.request_started() ? buffer.receive(fd) : receive_next(buffer, fd);
        if (n > 0) {
          if (began == Clock::time_point{}) began = Clock::now();
          state = parser.parse(buffer.request());
          // Bytes arriving a few at a time do not extend read_timeout (a slow client would hold
          // the worker, and shutdown, for as long as it likes).
          if (state == RequestParser::State::need_more && Clock::now() - began > options.read_timeout) {
            answer_timed_out(fd);
            return;
          }
          continue;
        }
        if (n == 0) return;  // the client closed
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return;
        if (!buffer.request_started()) return;  // idle for idle_timeout, or stopping
        if (Clock::now() - began > options.read_timeout) {
          answer_timed_out(fd);
          return;
        }
      }
      if (state == RequestParser::State::failed) {
        answer_error(fd, parser.error_status(), parser.error_message());
        return;
      }
      const HttpRequest& request = parser.request();
      HttpResponse response;
      in_flight.fetch_add(1, std::memory_order_relaxed);
      try {
        handler(request, response);
      } catch (const std::exception& e) {
        response = HttpResponse{};
        response.status = 500;
        error_handler(500, std::string("internal error: ").append(e.what()), response);
      } catch (...) {
        response = HttpResponse{};
        response.status = 500;
        error_handler(500, "internal error", response);
      }
      // Decided after the handler: a stop() meanwhile closes the connection after this answer.
      const bool keep_alive = parser.keep_alive() && !stopping.load(std::memory_order_relaxed);
      if (keep_alive && request.minor_version == 0) response.headers.emplace_back("Connection", "keep-alive");
      const bool sent =
          send_all(fd, serialize_response(response, keep_alive, request.method == "HEAD"), options.read_timeout);
      in_flight.fetch_sub(1, std::memory_order_relaxed);
      if (!sent) return;
      if (!keep_alive) return;
      buffer.consume(parser.consumed());
    }
  }

  void work() {
    for (int fd = queue.pop(); fd >= 0; fd = queue.pop()) {
      serve(fd);
      ::close(fd);
    }
  }
};

HttpServer::HttpServer(ServerOptions options, Handler handler, ErrorHandler error_handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(error_handler), stopping_)) {}

HttpServer::~HttpServer() {
  std::lock_guard lock(impl_->listen_mutex);
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
}

int HttpServer::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int looked_up = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  NIMBUS_CHECK_T(IOError, looked_up == 0, "cannot listen on ", host, ":", port, ": ", ::gai_strerror(looked_up));
  std::string reason = "no address";
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    // A restart can reuse the port at once, while another live server on it is still refused.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, impl_->options.backlog) != 0) {
      reason = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  NIMBUS_CHECK_T(IOError, fd >= 0, "cannot listen on ", host, ":", port, ": ", reason);
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const int bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  std::lock_guard lock(impl_->listen_mutex);
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  impl_->listen_fd = fd;
  if (stopping_) ::shutdown(fd, SHUT_RDWR);
  return bound_port;
}

void HttpServer::run() {
  int fd;
  {
    std::lock_guard lock(impl_->listen_mutex);
    fd = impl_->listen_fd;
  }
  NIMBUS_CHECK(fd >= 0, "HttpServer::run: bind() first");
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(impl_->options.threads));
  for (int i = 0; i < impl_->options.threads; ++i) workers.emplace_back([this] { impl_->work(); });
  while (!stopping_) {
    const int client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client >= 0) {
      impl_->queue.push(client);
      continue;
    }
    if (stopping_) break;
    // What accept(2) says to retry: an aborted connection, or a network error already pending on
    // the new one.
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO || errno == ENETDOWN || errno == ENOPROTOOPT ||
        errno == EHOSTDOWN || errno == ENONET || errno == EHOSTUNREACH || errno == EOPNOTSUPP ||
        errno == ENETUNREACH || errno == EPERM)
      continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // out of descriptors: let some close
      continue;
    }
    break;
  }
  {
    std::lock_guard lock(impl_->listen_mutex);
    ::close(impl_->listen_fd);
    impl_->listen_fd = -1;
  }
  impl_->queue.close();
  for (std::thread& t : workers) t.join();
}

void HttpServer::stop() {
  stopping_ = true;
  std::lock_guard lock(impl_->listen_mutex);
  // Wakes the accept() in run(): on Linux a listening socket shut down fails its accept with EINVAL.
  if (impl_->listen_fd >= 0) ::shutdown(impl_->listen_fd, SHUT_RDWR);
}

}  // namespace nimbus::serve::http
