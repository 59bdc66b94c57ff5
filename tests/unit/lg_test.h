/* tests/unit/lg_test.h - shared helpers for libcheck unit tests. */
#ifndef LG_TEST_H
#define LG_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* Absolute path of a file in the source tree (LG_SOURCE_DIR set by ctest). */
static inline const char *lg_test_src(const char *rel, char *buf, size_t cap) {
  const char *root = getenv("LG_SOURCE_DIR");
  snprintf(buf, cap, "%s/%s", root ? root : ".", rel);
  return buf;
}

/* Absolute path of a file in the build tree (LG_BINARY_DIR set by ctest). */
static inline const char *lg_test_bin(const char *rel, char *buf, size_t cap) {
  const char *root = getenv("LG_BINARY_DIR");
  snprintf(buf, cap, "%s/%s", root ? root : "build", rel);
  return buf;
}

/* Run one suite and return the process exit status. */
static inline int lg_test_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
