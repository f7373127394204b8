#include "http/http_client.hpp"

#include <chrono>

#include "crypto/sha256.hpp"
#include "http_test_server.hpp"
#include "test_util.hpp"

using namespace lean;
using namespace std::chrono_literals;
using test::Reply;
using test::TestServer;

namespace {

http::ClientOptions fast_options() {
  http::ClientOptions options;
  options.backoff_base = 1ms;
  options.backoff_max = 5ms;
  options.connect_timeout = 2000ms;
  return options;
}

class StringSink : public http::BodySink {
 public:
  std::string data;
  int restarts = 0;
  void restart() override {
    data.clear();
    ++restarts;
  }
  void write(const char* bytes, std::size_t size) override { data.append(bytes, size); }
};

}  // namespace

TEST_CASE("a GET returns status, lower-cased headers and body") {
  TestServer server({{200, {{"ETag", "\"abc\""}}, "hello"}});
  http::Client client(fast_options());
  http::Request request;
  request.url = server.url("/path?q=1");
  request.headers = {{"X-Custom", "v"}};
  auto response = client.send(request);
  CHECK(response.status == 200);
  CHECK(response.ok());
  CHECK(response.body == "hello");
  CHECK(response.header("ETag").value() == "\"abc\"");
  CHECK(response.attempts == 1);
  auto got = server.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == "GET");
  CHECK(got[0].target == "/path?q=1");
  CHECK(got[0].header("x-custom") == "v");
  CHECK(got[0].header("user-agent").rfind("lean-mlops/", 0) == 0);
}

TEST_CASE("PUT, POST and DELETE send their method, body and Content-Length") {
  TestServer server({{200, {}, ""}, {204, {}, ""}, {200, {}, ""}, {204, {}, ""}});
  http::Client client(fast_options());
  for (std::string method : {"PUT", "POST"}) {
    http::Request request;
    request.method = method;
    request.url = server.url();
    request.body = "metric 1\n";
    CHECK(client.send(request).ok());
  }
  http::Request empty_post;
  empty_post.method = "POST";
  empty_post.url = server.url("/?uploads");
  CHECK(client.send(empty_post).ok());
  http::Request remove;
  remove.method = "DELETE";
  remove.url = server.url("/k");
  CHECK(client.send(remove).status == 204);
  auto got = server.received();
  REQUIRE(got.size() == 4);
  CHECK(got[0].method == "PUT");
  CHECK(got[0].body == "metric 1\n");
  CHECK(got[0].header("content-length") == "9");
  CHECK(got[0].header("expect").empty());
  CHECK(got[1].method == "POST");
  CHECK(got[1].body == "metric 1\n");
  CHECK(got[1].header("content-type").empty());
  CHECK(got[2].header("content-length") == "0");
  CHECK(got[3].method == "DELETE");
}

TEST_CASE("a file range streams with its exact Content-Length") {
  test::TempDir dir;
  std::string content;
  for (int i = 0; i < 300000; ++i) content += static_cast<char>('a' + i % 26);
  auto path = dir.write("model.bin", content);
  TestServer server({{200, {}, ""}});
  http::Client client(fast_options());
  http::FileSource source(path, 1000, 200000);
  http::Request request;
  request.method = "PUT";
  request.url = server.url("/part");
  request.source = &source;
  std::int64_t progress = 0;
  request.on_progress = [&](std::int64_t delta) { progress += delta; };
  CHECK(client.send(request).ok());
  auto got = server.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0].header("content-length") == "200000");
  CHECK(got[0].body == content.substr(1000, 200000));
  CHECK(progress == 200000);
}

TEST_CASE("a file that is missing or shorter than announced is an input error naming it") {
  test::TempDir dir;
  CHECK(test::expect_error([&] { http::FileSource source(dir.file("missing.bin")); }).status() ==
        ExitStatus::input_data);
  auto path = dir.write("short.bin", "12345");
  auto error = test::expect_error([&] { http::FileSource source(path, 2, 10); });
  CHECK(error.status() == ExitStatus::input_data);
  CHECK(error.subject() == path);
}

