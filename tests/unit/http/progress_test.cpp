#include "http/progress.hpp"

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

using namespace lean;

namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
  return out;
}

int count_lines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

}  // namespace

TEST_CASE("not a terminal: at most one line per 10%, ending at 100%") {
  std::FILE* out = std::tmpfile();
  {
    http::Progress progress("s3://b/model.bin", 1000, out, false);
    for (int i = 0; i < 1000; ++i) progress.advance(1);
    progress.finish();
  }
  auto text = contents(out);
  CHECK(count_lines(text) == 10);
  CHECK(text.find("s3://b/model.bin: 10% (100 B of 1000 B)\n") == 0);
  CHECK(text.find("s3://b/model.bin: 100% (1000 B of 1000 B)\n") != std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  std::fclose(out);
}

TEST_CASE("not a terminal: a jump over several steps prints once; a retry does not print again") {
  std::FILE* out = std::tmpfile();
  {
    http::Progress progress("upload", 100, out, false);
    progress.advance(55);
    progress.advance(-55);
    progress.advance(30);
    progress.finish();
  }
  auto text = contents(out);
  CHECK(text == "upload: 50% (55 B of 100 B)\nupload: 100% (100 B of 100 B)\n");
  std::fclose(out);
}

TEST_CASE("a terminal: a bar redrawn in place, ended by a newline") {
  std::FILE* out = std::tmpfile();
  {
    http::Progress progress("upload", 1 << 20, out, true);
    progress.advance(1 << 19);
    progress.finish();
  }
  auto text = contents(out);
  CHECK(text.front() == '\r');
  CHECK(text.back() == '\n');
  CHECK(count_lines(text) == 1);
  CHECK(text.find("100%") != std::string::npos);
  CHECK(text.find("1.0 MiB/1.0 MiB") != std::string::npos);
  std::fclose(out);
}

TEST_CASE("parts in flight advance it from several threads") {
  std::FILE* out = std::tmpfile();
  {
    http::Progress progress("upload", 4 * 100000, out, false);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 100000; ++i) progress.advance(1);
      });
    }
    for (auto& t : threads) t.join();
  }
  auto text = contents(out);
  CHECK(count_lines(text) == 10);
  CHECK(text.find("100%") != std::string::npos);
  std::fclose(out);
}

TEST_CASE("byte counts read as people write them") {
  CHECK(http::format_bytes(512) == "512 B");
  CHECK(http::format_bytes(1536) == "1.5 KiB");
  CHECK(http::format_bytes(1024.0 * 1024 * 1024) == "1.0 GiB");
}
