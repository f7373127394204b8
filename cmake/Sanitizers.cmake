# Hardening builds (docs/hardening.md): ASan+UBSan over everything, or libFuzzer targets
# (clang). A sanitizer runtime needs the dynamic C++ runtime to see every new/delete, so
# include this before StaticRuntime.cmake.
option(LEAN_MLOPS_SANITIZE "Build everything with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
option(LEAN_MLOPS_FUZZ "Build the libFuzzer targets of tests/fuzz (clang; implies the sanitizers)" OFF)
if(LEAN_MLOPS_SANITIZE OR LEAN_MLOPS_FUZZ)
  set(LEAN_MLOPS_STATIC_RUNTIME OFF CACHE BOOL "Link libstdc++, libgcc and Boost statically" FORCE)
  # Any report is fatal, so a test sees a non-zero exit instead of a line it may ignore.
  # -O1 -g1 (after the build type's flags, so they win): line tables are all a report's stack
  # needs, and GCC compiles -O2 -g with UBSan more than twice as slowly (release.cpp: 127 s
  # against 57 s), which is most of the CI's sanitizer stage.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=address,undefined)
  if(LEAN_MLOPS_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
endif()
