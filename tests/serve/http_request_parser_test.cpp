// The HTTP/1.1 request parser (serve/http/request_parser.h): framing by Content-Length and by
// chunks fed in any split, keep-alive, Expect, and each refusal with its status.
#include <gtest/gtest.h>

#include <string>

#include "serve/http/request_parser.h"

namespace nimbus::serve::http {
namespace {

using State = RequestParser::State;

RequestLimits limits(size_t body = 1 << 20, size_t head = 4096) { return {head, body}; }

// Feeds `text` one more byte at a time, as a slow client would send it; returns the final state.
State feed_bytewise(RequestParser& parser, const std::string& text) {
  State state = State::need_more;
  for (size_t n = 1; n <= text.size() && state == State::need_more; ++n) state = parser.parse(std::string_view(text).substr(0, n));
  return state;
}

TEST(HttpRequestParser, ReadsAGetInOneCall) {
  RequestParser parser(limits());
  const std::string text = "GET /v2/models/a%20b/ready?x=1%202 HTTP/1.1\r\nHost: h\r\nX-Thing:  spaced value \r\n\r\n";
  ASSERT_EQ(parser.parse(text), State::complete);
  const HttpRequest& r = parser.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/v2/models/a b/ready");
  EXPECT_EQ(r.query, "x=1%202");
  EXPECT_EQ(r.minor_version, 1);
  EXPECT_EQ(r.header("host"), "h");
  EXPECT_EQ(r.header("X-THING"), "spaced value");
  EXPECT_EQ(r.header("missing"), "");
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(parser.consumed(), text.size());
  EXPECT_TRUE(parser.keep_alive());
}

TEST(HttpRequestParser, ReadsABodyByContentLengthWhateverTheSplitAndLeavesThePipelinedRest) {
  const std::string request = "POST /infer HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
  const std::string next = "GET / HTTP/1.1\r\n\r\n";
  RequestParser parser(limits());
  ASSERT_EQ(feed_bytewise(parser, request + next), State::complete);
  EXPECT_EQ(parser.request().body, "hello world");
  EXPECT_EQ(parser.consumed(), request.size());

  RequestParser whole(limits());
  ASSERT_EQ(whole.parse(request + next), State::complete);
  EXPECT_EQ(whole.consumed(), request.size());
  RequestParser second(limits());
  ASSERT_EQ(second.parse(std::string_view(request + next).substr(whole.consumed())), State::complete);
  EXPECT_EQ(second.request().path, "/");
}

TEST(HttpRequestParser, DecodesChunkedBodiesWithExtensionsAndTrailersWhateverTheSplit) {
  const std::string text =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
  RequestParser bytewise(limits());
  ASSERT_EQ(feed_bytewise(bytewise, text + "GET"), State::complete);
  EXPECT_EQ(bytewise.request().body, "hello 0123456789");
  EXPECT_EQ(bytewise.consumed(), text.size());
  for (size_t split = 1; split < text.size(); ++split) {
    RequestParser parser(limits());
    const State first = parser.parse(std::string_view(text).substr(0, split));
    ASSERT_EQ(first, State::need_more) << "split at " << split;
    ASSERT_EQ(parser.parse(text), State::complete) << "split at " << split;
    ASSERT_EQ(parser.request().body, "hello 0123456789") << "split at " << split;
  }
}

TEST(HttpRequestParser, KeepAliveFollowsTheVersionAndTheConnectionHeader) {
  const auto keep = [](const std::string& head) {
    RequestParser parser(limits());
    EXPECT_EQ(parser.parse(head + "\r\n"), State::complete) << head;
    return parser.keep_alive();
  };
  EXPECT_TRUE(keep("GET / HTTP/1.1\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nConnection: Close\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nConnection: upgrade, close\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n"));  // close wins
  EXPECT_FALSE(keep("POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"));
}

TEST(HttpRequestParser, AcceptsBareLineFeedsAndEmptyLinesBeforeTheRequest) {
  RequestParser parser(limits());
  ASSERT_EQ(parser.parse("\r\n\r\nPOST /x HTTP/1.1\nContent-Length: 2\n\nab"), State::complete);
  EXPECT_EQ(parser.request().method, "POST");
  EXPECT_EQ(parser.request().body, "ab");
  RequestParser mixed(limits());  // a bare LF line, then a CRLF blank line
  ASSERT_EQ(mixed.parse("GET /m HTTP/1.1\nHost: h\n\r\n"), State::complete);
  EXPECT_EQ(mixed.request().header("host"), "h");
}

TEST(HttpRequestParser, EmptyLinesBeforeTheRequestCountAgainstTheHeadLimit) {
  RequestParser parser(limits(1024, 64));
  std::string blank;
  for (int i = 0; i < 40; ++i) blank += "\r\n";
  EXPECT_EQ(parser.parse(blank), State::failed);
  EXPECT_EQ(parser.error_status(), 431);
}

TEST(HttpRequestParser, ChunkFramingCannotOutgrowItsData) {
  // One byte per chunk under 60 bytes of extensions, and then endless trailers: both would stay
  // buffered until the answer, so both are refused once they pass the data plus a head's worth.
  std::string text = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) text += "1;" + std::string(60, 'e') + "\r\nx\r\n";
  RequestParser extensions(limits(1 << 20, 256));
  EXPECT_EQ(extensions.parse(text), State::failed);
  EXPECT_EQ(extensions.error_status(), 400);
  EXPECT_NE(extensions.error_message().find("longer than the data they carry"), std::string::npos);
  std::string trailers = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 40; ++i) trailers += "T: " + std::string(20, 't') + "\r\n";
  RequestParser endless(limits(1 << 20, 256));
  EXPECT_EQ(endless.parse(trailers), State::failed);
  EXPECT_EQ(endless.error_status(), 400);
}

