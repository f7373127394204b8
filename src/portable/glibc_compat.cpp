// Linked into every tool when LEAN_MLOPS_STATIC_RUNTIME is on (cmake/StaticRuntime.cmake).
//
// The static libstdc++ of GCC 12 on Debian 12 calls arc4random(), which glibc only has
// since 2.36, so binaries linked on Debian 12 would not start on ubuntu-22.04 (glibc 2.35)
// or RHEL 9 (2.34). Defined here, in an object linked before libstdc++.a, the reference
// resolves to this definition and the binaries need no glibc newer than 2.35 (the static
// libgcc's unwinder uses _dl_find_object, 2.35); tests/ci/test_package.py checks the symbol
// versions with objdump -T.
#include <sys/random.h>

#include <cerrno>
#include <cstdint>

extern "C" std::uint32_t arc4random(void) {
  std::uint32_t value = 0;
  for (;;) {
    // getrandom (glibc 2.25) blocks only until the kernel pool is initialised, as glibc's
    // own arc4random does.
    const auto n = getrandom(&value, sizeof value, 0);
    if (n == static_cast<decltype(n)>(sizeof value)) return value;
    if (n < 0 && errno != EINTR) __builtin_trap();  // no entropy source at all: cannot continue safely
  }
}
