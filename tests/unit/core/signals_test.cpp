#include "core/signals.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "core/files.hpp"
#include "http/http_client.hpp"
#include "http_test_server.hpp"
#include "test_util.hpp"
#include "../support/loopback.hpp"

using namespace lean;
using namespace std::chrono_literals;

namespace {

// Runs `child` in a forked process (signals are process-wide); `parent` runs meanwhile with
// the child's pid. Returns the child's wait status.
template <typename Child, typename Parent>
int in_child(Child&& child, Parent&& parent) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 99;
    try {
      code = child();
    } catch (...) {
    }
    ::_exit(code);
  }
  parent(pid);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// Accepts connections and never answers, until destroyed.
class SilentServer {
 public:
  SilentServer() {
    const auto listener = test::listen_on_loopback(16);
    fd_ = listener.fd;
    port_ = listener.port;
  }
  ~SilentServer() { ::close(fd_); }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

TEST_CASE("a signal outside a transfer removes the temporary files being written and exits 128+signal") {
  for (int signal : {SIGINT, SIGTERM}) {
    test::TempDir dir;
    const std::string temp = dir.write(".report.json.tmp-123456", "half a rep");
    int status = in_child(
        [&] {
          install_signal_handlers("ml-test");
          TempFileGuard guard(temp);
          ::raise(signal);
          return 0;  // not reached
        },
        [](pid_t) {});
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + signal);
    CHECK(!std::filesystem::exists(temp));
  }
}

TEST_CASE("a signal while SignalsHeldBack lives is handled when it ends, after the guard exists") {
  test::TempDir dir;
  const std::string temp = dir.write(".model.bin-XXXXXX", "being created");
  const std::string reached = dir.file("reached");
  int status = in_child(
      [&] {
        install_signal_handlers("ml-test");
        std::optional<TempFileGuard> guard;
        {
          SignalsHeldBack held;
          ::raise(SIGTERM);  // between creating the file and guarding it
          write_file_atomically(reached, "still running");
          guard.emplace(temp);
        }
        return 0;  // not reached: the held signal ends the process here
      },
      [](pid_t) {});
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 143);
  CHECK(std::filesystem::exists(reached));
  CHECK(!std::filesystem::exists(temp));
}

TEST_CASE("a released temporary file is no longer removed by the handler") {
  test::TempDir dir;
  const std::string kept = dir.write("kept", "complete");
  int status = in_child(
      [&] {
        install_signal_handlers("ml-test");
        { TempFileGuard guard(kept); }
        ::raise(SIGTERM);
        return 0;
      },
      [](pid_t) {});
  CHECK(WEXITSTATUS(status) == 143);
  CHECK(std::filesystem::exists(kept));
}

TEST_CASE("an interrupted transfer throws Interrupted; a cleanup request afterwards still runs, once") {
  // The upload never gets an answer; the interrupt must end it at once.
  SilentServer silent;
  test::Reply no_content;
  no_content.status = 204;
  test::TestServer server({no_content});
  const auto start = std::chrono::steady_clock::now();
  int status = in_child(
      [&] {
        install_signal_handlers("ml-test");
        http::Client client;
        http::Request request;
        request.url = silent.url("/upload");
        try {
          client.send(request);
          return 98;
        } catch (const Interrupted& e) {
          if (e.signal() != SIGINT || interrupt_signal() != SIGINT) return 97;
        }
        http::Request cleanup;
        cleanup.method = "DELETE";
        cleanup.url = server.url("/upload?uploadId=1");
        http::Response response = client.send(cleanup);
        return response.status == 204 && response.attempts == 1 ? 130 : 96;
      },
      [](pid_t pid) {
        std::this_thread::sleep_for(500ms);
        ::kill(pid, SIGINT);
      });
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("an interrupt during a retry backoff ends the wait") {
  test::Reply busy;
  busy.status = 503;
  busy.headers = {{"Retry-After", "30"}};
  test::TestServer server({busy});
  const auto start = std::chrono::steady_clock::now();
  int status = in_child(
      [&] {
        install_signal_handlers("ml-test");
        http::Client client;
        http::Request request;
        request.url = server.url("/");
        try {
          client.send(request);
        } catch (const Interrupted& e) {
          return e.exit_code();
        }
        return 98;
      },
      [](pid_t pid) {
        std::this_thread::sleep_for(500ms);
        ::kill(pid, SIGTERM);
      });
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 143);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("a second signal during the cleanup ends the process at once") {
  SilentServer silent;
  int status = in_child(
      [&] {
        install_signal_handlers("ml-test");
        http::Client client;
        http::Request request;
        request.url = silent.url("/");
        try {
          client.send(request);
        } catch (const Interrupted&) {
        }
        http::Request cleanup;
        cleanup.url = silent.url("/cleanup");
        client.send(cleanup);  // the second signal arrives during this one
        return 97;
      },
      [](pid_t pid) {
        std::this_thread::sleep_for(500ms);
        ::kill(pid, SIGINT);
        std::this_thread::sleep_for(1500ms);
        ::kill(pid, SIGINT);
      });
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
}
