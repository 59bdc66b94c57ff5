# End-to-end tests: each tests/e2e/test_*.sh runs the real binary.
file(GLOB lg_e2e_scripts CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_*.sh)
foreach(script ${lg_e2e_scripts})
  get_filename_component(name ${script} NAME_WE)
  string(REGEX REPLACE "^test_" "" name ${name})
  add_test(NAME e2e.${name} COMMAND sh ${script})
  # exit 77 = skipped (a tool the test needs is absent): reported as such,
  # never as a pass.
  set_tests_properties(e2e.${name} PROPERTIES LABELS "e2e" TIMEOUT 240
    SKIP_RETURN_CODE 77
    ENVIRONMENT "LG_SOURCE_DIR=${PROJECT_SOURCE_DIR};LG_BINARY_DIR=${CMAKE_BINARY_DIR}")
endforeach()
# The managed-runtime e2e tests (issue 12) run 25 s cells two at a time:
# up to about 2.5 minutes each.
foreach(rt go jvm node python)
  if(TEST e2e.runtime_${rt})
    set_tests_properties(e2e.runtime_${rt} PROPERTIES TIMEOUT 600 LABELS "e2e;runtime")
  endif()
endforeach()
