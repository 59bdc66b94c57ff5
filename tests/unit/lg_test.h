/* tests/unit/lg_test.h - shared helpers for libcheck unit tests. */
#ifndef LG_TEST_H
#define LG_TEST_H

#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mman.h>
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

/* Skips, counted across check's forked test processes in a shared page:
 * lg_test_run exits with LG_TEST_SKIPPED (ctest's SKIP_RETURN_CODE, set by
 * lg_unit_test) when every test passed but one or more skipped, so a test
 * that could not run is reported as skipped, never as passed. */
#define LG_TEST_SKIPPED 77
static int *lg_test_skips_;

static inline bool lg_test_env_is(const char *name) {
  const char *v = getenv(name);
  return v && strcmp(v, "1") == 0;
}

/* This test cannot run here (why: the tool or access it lacks): print SKIP
 * and count it; the caller then returns from the test. When the
 * environment demands every test (var, e.g. LG_REQUIRE_CGROUP, or LG_CI,
 * both set by .ci/run) it fails instead, so CI cannot pass without it. */
static inline void lg_test_skip_unless_env(const char *var, const char *test,
                                           const char *why) {
  fprintf(stderr, "SKIP %s: %s\n", test, why);
  ck_assert_msg(!lg_test_env_is(var) && !lg_test_env_is("LG_CI"),
                "%s: required here (%s=1%s) but: %s", test, var,
                strcmp(var, "LG_CI") ? " or LG_CI=1" : "", why);
  if (lg_test_skips_)
    __atomic_add_fetch(lg_test_skips_, 1, __ATOMIC_SEQ_CST);
}

/* A test that needs a tool cannot run here (fails under LG_CI=1). */
static inline void lg_test_skip(const char *test, const char *why) {
  lg_test_skip_unless_env("LG_CI", test, why);
}

/* A real-cgroup test cannot run here (fails under LG_REQUIRE_CGROUP=1). */
static inline void lg_test_cgroup_skip(const char *test, const char *why) {
  lg_test_skip_unless_env("LG_REQUIRE_CGROUP", test, why);
}

/* Reading files, the one helper family of the tests:
 *   lg_test_slurp(path, &len)    malloc'd copy (caller frees), NULL if
 *                                unreadable
 *   lg_test_read(path, &len)     the same, failing the test if unreadable
 *   lg_test_read_src(rel, &len)  lg_test_read of a source-tree file
 *   lg_test_read_into(path, buf, cap)  into buf, cut to fit: its length,
 *                                or -1 (buf "") if unreadable
 *   lg_test_text(fmt, ...)       the file at a printf-formatted path in a
 *                                static buffer, for use in an assertion;
 *                                valid until the next call; fails the test
 *                                if unreadable or over 1 MiB
 * Every *len gets the file's size when len is not NULL. */
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

static inline char *lg_test_read(const char *path, size_t *len) {
  char *s = lg_test_slurp(path, len);
  ck_assert_msg(s != NULL, "%s: cannot read", path);
  return s;
}

static inline char *lg_test_read_src(const char *rel, size_t *len) {
  char path[1024];
  return lg_test_read(lg_test_src(rel, path, sizeof path), len);
}

static inline long lg_test_read_into(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  size_t n;
  buf[0] = '\0';
  if (!f)
    return -1;
  n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = '\0';
  return (long)n;
}

static inline const char *lg_test_text(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline const char *lg_test_text(const char *fmt, ...) {
  static char text[1 << 20];
  char path[1024];
  va_list ap;
  long n;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  n = lg_test_read_into(path, text, sizeof text);
  ck_assert_msg(n >= 0, "%s: cannot read", path);
  ck_assert_msg((size_t)n < sizeof text - 1, "%s: over 1 MiB", path);
  return text;
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
    snprintf(errp, sizeof errp, "%s/%.*s.err", dir, (int)(len - el), e->d_name);
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

/* Run one suite and return the process exit status: failure, else
 * LG_TEST_SKIPPED when a test skipped (lg_test_skip), else success. */
static inline int lg_test_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  void *page = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int failed, skipped;
  /* Without the shared page a skip could not be counted and would report
   * as a pass. */
  if (page == MAP_FAILED) {
    perror("lg_test_run: mmap of the skip counter");
    srunner_free(sr);
    return EXIT_FAILURE;
  }
  lg_test_skips_ = (int *)page;
  *lg_test_skips_ = 0;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  skipped = *lg_test_skips_;
  munmap(page, sizeof(int));
  lg_test_skips_ = NULL;
  if (failed)
    return EXIT_FAILURE;
  if (skipped)
    fprintf(stderr, "%d test%s skipped: reported to ctest as skipped\n",
            skipped, skipped == 1 ? "" : "s");
  return skipped ? LG_TEST_SKIPPED : EXIT_SUCCESS;
}

#endif