TEST(HttpRequestParser, SaysWhenTheClientWaitsForContinue) {
  RequestParser parser(limits());
  const std::string head = "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  ASSERT_EQ(parser.parse(head), State::need_more);
  EXPECT_TRUE(parser.expects_continue());
  ASSERT_EQ(parser.parse(head + "a"), State::need_more);
  EXPECT_FALSE(parser.expects_continue());  // the client sends the body anyway
  ASSERT_EQ(parser.parse(head + "abc"), State::complete);
}

struct Refusal {
  std::string text;
  int status;
  std::string message;
};

TEST(HttpRequestParser, RefusesMalformedRequestsWithTheirStatusAndMessage) {
  const std::string big_header = "GET / HTTP/1.1\r\nX: " + std::string(5000, 'a') + "\r\n\r\n";
  const Refusal cases[] = {
      {"GARBAGE\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTP/1.1 extra\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTX/1.1\r\n\r\n", 400, "expected the version"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "HTTP version 2.0 is not supported"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "method is not a token"},
      {"GET nowhere HTTP/1.1\r\n\r\n", 400, "expected a path starting with '/'"},
      {"GET /a%2 HTTP/1.1\r\n\r\n", 400, "bad percent-encoding"},
      {"GET /a%00 HTTP/1.1\r\n\r\n", 400, "bad percent-encoding"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "expected 'Name: value'"},
      {"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", 400, "expected 'Name: value'"},
      {"GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n", 400, "obsolete line folding"},
      {"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both Content-Length and"},
      {"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "two different Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n", 400, "malformed Content-Length '-3'"},
      {"POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n", 400, "malformed Content-Length '3x'"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "'gzip, chunked' is not supported"},
      {"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413,
       "the request body (2000000 bytes) is larger than the limit of 1048576 bytes"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "'zz' is not a chunk size"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", 400, "does not end with CRLF"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n", 413, "larger than the limit of 1048576"},
      {big_header, 431, "longer than the limit of 4096 bytes"},
  };
  for (const Refusal& c : cases) {
    RequestParser parser(limits());
    EXPECT_EQ(parser.parse(c.text), State::failed) << c.text;
    EXPECT_EQ(parser.error_status(), c.status) << c.text;
    EXPECT_NE(parser.error_message().find(c.message), std::string::npos) << c.text << " -> " << parser.error_message();
    EXPECT_FALSE(parser.keep_alive());
  }
}

TEST(HttpRequestParser, RefusesAnOverlongHeadBeforeItEnds) {
  RequestParser parser(limits(1024, 64));
  EXPECT_EQ(parser.parse("GET / HTTP/1.1\r\nX: " + std::string(100, 'a')), State::failed);
  EXPECT_EQ(parser.error_status(), 431);
}

TEST(HttpRequestParser, RefusesChunksThatAddUpOverTheLimit) {
  RequestParser parser(limits(10));
  const std::string text = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n";
  EXPECT_EQ(parser.parse(text), State::failed);
  EXPECT_EQ(parser.error_status(), 413);
  EXPECT_NE(parser.error_message().find("(12 bytes)"), std::string::npos) << parser.error_message();
}

TEST(HttpPercentDecode, DecodesEscapesAndKeepsPlus) {
  std::string out;
  ASSERT_TRUE(percent_decode("/a%2Fb+c%7e", out));
  EXPECT_EQ(out, "/a/b+c~");
  EXPECT_FALSE(percent_decode("%", out));
  EXPECT_FALSE(percent_decode("%4", out));
  EXPECT_FALSE(percent_decode("%g0", out));
}

TEST(HttpResponseText, WritesStatusHeadersAndBodyTogether) {
  HttpResponse response;
  response.status = 401;
  response.set_content("{}", "application/json");
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  EXPECT_EQ(serialize_response(response, true),
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "WWW-Authenticate: Bearer\r\n\r\n{}");
  EXPECT_EQ(serialize_response(response, false, /*head_only=*/true),
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n"
            "WWW-Authenticate: Bearer\r\n\r\n");
}

}  // namespace
}  // namespace nimbus::serve::http
