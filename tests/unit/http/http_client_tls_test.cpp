// Certificate verification is always on: a loopback HTTPS server with a self-signed
// certificate (made by `openssl req` for this test) is refused, and accepted once its
// certificate is given as the CA bundle (ClientOptions::ca_bundle, --ca-bundle).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "http/http_client.hpp"
#include "test_util.hpp"
#include "../support/loopback.hpp"

using namespace lean;
using namespace std::chrono_literals;

namespace {

class TlsServer {
 public:
  TlsServer(const std::string& cert, const std::string& key) {
    ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up on the handshake is no reason to die
    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) == 1);
    const auto listener = test::listen_on_loopback(16);
    fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  int handshakes() const { return handshakes_; }

 private:
  void serve() {
    for (;;) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, client);
      if (SSL_accept(ssl) == 1) {
        ++handshakes_;
        std::string request;
        char buffer[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buffer, sizeof buffer);
          if (n <= 0) break;
          request.append(buffer, static_cast<std::size_t>(n));
        }
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nverified";
        SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
        SSL_shutdown(ssl);
      }
      ERR_clear_error();
      SSL_free(ssl);
      ::close(client);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> handshakes_{0};
  std::thread thread_;
};

http::ClientOptions options(const std::string& ca_bundle = "") {
  http::ClientOptions o;
  o.ca_bundle = ca_bundle;
  o.max_attempts = 2;
  o.backoff_base = 1ms;
  o.connect_timeout = 2000ms;
  return o;
}

}  // namespace

TEST_CASE("a self-signed loopback HTTPS server is refused without --ca-bundle and accepted with it") {
  test::TempDir dir;
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
      key + "' -out '" + cert + "' >/dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  TlsServer server(cert, key);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/models?X-Amz-Signature=secret";

  SUBCASE("refused: the system's CAs do not know it") {
    http::Client client(options());
    http::Request request;
    request.url = url;
    Error e = test::expect_error([&] { client.send(request); });
    CHECK(e.status() == ExitStatus::remote);
    CHECK(e.subject() == "https://127.0.0.1:" + std::to_string(server.port()) + "/models");  // no query string
    CHECK(e.describe().find("certificate") != std::string::npos);
    CHECK(e.describe().find("secret") == std::string::npos);
  }
  SUBCASE("accepted with its certificate as the CA bundle") {
    http::Client client(options(cert));
    http::Request request;
    request.url = url;
    http::Response response = client.send(request);
    CHECK(response.status == 200);
    CHECK(response.body == "verified");
  }
  SUBCASE("still refused under another name than the certificate's") {
    http::Client client(options(cert));
    http::Request request;
    request.url = "https://localhost:" + std::to_string(server.port()) + "/";
    CHECK(test::expect_error([&] { client.send(request); }).status() == ExitStatus::remote);
  }
  SUBCASE("a CA bundle that does not exist is a configuration error, not a fallback to no verification") {
    http::Client client(options(dir.file("missing.pem")));
    http::Request request;
    request.url = url;
    CHECK(test::expect_error([&] { client.send(request); }).status() == ExitStatus::usage);
  }
}
