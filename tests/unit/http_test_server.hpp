#pragma once

// A scripted HTTP/1.1 server on 127.0.0.1 (random port) for the HTTP client's unit tests:
// each request gets the next scripted reply, and every request is recorded.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../support/loopback.hpp"

namespace lean::test {

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool drop = false;  // close the connection without answering
  int delay_ms = 0;   // wait before answering
};

struct Received {
  std::string method, target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      std::string a = n, b = name;
      for (auto& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (a == b) return v;
    }
    return "";
  }
};

class TestServer {
 public:
  explicit TestServer(std::vector<Reply> script) : script_(script.begin(), script.end()) {
    const auto listener = listen_on_loopback(16);
    fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { serve(); });
  }
  ~TestServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      handle(client);
      ::close(client);
    }
  }
  void handle(int client) {
    RawRequest request;
    if (!read_request(client, request)) return;
    Received r;
    const std::string& head = request.head;
    std::size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    r.method = first.substr(0, first.find(' '));
    r.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
    std::size_t pos = line_end + 2;
    while (pos < head.size() && line_end != std::string::npos) {
      std::size_t next = head.find("\r\n", pos);
      std::string line = head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      auto colon = line.find(':');
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers.emplace_back(line.substr(0, colon), value);
      if (next == std::string::npos) break;
      pos = next + 2;
    }
    r.body = std::move(request.body);
    Reply reply;
    {
      std::lock_guard lock(mutex_);
      received_.push_back(r);
      if (!script_.empty()) {
        reply = script_.front();
        script_.pop_front();
      }
    }
    if (reply.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
    if (reply.drop) return;
    send_response(client, reply.status, reply.headers, reply.body, r.method == "HEAD");
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::deque<Reply> script_;
  std::vector<Received> received_;
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens (bound then closed).
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace lean::test
