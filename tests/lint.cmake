# Static analysis in ctest (issue 9 item 5), label `lint`: cppcheck runs in
# about 10 s. clang-tidy (ci/lint.sh, about 2-3 min on 2 cores) is a
# separate CI step instead, outside the 10-minute ctest budget.
add_test(NAME lint.cppcheck COMMAND sh ${PROJECT_SOURCE_DIR}/ci/cppcheck.sh)
set_tests_properties(lint.cppcheck PROPERTIES LABELS lint TIMEOUT 120
  SKIP_RETURN_CODE 77)
