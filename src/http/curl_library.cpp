#include "http/curl_library.hpp"

#include <dlfcn.h>

#include <string>

#include "core/error.hpp"

namespace lean::http {

namespace {
[[noreturn]] void throw_unloadable(const char* soname, const std::string& why) {
  throw Error(ExitStatus::usage, soname,
              why +
                  ": ml-release, ml-compare --baseline-registry and ml-drift --pushgateway need libcurl 4 "
                  "(Debian/Ubuntu package libcurl4, Fedora/RHEL libcurl)");
}

template <typename Function>
void resolve(void* library, const char* soname, const char* name, Function*& entry) {
  void* symbol = dlsym(library, name);
  if (!symbol) throw_unloadable(soname, std::string("has no ") + name);
  entry = reinterpret_cast<Function*>(symbol);
}
}  // namespace

CurlLibrary CurlLibrary::load(const char* soname) {
  // Never closed: curl's global state lives as long as the process.
  void* library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* reason = dlerror();
    throw_unloadable(soname, std::string("cannot be loaded (") + (reason ? reason : "not found") + ")");
  }
  CurlLibrary curl{};
  resolve(library, soname, "curl_global_init", curl.global_init);
  resolve(library, soname, "curl_easy_init", curl.easy_init);
  resolve(library, soname, "curl_easy_cleanup", curl.easy_cleanup);
  resolve(library, soname, "curl_easy_reset", curl.easy_reset);
  resolve(library, soname, "curl_easy_setopt", curl.easy_setopt);
  resolve(library, soname, "curl_easy_getinfo", curl.easy_getinfo);
  resolve(library, soname, "curl_easy_perform", curl.easy_perform);
  resolve(library, soname, "curl_easy_strerror", curl.easy_strerror);
  resolve(library, soname, "curl_slist_append", curl.slist_append);
  resolve(library, soname, "curl_slist_free_all", curl.slist_free_all);
  return curl;
}

const CurlLibrary& curl_library() {
  // A throw leaves the static uninitialised, so the next call tries (and explains) again.
  static const CurlLibrary curl = [] {
    CurlLibrary loaded = CurlLibrary::load("libcurl.so.4");
    loaded.global_init(CURL_GLOBAL_DEFAULT);
    return loaded;
  }();
  return curl;
}

}  // namespace lean::http
