#pragma once

// A listening TCP socket on 127.0.0.1, on a free port the kernel picks: how every loopback
// server of the unit tests and fuzz targets starts.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

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

}  // namespace lean::test
