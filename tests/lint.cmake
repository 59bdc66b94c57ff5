# Static analysis in ctest (issue 9 item 5), label `lint`: cppcheck runs in
# about 10 s. clang-tidy (ci/lint.sh, about 2-3 min on 2 cores) is a
# separate CI step instead, outside the 10-minute ctest budget.
add_test(NAME lint.cppcheck COMMAND sh ${PROJECT_SOURCE_DIR}/ci/cppcheck.sh)
set_tests_properties(lint.cppcheck PROPERTIES LABELS lint TIMEOUT 120
  SKIP_RETURN_CODE 77)

# The public API is exactly what include/leakgate/ declares (issue 14 item
# 5): every global symbol of libleakgate.a is lg_ and declared there, or
# internal lg__ (harness/README.md "Names"). Labelled unit too, so the
# land protocol's unit run catches a new global before it lands.
add_test(NAME lint.symbols
  COMMAND ${CMAKE_COMMAND} -E env CC=${CMAKE_C_COMPILER}
          sh ${PROJECT_SOURCE_DIR}/ci/internal-names.sh check
          $<TARGET_FILE:leakgate>)
set_tests_properties(lint.symbols PROPERTIES LABELS "lint;unit" TIMEOUT 60)