TEST_CASE("5xx and 429 are retried, the body is sent again, the sink restarts") {
  TestServer server(
      {{503, {}, "<Error><Code>SlowDown</Code></Error>"}, {500, {}, ""}, {429, {}, ""}, {200, {}, "done"}});
  http::Client client(fast_options());
  StringSink sink;
  http::Request request;
  request.method = "PUT";
  request.url = server.url("/k");
  request.body = "payload";
  request.sink = &sink;
  int before = 0;
  request.before_attempt = [&](http::Request& r) {
    ++before;
    r.headers = {{"X-Attempt", std::to_string(before)}};
  };
  auto response = client.send(request);
  CHECK(response.status == 200);
  CHECK(response.attempts == 4);
  CHECK(sink.data == "done");
  CHECK(sink.restarts == 4);
  auto got = server.received();
  REQUIRE(got.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(got[i].body == "payload");
    CHECK(got[i].header("x-attempt") == std::to_string(i + 1));
  }
}

TEST_CASE("4xx fails at once, without a retry") {
  TestServer server({{403, {}, "<Error><Code>AccessDenied</Code></Error>"}, {200, {}, ""}});
  http::Client client(fast_options());
  StringSink sink;
  http::Request request;
  request.url = server.url("/k");
  request.sink = &sink;
  auto response = client.send(request);
  CHECK(response.status == 403);
  CHECK(response.attempts == 1);
  CHECK(response.body.find("AccessDenied") != std::string::npos);
  CHECK(sink.data.empty());
  CHECK(server.received().size() == 1);
}

TEST_CASE("retry_if retries what the status alone does not") {
  TestServer server({{200, {}, "<Error><Code>InternalError</Code></Error>"}, {200, {}, "<Result/>"}});
  http::Client client(fast_options());
  http::Request request;
  request.method = "POST";
  request.url = server.url("/k?uploadId=1");
  request.retry_if = [](const http::Response& r) { return r.body.find("<Error>") != std::string::npos; };
  auto response = client.send(request);
  CHECK(response.body == "<Result/>");
  CHECK(response.attempts == 2);
}

TEST_CASE("the attempts are bounded: the last response is returned") {
  TestServer server({{503, {}, "1"}, {503, {}, "2"}, {503, {}, "3"}});
  auto options = fast_options();
  options.max_attempts = 3;
  http::Client client(options);
  http::Request request;
  request.url = server.url();
  auto response = client.send(request);
  CHECK(response.status == 503);
  CHECK(response.body == "3");
  CHECK(response.attempts == 3);
}

TEST_CASE("Retry-After is honoured, and one longer than the limit ends the retries") {
  {
    TestServer server({{503, {{"Retry-After", "1"}}, ""}, {200, {}, ""}});
    http::Client client(fast_options());
    http::Request request;
    request.url = server.url();
    auto start = std::chrono::steady_clock::now();
    CHECK(client.send(request).ok());
    CHECK(std::chrono::steady_clock::now() - start >= 1s);
  }
  {
    TestServer server({{503, {{"Retry-After", "3600"}}, ""}, {200, {}, ""}});
    http::Client client(fast_options());
    http::Request request;
    request.url = server.url();
    auto response = client.send(request);
    CHECK(response.status == 503);
    CHECK(response.attempts == 1);
  }
}

TEST_CASE("a dropped connection is retried") {
  TestServer server({{0, {}, "", true}, {200, {}, "ok"}});
  http::Client client(fast_options());
  http::Request request;
  request.method = "PUT";
  request.url = server.url();
  request.body = "x";
  std::int64_t progress = 0;
  request.on_progress = [&](std::int64_t delta) { progress += delta; };
  auto response = client.send(request);
  CHECK(response.body == "ok");
  CHECK(response.attempts == 2);
  CHECK(progress == 1);
}

