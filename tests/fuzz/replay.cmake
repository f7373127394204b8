# Every fuzz target also runs in the ordinary test suite, without libFuzzer: a small main
# feeds it each seed (tests/fuzz/corpus/<target>/) and each input that once crashed it
# (tests/fuzz/regressions/<target>/), so a fixed crash stays fixed in every build, the
# sanitizer build included.
file(GLOB FUZZ_REPLAY_TARGETS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
list(FILTER FUZZ_REPLAY_TARGETS EXCLUDE REGEX "/replay_main\\.cpp$")
foreach(source ${FUZZ_REPLAY_TARGETS})
  get_filename_component(name ${source} NAME_WE)
  add_executable(replay_${name} ${source} ${CMAKE_CURRENT_LIST_DIR}/replay_main.cpp)
  target_link_libraries(replay_${name} PRIVATE lean_mlops lean_system_libs lean_warnings)
  add_test(NAME fuzz_replay_${name}
           COMMAND replay_${name} ${CMAKE_CURRENT_LIST_DIR}/corpus/${name} ${CMAKE_CURRENT_LIST_DIR}/regressions/${name})
endforeach()
