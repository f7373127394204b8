#include "http/curl_library.hpp"

#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"

using lean::Error;
using lean::ExitStatus;
using lean::http::CurlLibrary;

namespace {
Error load_error(const char* soname) {
  try {
    CurlLibrary::load(soname);
  } catch (const Error& error) {
    return error;
  }
  FAIL("loading " << soname << " did not throw");
  return Error(ExitStatus::pass, "", "");
}
}  // namespace

TEST_CASE("curl_library: the system's libcurl 4 resolves every entry point and answers") {
  const auto& curl = lean::http::curl_library();
  CHECK(std::string(curl.easy_strerror(CURLE_OK)) == "No error");
  CURL* handle = curl.easy_init();
  REQUIRE(handle != nullptr);
  CHECK(curl.easy_setopt(handle, CURLOPT_URL, "http://127.0.0.1:9/") == CURLE_OK);
  curl.easy_cleanup(handle);
}

TEST_CASE("curl_library: a missing libcurl is a configuration error naming the package") {
  const Error error = load_error("libcurl-that-is-not-installed.so.4");
  CHECK(error.status() == ExitStatus::usage);
  CHECK(error.subject() == "libcurl-that-is-not-installed.so.4");
  CHECK(std::string(error.what()).find("cannot be loaded (") == 0);
  CHECK(std::string(error.what()).find("Debian/Ubuntu package libcurl4") != std::string::npos);
}

TEST_CASE("curl_library: a library without curl's entry points is refused") {
  const Error error = load_error("libc.so.6");
  CHECK(error.status() == ExitStatus::usage);
  CHECK(std::string(error.what()).find("has no curl_global_init:") == 0);
}
