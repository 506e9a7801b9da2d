// The HTTP/1.1 server (serve/http/http_server.h) over real loopback sockets: keep-alive and
// pipelining, Expect: 100-continue, chunked bodies, refusals that the client can still read,
// handler failures, timeouts, and stop() with connections open.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "runtime/error.h"
#include "serve/http/http_server.h"

namespace nimbus::serve::http {
namespace {

using namespace std::chrono_literals;

// A server on a free loopback port whose handler echoes what it was asked.
class TestServer {
 public:
  explicit TestServer(ServerOptions options = small_options())
      : server_(options, echo, [](int status, const std::string& message, HttpResponse& res) {
          res.set_content("error " + std::to_string(status) + ": " + message, "text/plain");
        }) {
    port_ = server_.bind("127.0.0.1", 0);
    thread_ = std::thread([this] { server_.run(); });
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  HttpServer& server() { return server_; }

  static ServerOptions small_options() {
    ServerOptions o;
    o.threads = 4;
    o.idle_timeout = 200ms;
    o.read_timeout = 500ms;
    o.limits.max_body_bytes = 1000;
    return o;
  }

 private:
  static void echo(const HttpRequest& req, HttpResponse& res) {
    if (req.path == "/throw") throw Error("the handler failed");
    res.set_content(req.method + " " + req.path + " [" + req.body + "]", "text/plain");
  }

  HttpServer server_;
  int port_ = 0;
  std::thread thread_;
};

// One client connection with blocking reads of whole responses.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  ~Client() { ::close(fd_); }

  void send(const std::string& text) { ASSERT_EQ(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size())); }

  // The next response (status line, headers, body by its Content-Length unless it answers HEAD),
  // or "" when the connection closed first.
  std::string response(bool to_head = false) {
    size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!receive()) return "";
    size_t length = 0;
    const size_t at = pending_.find("Content-Length: ");
    if (at != std::string::npos && at < head_end) length = std::stoul(pending_.substr(at + 16));
    if (pending_.starts_with("HTTP/1.1 100") || to_head) length = 0;
    while (pending_.size() < head_end + 4 + length)
      if (!receive()) return "";
    std::string one = pending_.substr(0, head_end + 4 + length);
    pending_.erase(0, one.size());
    return one;
  }

  // Whether the server closed the connection (reads until end of stream, dropping what comes).
  bool closed_by_server() {
    while (receive()) {
    }
    return closed_;
  }

