# Bounded fuzz smoke tests (issue 9 item 4): each libFuzzer target of
# tests/fuzz/ runs LG_FUZZ_SMOKE_RUNS inputs from a fixed seed over its
# committed corpus (LG_FUZZ_SMOKE_SECONDS is only a ceiling for slow
# machines), built with clang under ASan+UBSan into <build>/fuzz by
# tests/fuzz/run.sh. Fixed seed and count make the result the same on every
# machine: a CI run must not depend on luck. Open-ended fuzzing is
# `tests/fuzz/run.sh -t SECONDS` (README there).
# Label `fuzz`. A test is skipped (exit 77, reason printed) only when clang
# or its libFuzzer runtime is absent, and never under LG_CI=1 (.ci/run),
# where that fails; a crash, leak or broken promise fails.
# The targets share one build dir, so they run one at a time (RESOURCE_LOCK);
# fuzz.build configures and compiles them first.
set(LG_FUZZ_SMOKE_RUNS 15000 CACHE STRING "Inputs per fuzz target in ctest")
set(LG_FUZZ_SMOKE_SECONDS 45 CACHE STRING "Ceiling in seconds per fuzz target in ctest")
set(lg_fuzz_env "FUZZ_BUILD=${CMAKE_BINARY_DIR}/fuzz")
file(GLOB lg_fuzz_dirs LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/*)
add_test(NAME fuzz.build COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run.sh -s -b)
set_tests_properties(fuzz.build PROPERTIES LABELS fuzz TIMEOUT 600
  SKIP_RETURN_CODE 77 ENVIRONMENT "${lg_fuzz_env}" FIXTURES_SETUP lg_fuzz
  RESOURCE_LOCK lg_fuzz_build)
foreach(dir ${lg_fuzz_dirs})
  get_filename_component(name ${dir} NAME)
  if(NOT EXISTS ${dir}/fuzz_${name}.c)
    continue()
  endif()
  add_test(NAME fuzz.${name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run.sh -s -r ${LG_FUZZ_SMOKE_RUNS}
            -t ${LG_FUZZ_SMOKE_SECONDS} ${name})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 300
    SKIP_RETURN_CODE 77 ENVIRONMENT "${lg_fuzz_env}" FIXTURES_REQUIRED lg_fuzz
    RESOURCE_LOCK lg_fuzz_build)
endforeach()
