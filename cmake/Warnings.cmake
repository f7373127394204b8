# lean_warnings: the warning set every target of ours compiles with; LEAN_MLOPS_WERROR (CI)
# makes each one an error.
option(LEAN_MLOPS_WERROR "Treat compiler warnings as errors (CI)" OFF)
add_library(lean_warnings INTERFACE)
target_compile_options(lean_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  # GCC 12 reports false -Wrestrict overlaps inside std::string operator+ at -O3 (GCC PR 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
if(LEAN_MLOPS_WERROR)
  target_compile_options(lean_warnings INTERFACE -Werror)
endif()
