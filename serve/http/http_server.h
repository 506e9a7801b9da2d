#pragma once
// A small HTTP/1.1 server: keep-alive connections, each served by one worker thread of a fixed
// pool, one handler for every request.
//
// Note [One send per answer]
// An inference request on loopback is a ping-pong: the client sends, waits, reads. What the
// server spends in the kernel per request is most of its cost at one connection: each send()
// wakes the client, and each extra system call is a few microseconds on a virtual machine. So a
// worker reads a request with one recv() (a blocking socket whose receive timeout is the idle
// timeout: no poll() before it), and writes the status line, headers and body with one send().
// A general-purpose library spent eleven system calls and woke the client twice per request here
// (headers and body sent apart, two poll()s before each write, getpeername and getsockname per
// request); this server spends two.
//
// Note [Busy polling]
// A worker that has answered and finds no other request in flight anywhere in the server polls
// its connection (non-blocking recv) for up to `busy_poll` before it blocks. Why: a thread that
// blocks must be woken when the next request arrives, and on a virtual machine a wake-up on
// another virtual CPU is an interprocessor interrupt into a halted CPU, about 20 microseconds here
// (loopback at one connection: an empty answer took 55 us with client and server on different
// CPUs, 15 us on the same one). A client sending back to back finds the worker still running and
// its request read at once: one connection, one digits example, 15.7k -> 25.1k requests/s for the
// MLP and 12.5k -> 19.0k for the CNN on 2 cores. The cost is bounded: polling stops the moment
// any other request is in flight (its compute needs the CPU: at 8 or more connections polling
// almost never starts, and the throughput there was unchanged), only `busy_poll_threads` workers
// poll at once, and an idle server polls at most `busy_poll` after each answer. --busy-poll-us 0
// turns it off.
//
// Timeouts: a connection that sends no byte of a next request for `idle_timeout` is closed (this
// is also how soon stop() ends idle connections); a request that started must be complete within
// `read_timeout` (408 otherwise), and an answer must be written within it.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "runtime/macros.h"
#include "serve/http/http_message.h"
#include "serve/http/request_parser.h"

namespace nimbus::serve::http {

struct ServerOptions {
  int threads = 128;    // connections served at once; more wait their turn
  int backlog = 1024;   // connections waiting for accept(); the kernel caps it at somaxconn
  std::chrono::milliseconds idle_timeout{1000};
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::microseconds busy_poll{0};  // Note [Busy polling]; 0: never
  int busy_poll_threads = 1;               // workers that may poll at once (Note [Busy polling])
  RequestLimits limits;
};

class NIMBUS_API HttpServer {
 public:
  // Answers one request; may throw (the client then gets 500 through the error handler).
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
  // Fills the answer to a request that could not be read (status 400, 408, 413, 431, 501, 505,
  // or 500 when the handler threw) with a body that says `message`.
  using ErrorHandler = std::function<void(int status, const std::string& message, HttpResponse&)>;

  HttpServer(ServerOptions options, Handler handler, ErrorHandler error_handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on host:port (port 0: any free port) and returns the port. Throws IOError naming the
  // address and the reason when it cannot.
  int bind(const std::string& host, int port);
  // Accepts and serves connections until stop(); returns once the workers have answered the
  // requests they had begun.
  void run();
  // Stops accepting at once; requests already read are still answered, each with
  // "Connection: close". Safe from any thread, before or during run().
  void stop();
  bool stopping() const { return stopping_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stopping_{false};
};

}  // namespace nimbus::serve::http
