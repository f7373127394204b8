#pragma once

#include <curl/curl.h>

namespace lean::http {

// libcurl, loaded when the first request is made instead of at start-up. Linked the usual
// way, libcurl and the ~30 libraries it pulls in are mapped and relocated at every start of
// every tool that *could* make a request (ml-compare with a registry baseline, ml-drift
// --pushgateway, ml-release on a local folder): about 25 ms of page faults and symbol
// lookups, several times a whole gate. Linux linkers have no delay-load option and Debian
// packages no stub generator, so the ten entry points the client calls are resolved here.
struct CurlLibrary {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL* handle);
  void (*easy_reset)(CURL* handle);
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  CURLcode (*easy_perform)(CURL* handle);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* line);
  void (*slist_free_all)(curl_slist* list);

  // Loads `soname` and resolves every entry point, or throws a configuration error (exit 2)
  // that names the library and the package to install.
  static CurlLibrary load(const char* soname);
};

// The process's libcurl 4, loaded and globally initialised once, on first use.
const CurlLibrary& curl_library();

}  // namespace lean::http
