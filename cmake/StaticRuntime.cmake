# Static C++ runtime and Boost: start-up skips most dynamic symbol lookups (over half of a
# gate's instructions otherwise), and the binaries run on runners whose libstdc++ is older.
# Release binaries must run on the oldest supported runner image, glibc 2.35 (ubuntu-22.04;
# Debian 12 has 2.36; see docs/github.md), checked by tests/ci/test_package.py: glibc,
# libcurl, OpenSSL and zlib stay dynamic (present on every supported image), except in the
# tools that link glibc alone (LEAN_GLIBC_ONLY_TOOLS in CMakeLists.txt).
option(LEAN_MLOPS_STATIC_RUNTIME "Link libstdc++, libgcc and Boost statically" ON)
if(LEAN_MLOPS_STATIC_RUNTIME)
  set(Boost_USE_STATIC_LIBS ON)
  add_link_options(-static-libstdc++ -static-libgcc)
  # libstdc++.a of Debian 12 calls arc4random (glibc 2.36): src/portable/glibc_compat.cpp.
  add_library(lean_portable OBJECT ${CMAKE_SOURCE_DIR}/src/portable/glibc_compat.cpp)
endif()
