#pragma once

// Helpers shared by the fuzz targets (tests/fuzz/*.cpp, docs/hardening.md).
//
// A target catches lean::Error, the one exception a user's bad input may cause (it becomes
// an error line and an exit code). Anything else escaping a target is a finding: libFuzzer
// reports the uncaught exception (abort) with the input that caused it, and so does the
// replay of the regression inputs in the ordinary test suite.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../support/loopback.hpp"

namespace lean::fuzz {

inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A finding that is not a crash by itself (a broken round trip, a wrong exception type).
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::abort();
}

// The tool-level targets run a whole tool in-process: its files live in a scratch
// directory (in memory where /dev/shm exists), and std::cout/std::cerr go nowhere.
class ToolRun {
 public:
  ToolRun() {
    std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "lean-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir_ = tmpl;
    cout_ = std::cout.rdbuf(sink_.rdbuf());
    cerr_ = std::cerr.rdbuf(sink_.rdbuf());
  }
  ~ToolRun() {
    std::cout.rdbuf(cout_);
    std::cerr.rdbuf(cerr_);
    std::filesystem::remove_all(dir_);
  }
  std::string write(const std::string& name, std::string_view content) const {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
    return path;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Runs `main` over the arguments; the exit code must be one the conventions define.
  template <typename Main>
  int run(Main&& main, const std::vector<std::string>& args) {
    sink_.str("");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    int code = main(static_cast<int>(args.size()), argv.data());
    if (code < 0 || code > 5) finding("exit code " + std::to_string(code) + " is not one of 0..5");
    return code;
  }

 private:
  std::filesystem::path dir_;
  std::ostringstream sink_;
  std::streambuf* cout_ = nullptr;
  std::streambuf* cerr_ = nullptr;
};

// An HTTP/1.1 server on 127.0.0.1 for the remote-response targets: each request gets the
// next scripted answer (404 when the script is used up), one connection per request.
class ScriptedServer {
 public:
  struct Answer {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };
  ScriptedServer() {
    const auto listener = lean::test::listen_on_loopback(64);
    fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void script(std::deque<Answer> answers) {
    std::lock_guard lock(mutex_);
    answers_ = std::move(answers);
    requests_ = 0;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    for (;;) {
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      handle(client);
      ::close(client);
    }
  }
  void handle(int client) {
    lean::test::RawRequest request;
    if (!lean::test::read_request(client, request)) return;
    Answer answer{404, {}, ""};
    {
      std::lock_guard lock(mutex_);
      ++requests_;
      if (!answers_.empty()) {
        answer = std::move(answers_.front());
        answers_.pop_front();
      }
    }
    const bool head_request = request.head.rfind("HEAD ", 0) == 0;
    lean::test::send_response(client, answer.status, answer.headers, answer.body, head_request);
  }

  int fd_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  std::deque<Answer> answers_;
  int requests_ = 0;
  std::thread thread_;
};

// Answers from fuzz input: parts separated by NUL bytes; a part's first byte picks the
// status, its second the extra headers, the rest is the body.
inline std::deque<ScriptedServer::Answer> answers_from(std::string_view input) {
  static const int kStatus[] = {200, 200, 200, 201, 204, 206, 301, 302, 304, 400, 401,
                                403, 404, 409, 412, 416, 422, 429, 500, 502, 503, 200};
  static const std::vector<std::vector<std::pair<std::string, std::string>>> kHeaders = {
      {},
      {{"Content-Type", "application/json"}},
      {{"ETag", "\"0123456789abcdef0123456789abcdef\""}},
      {{"Link", "<http://127.0.0.1:1/next?page=2>; rel=\"next\""}},
      {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "99999999999999999999"}},
      {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1"}},
      {{"Retry-After", "1"}},
      {{"Location", "http://127.0.0.1:1/elsewhere"}},
      {{"ETag", "\"a-1\""}, {"Content-Type", "application/xml"}},
      {{"x-amz-checksum-sha256", "!!"}, {"Content-Length-Extra", "1"}},
  };
  std::deque<ScriptedServer::Answer> answers;
  std::size_t start = 0;
  while (start < input.size() && answers.size() < 64) {
    std::size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view part = input.substr(start, end - start);
    ScriptedServer::Answer answer;
    if (!part.empty()) answer.status = kStatus[static_cast<unsigned char>(part[0]) % std::size(kStatus)];
    if (part.size() > 1) answer.headers = kHeaders[static_cast<unsigned char>(part[1]) % kHeaders.size()];
    if (part.size() > 2) answer.body = std::string(part.substr(2));
    answers.push_back(std::move(answer));
    start = end + 1;
  }
  return answers;
}

}  // namespace lean::fuzz