TEST_CASE("a stalled server is given up after the stall timeout and the attempts") {
  TestServer server({{200, {}, "", false, 2500}, {200, {}, "", false, 2500}});
  auto options = fast_options();
  options.stall_timeout = 1000ms;
  options.max_attempts = 2;
  http::Client client(options);
  http::Request request;
  request.url = server.url("/slow");
  auto start = std::chrono::steady_clock::now();
  auto error = test::expect_error([&] { client.send(request); });
  CHECK(error.status() == ExitStatus::remote);
  CHECK(error.subject() == server.url("/slow"));
  CHECK(std::string(error.what()).find("gave up after 2 attempts") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("an unreachable endpoint is a remote error within the connect timeout") {
  auto options = fast_options();
  options.connect_timeout = 1500ms;
  options.backoff_base = 100ms;
  options.backoff_max = 400ms;
  options.max_attempts = 100;
  http::Client client(options);
  http::Request request;
  request.url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/bucket/key?X-Secret=1";
  request.subject = "s3://bucket/key";
  auto start = std::chrono::steady_clock::now();
  auto error = test::expect_error([&] { client.send(request); });
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(error.status() == ExitStatus::remote);
  CHECK(error.subject() == "s3://bucket/key");
  INFO(std::string(error.what()));
  CHECK(std::string(error.what()).find("cannot connect to the endpoint") != std::string::npos);
  CHECK(std::string(error.what()).find("X-Secret") == std::string::npos);
  CHECK(elapsed >= 1000ms);
  CHECK(elapsed < 2500ms);
}

TEST_CASE("only http and https are spoken, and certificates are always verified") {
  http::Client client(fast_options());
  http::Request request;
  request.url = "file:///etc/passwd";
  CHECK(test::expect_error([&] { client.send(request); }).status() == ExitStatus::remote);
  auto options = fast_options();
  options.ca_bundle = "/nonexistent/ca.pem";
  http::Client strict(options);
  TestServer server({});
  http::Request tls;
  // Plain HTTP server, HTTPS request: the handshake fails; no way to "skip verification".
  tls.url = "https://127.0.0.1:" + server.url().substr(server.url().rfind(':') + 1);
  options.max_attempts = 1;
  http::Client once(options);
  // The bundle cannot be loaded: a configuration error (exit 2), never a request without it.
  CHECK(test::expect_error([&] { once.send(tls); }).status() == ExitStatus::usage);
}

TEST_CASE("send_text posts a text body and names the URL on failure") {
  TestServer server({{200, {}, ""}, {400, {}, "text format parsing error in line 1\nmore"}});
  auto ok = http::send_text("PUT", server.url("/metrics/job/drift"), "drift_score 0.2\n");
  CHECK(ok.status == 200);
  auto got = server.received();
  CHECK(got[0].header("content-type") == "text/plain; charset=utf-8");
  CHECK(got[0].body == "drift_score 0.2\n");
  auto error = test::expect_error([&] {
    http::send_text(
        "POST", "http://user:pw@127.0.0.1:" + server.url().substr(server.url().rfind(':') + 1) + "metrics?token=abc",
        "x\n");
  });
  CHECK(error.status() == ExitStatus::remote);
  CHECK(error.describe().find("pw") == std::string::npos);
  CHECK(error.describe().find("token") == std::string::npos);
  CHECK(std::string(error.what()) == "HTTP 400: text format parsing error in line 1");
}

TEST_CASE("redact_url drops credentials, query and fragment") {
  CHECK(http::redact_url("https://user:secret@host:9000/b/k?X-Amz-Signature=abc#f") == "https://host:9000/b/k");
  CHECK(http::redact_url("http://host/path") == "http://host/path");
  CHECK(http::redact_url("http://host/a@b?x") == "http://host/a@b");
}

TEST_CASE("backoff grows exponentially with full jitter, capped, and honours Retry-After") {
  http::ClientOptions options;
  options.backoff_base = 100ms;
  options.backoff_max = 1000ms;
  for (int i = 0; i < 200; ++i) {
    CHECK(http::backoff_delay(1, options) <= 100ms);
    CHECK(http::backoff_delay(3, options) <= 400ms);
    CHECK(http::backoff_delay(10, options) <= 1000ms);
    CHECK(http::backoff_delay(1, options, 2000ms) == 2000ms);
  }
  bool varied = false;
  auto first = http::backoff_delay(5, options);
  for (int i = 0; i < 50 && !varied; ++i) varied = http::backoff_delay(5, options) != first;
  CHECK(varied);
}

TEST_CASE("Retry-After: seconds or an HTTP-date") {
  CHECK(http::parse_retry_after("7").value() == 7000ms);
  CHECK(!http::parse_retry_after("soon"));
  auto now = std::chrono::system_clock::from_time_t(1445412470);  // Wed, 21 Oct 2015 07:27:50 GMT
  CHECK(http::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now).value() == 10000ms);
  CHECK(http::parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now).value() == 0ms);
  // Found by fuzzing: a far date overflowed the nanosecond clock (undefined behaviour).
  CHECK(http::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now).value() == 366LL * 24 * 3600 * 1000ms);
}

TEST_CASE("retryable statuses") {
  for (long s : {429L, 500L, 502L, 503L, 504L}) CHECK(http::retryable_status(s));
  for (long s : {200L, 301L, 400L, 403L, 404L, 409L, 412L, 501L}) CHECK(!http::retryable_status(s));
}
