#pragma once

// The pieces every loopback HTTP server of the unit tests and fuzz targets is made of: a
// listening socket on 127.0.0.1 (a free port the kernel picks), reading one request, and
// writing one answer.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace lean::test {

struct LoopbackListener {
  int fd = -1;
  int port = 0;
};

inline LoopbackListener listen_on_loopback(int backlog) {
  LoopbackListener listener;
  listener.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener.fd, backlog);
  socklen_t len = sizeof addr;
  ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len);
  listener.port = ntohs(addr.sin_port);
  return listener;
}

// One HTTP/1.1 request: its head (request line and header lines, without the blank line)
// and its body (Content-Length bytes, or fewer when the client hung up midway).
struct RawRequest {
  std::string head;
  std::string body;
};

// Reads one request from `client`; false when the client hung up before the head ended.
inline bool read_request(int client, RawRequest& request) {
  std::string data;
  char buffer[65536];
  std::size_t header_end;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  request.head = data.substr(0, header_end);
  request.body = data.substr(header_end + 4);
  std::string lower = request.head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t length = 0;
  if (const auto at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::strtoull(lower.c_str() + at + 17, nullptr, 10);
  }
  while (request.body.size() < length) {
    const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    request.body.append(buffer, static_cast<std::size_t>(n));
  }
  return true;
}

// Writes one whole answer (Content-Length, Connection: close; no body for a HEAD request).
inline void send_response(int client, int status, const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body, bool head_request) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!head_request) out += body;
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(client, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace lean::test
