/* tests/unit/lg_test.h - shared helpers for libcheck unit tests. */
#ifndef LG_TEST_H
#define LG_TEST_H

#include <check.h>
#include <dirent.h>
#include <leakgate/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A real-cgroup test cannot run here (why): print the skip, and fail the
 * test when the environment demands real cgroups (LG_REQUIRE_CGROUP=1, as
 * .ci/run sets it), so a CI machine without access cannot pass silently. */
static inline void lg_test_cgroup_skip(const char *test, const char *why) {
  const char *req = getenv("LG_REQUIRE_CGROUP");
  fprintf(stderr, "SKIP %s: %s\n", test, why);
  ck_assert_msg(!req || strcmp(req, "1") != 0,
                "%s: real cgroup test required (LG_REQUIRE_CGROUP=1) but: %s",
                test, why);
}

/* The whole file at path, NUL-terminated (the caller frees it); *len gets
 * its size when len is not NULL. NULL when it cannot be read. */
static inline char *lg_test_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *s = NULL, *t;
  size_t n = 0, cap = 0, got;
  if (!f)
    return NULL;
  do {
    if (cap - n < 4096) {
      cap = cap ? cap * 2 : 65536;
      t = realloc(s, cap + 1);
      if (!t) {
        free(s);
        fclose(f);
        return NULL;
      }
      s = t;
    }
    got = fread(s + n, 1, cap - n, f);
    n += got;
  } while (got > 0);
  if (ferror(f)) {
    free(s);
    fclose(f);
    return NULL;
  }
  fclose(f);
  s[n] = '\0';
  if (len)
    *len = n;
  return s;
}

/* Loads path for lg_test_bad_dir; returns the LG_E* code with err filled
 * (and must leave nothing allocated). */
typedef int (*lg_test_loader)(const char *path, lg_error *err);

/* Data-driven bad inputs: for each NAME<ext> in the source directory rel,
 * load must fail with LG_EINPUT, a one-line message that starts with the
 * file's path and contains the first line of NAME.err. Returns the number
 * of cases. */
static inline int lg_test_bad_dir_ext(const char *rel, const char *ext,
                                      lg_test_loader load) {
  char dir[512], path[1024], errp[1024], want[512];
  size_t el = strlen(ext);
  DIR *d;
  struct dirent *e;
  int n = 0;
  lg_test_src(rel, dir, sizeof dir);
  d = opendir(dir);
  ck_assert_msg(d != NULL, "%s: cannot open", dir);
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    lg_error err;
    FILE *f;
    if (len <= el || strcmp(e->d_name + len - el, ext) != 0)
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    snprintf(errp, sizeof errp, "%s/%.*s.err", dir, (int)(len - el),
             e->d_name);
    f = fopen(errp, "r");
    ck_assert_msg(f != NULL, "%s has no .err", e->d_name);
    ck_assert_ptr_nonnull(fgets(want, sizeof want, f));
    fclose(f);
    want[strcspn(want, "\n")] = '\0';
    lg_error_clear(&err);
    ck_assert_msg(load(path, &err) == LG_EINPUT,
                  "%s: accepted (or wrong code %d: %s)", e->d_name, err.code,
                  err.msg);
    ck_assert_msg(strstr(err.msg, want) != NULL, "%s: got '%s', want '%s'",
                  e->d_name, err.msg, want);
    ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0,
                  "%s: message does not name the file: %s", e->d_name, err.msg);
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "%s: message of two lines",
                  e->d_name);
    n++;
  }
  closedir(d);
  return n;
}

/* The same for NAME.json. */
static inline int lg_test_bad_dir(const char *rel, lg_test_loader load) {
  return lg_test_bad_dir_ext(rel, ".json", load);
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