 private:
  bool receive() {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      closed_ = n == 0;
      return false;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
  bool closed_ = false;
};

std::string body_of(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

TEST(HttpServer, ServesKeepAliveAndPipelinedRequestsOnOneConnection) {
  TestServer server;
  Client client(server.port());
  client.send("GET /one HTTP/1.1\r\n\r\n");
  const std::string first = client.response();
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
  EXPECT_EQ(first.find("Connection: close"), std::string::npos);
  EXPECT_EQ(body_of(first), "GET /one []");
  client.send("POST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /three HTTP/1.1\r\n\r\n");
  EXPECT_EQ(body_of(client.response()), "POST /two [abc]");
  EXPECT_EQ(body_of(client.response()), "GET /three []");
}

TEST(HttpServer, BusyPollingReadsRequestsThatComeDuringAndAfterThePoll) {
  ServerOptions options = TestServer::small_options();
  options.busy_poll = std::chrono::microseconds(2000);
  TestServer server(options);
  Client client(server.port());
  for (int i = 0; i < 20; ++i) {  // back to back: read while polling
    client.send("GET /poll" + std::to_string(i) + " HTTP/1.1\r\n\r\n");
    EXPECT_EQ(body_of(client.response()), "GET /poll" + std::to_string(i) + " []");
  }
  std::this_thread::sleep_for(20ms);  // after the poll: read by the blocking wait
  client.send("POST /late HTTP/1.1\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(body_of(client.response()), "POST /late [ok]");
  EXPECT_TRUE(client.closed_by_server());  // idle connections still close
}

TEST(HttpServer, AnswersContinueThenReadsTheBody) {
  TestServer server;
  Client client(server.port());
  client.send("POST /c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(client.response(), "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("hello");
  EXPECT_EQ(body_of(client.response()), "POST /c [hello]");
}

TEST(HttpServer, ReadsChunkedBodies) {
  TestServer server;
  Client client(server.port());
  client.send("POST /chunks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  client.send("2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(body_of(client.response()), "POST /chunks [abcde]");
}

TEST(HttpServer, ClosesAfterConnectionCloseAndAnswersHeadWithoutABody) {
  TestServer server;
  Client client(server.port());
  client.send("HEAD /h HTTP/1.1\r\n\r\n");
  const std::string head = client.response(/*to_head=*/true);  // Content-Length is the GET body's
  EXPECT_NE(head.find("Content-Length: 10"), std::string::npos) << head;
  client.send("GET /last HTTP/1.1\r\nConnection: close\r\n\r\n");
  const std::string last = client.response();
  EXPECT_NE(last.find("Connection: close"), std::string::npos) << last;
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, RefusesAMalformedRequestWithAReadableAnswerAndCloses) {
  TestServer server;
  Client client(server.port());
  client.send("NOT HTTP AT ALL\r\n\r\n");
  const std::string answer = client.response();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
  EXPECT_NE(answer.find("error 400: malformed request line"), std::string::npos) << answer;
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, ATooLargeBodySentAnywayStillGets413) {
  TestServer server;
  Client client(server.port());
  // The whole body is sent before the answer is read, as most clients do: the server must read
  // and drop it rather than reset the connection under the answer.
  client.send("POST /big HTTP/1.1\r\nContent-Length: 200000\r\n\r\n");
  std::thread writer([&] { client.send(std::string(200000, 'x')); });
  const std::string answer = client.response();
  writer.join();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413 ")) << answer.substr(0, 200);
  EXPECT_NE(answer.find("larger than the limit of 1000 bytes"), std::string::npos) << answer;
}

TEST(HttpServer, AHandlerThatThrowsGives500AndTheServerGoesOn) {
  TestServer server;
  Client client(server.port());
  client.send("GET /throw HTTP/1.1\r\n\r\n");
  const std::string answer = client.response();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 500 ")) << answer;
  EXPECT_NE(answer.find("internal error: the handler failed"), std::string::npos) << answer;
  client.send("GET /after HTTP/1.1\r\n\r\n");
  EXPECT_EQ(body_of(client.response()), "GET /after []");
}

TEST(HttpServer, AnIncompleteRequestTimesOutWith408) {
  TestServer server;
  Client client(server.port());
  client.send("POST /slow HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  const std::string answer = client.response();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408 ")) << answer;
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, ARequestTrickledInStillTimesOutWith408) {
  TestServer server;  // read_timeout 500 ms, idle_timeout 200 ms
  Client client(server.port());
  const auto start = std::chrono::steady_clock::now();
  client.send("GET /slow HTTP/1.1\r\nX-Slow: ");
  std::atomic<bool> answered{false};
  std::string answer;
  std::thread reader([&] {
    answer = client.response();
    answered = true;
  });
  // One byte every 100 ms, well inside the idle timeout, for 2 s at most: the request never
  // completes, and the bytes must not keep extending its time.
  for (int i = 0; i < 20 && !answered; ++i) {
    std::this_thread::sleep_for(100ms);
    client.send("a");
  }
  reader.join();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408 ")) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(HttpServer, AnEmptyLineAfterABodyDoesNotStartARequest) {
  TestServer server;
  Client client(server.port());
  client.send("POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\n");
  EXPECT_EQ(body_of(client.response()), "POST /b [ok]");
  EXPECT_EQ(client.response(), "");  // closed when idle, with no 408 for a request never sent
}

TEST(HttpServer, KeepsHttp10ConnectionsThatAskAndSaysSo) {
  TestServer server;
  Client client(server.port());
  client.send("GET /ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const std::string first = client.response();
  EXPECT_NE(first.find("Connection: keep-alive"), std::string::npos) << first;
  client.send("GET /again HTTP/1.0\r\n\r\n");
  EXPECT_EQ(body_of(client.response()), "GET /again []");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, ClosesIdleConnections) {
  TestServer server;
  Client client(server.port());
  client.send("GET /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(body_of(client.response()), "GET /x []");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(HttpServer, StopEndsRunWithConnectionsOpenAndAnswersWhatWasRead) {
  auto server = std::make_unique<TestServer>();
  Client idle(server->port());
  Client busy(server->port());
  busy.send("GET /before HTTP/1.1\r\n\r\n");
  EXPECT_EQ(body_of(busy.response()), "GET /before []");
  const auto start = std::chrono::steady_clock::now();
  server.reset();  // stop() and join run()
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(idle.closed_by_server());
}

TEST(HttpServer, StopBeforeRunReturnsAtOnce) {
  HttpServer server(TestServer::small_options(), [](const HttpRequest&, HttpResponse&) {},
                    [](int, const std::string&, HttpResponse&) {});
  server.bind("127.0.0.1", 0);
  server.stop();
  server.run();  // returns: nothing to wait for
  SUCCEED();
}

TEST(HttpServer, BindingATakenPortNamesTheAddress) {
  TestServer first;
  HttpServer second(TestServer::small_options(), [](const HttpRequest&, HttpResponse&) {},
                    [](int, const std::string&, HttpResponse&) {});
  try {
    second.bind("127.0.0.1", first.port());
    FAIL() << "bound a port in use";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nimbus::serve::http
