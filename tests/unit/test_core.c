/* test_core.c - the core helpers every module leans on.
 *
 * buf: the hard cap is a safety promise (no input makes leakgate grow past
 * it), so it is tested at the exact boundary, for each append form, and
 * for the sticky error: after the first failure nothing more is appended,
 * so a writer that checks once never produces text with a hole in it. The
 * library's asserts are live in the build the tests run (LG_ASSERT): a
 * broken invariant aborts here instead of passing unnoticed.
 * grow: the capped doubling every bounded array uses stops at its cap,
 * refuses past it and on overflow, and leaves the array alone on failure.
 * strv: copies, NULL termination, take/free, the entry cap.
 * fsutil: atomic writes replace whole files and leave no temp file, reads
 * honour their cap, mkdir -p refuses a symlink, create refuses a planted
 * symlink, the directory lock excludes a second holder, paths join, an
 * earlier run's files go by prefix and nothing else does.
 * error: lg_error_prefix passes the failure's own code on, the exit table.
 */
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/strv.h"
#include "lg_test.h"

#include <dirent.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

START_TEST(test_buf_cap_boundary) {
  lg_buf b;
  lg__buf_init(&b, 8);
  ck_assert_int_eq(lg__buf_appends(&b, "1234"), 0);
  ck_assert_int_eq(lg__buf_append(&b, "5678", 4), 0);
  ck_assert_uint_eq(b.len, 8);
  ck_assert_str_eq(b.data, "12345678");
  /* one byte past the cap fails, whatever the form */
  ck_assert_int_eq(lg__buf_append(&b, "9", 1), LG_ELIMIT);
  ck_assert_uint_eq(b.len, 8);
  ck_assert_str_eq(b.data, "12345678");
  lg__buf_reset(&b);
  ck_assert_int_eq(lg__buf_appendf(&b, "%s", "123456789"), LG_ELIMIT);
  ck_assert_uint_eq(b.len, 0);
  lg__buf_reset(&b);
  ck_assert_int_eq(lg__buf_appendf(&b, "%d%s", 1234, "5678"), 0);
  ck_assert_str_eq(b.data, "12345678");
  lg__buf_cleanup(&b);
  /* a huge length cannot wrap the size check around */
  lg__buf_init(&b, 16);
  ck_assert_int_eq(lg__buf_append(&b, "x", (size_t)-1), LG_ELIMIT);
  ck_assert_ptr_null(b.data);
  lg__buf_cleanup(&b);
}
END_TEST

START_TEST(test_buf_sticky_error) {
  lg_buf b;
  lg__buf_init(&b, 10);
  ck_assert_int_eq(lg__buf_error(&b), 0);
  lg__buf_appends(&b, "abc");
  ck_assert_int_eq(lg__buf_appends(&b, "0123456789"), LG_ELIMIT);
  /* later appends, even ones that would fit, do nothing */
  ck_assert_int_eq(lg__buf_appends(&b, "d"), LG_ELIMIT);
  ck_assert_int_eq(lg__buf_appendf(&b, "%c", 'e'), LG_ELIMIT);
  ck_assert_int_eq(lg__buf_append(&b, "", 0), LG_ELIMIT);
  ck_assert_str_eq(b.data, "abc");
  ck_assert_int_eq(lg__buf_error(&b), LG_ELIMIT);
  /* the first failure is the one kept */
  ck_assert_int_eq(lg__buf_fail(&b, LG_ENOMEM), LG_ELIMIT);
  lg__buf_reset(&b);
  ck_assert_int_eq(lg__buf_error(&b), 0);
  ck_assert_int_eq(lg__buf_appends(&b, "ok"), 0);
  ck_assert_str_eq(b.data, "ok");
  ck_assert_int_eq(lg__buf_fail(&b, LG_ENOMEM), LG_ENOMEM);
  ck_assert_int_eq(lg__buf_appends(&b, "x"), LG_ENOMEM);
  ck_assert_str_eq(b.data, "ok");
  lg__buf_cleanup(&b);
  ck_assert_int_eq(lg__buf_error(&b), 0);
}
END_TEST

/* lg__buf_fail(b, 0) would record no failure and hide one: the library's
 * assert stops it, which also proves asserts are compiled into the build
 * the unit tests run against (RelWithDebInfo defines NDEBUG). */
START_TEST(test_buf_assert_live) {
  int st;
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    lg_buf b;
    lg__buf_init(&b, 8);
    (void)lg__buf_fail(&b, 0);
    _exit(0);
  }
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
                "lg__buf_fail(b, 0) returned: asserts are compiled out");
}
END_TEST

START_TEST(test_buf_steal_and_growth) {
  lg_buf b;
  char *s;
  size_t i;
  lg__buf_init(&b, 1 << 20);
  s = lg__buf_steal(&b); /* nothing appended: an empty string, not NULL */
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s, "");
  free(s);
  for (i = 0; i < 10000; i++)
    ck_assert_int_eq(lg__buf_appendf(&b, "%05zu,", i), 0);
  ck_assert_uint_eq(b.len, 60000);
  ck_assert_uint_eq(strlen(b.data), 60000);
  ck_assert(strncmp(b.data + 59994, "09999,", 6) == 0);
  s = lg__buf_steal(&b);
  ck_assert_ptr_null(b.data);
  ck_assert_uint_eq(b.len, 0);
  free(s);
  lg__buf_cleanup(&b);
}
END_TEST

START_TEST(test_grow) {
  int *a = NULL;
  size_t cap = 0;
  ck_assert_int_eq(lg__grow((void **)&a, &cap, 1, sizeof *a, 100), 0);
  ck_assert_uint_eq(cap, 16); /* doubling starts at 16 */
  a[15] = 7;
  ck_assert_int_eq(lg__grow((void **)&a, &cap, 16, sizeof *a, 100), 0);
  ck_assert_uint_eq(cap, 16); /* holds it already: unchanged */
  ck_assert_int_eq(lg__grow((void **)&a, &cap, 17, sizeof *a, 100), 0);
  ck_assert_uint_eq(cap, 32);
  ck_assert_int_eq(a[15], 7); /* contents kept */
  ck_assert_int_eq(lg__grow((void **)&a, &cap, 65, sizeof *a, 100), 0);
  ck_assert_uint_eq(cap, 100); /* 128 clipped to the cap */
  a[99] = 1;
  {
    int *before = a;
    ck_assert_int_eq(lg__grow((void **)&a, &cap, 101, sizeof *a, 100),
                     LG_ELIMIT);
    ck_assert_ptr_eq(a, before);
    ck_assert_uint_eq(cap, 100);
    /* elements so large that the byte count would wrap */
    ck_assert_int_eq(lg__grow((void **)&a, &cap, 101, SIZE_MAX / 64, SIZE_MAX),
                     LG_ELIMIT);
    ck_assert_ptr_eq(a, before);
    ck_assert_uint_eq(cap, 100);
  }
  free(a);
}
END_TEST

START_TEST(test_strv) {
  lg_strv sv = {0};
  char src[] = "arg";
  char **v;
  size_t i;
  int rc = 0;
  ck_assert_int_eq(lg__strv_push(&sv, src), 0);
  src[0] = 'X'; /* a copy was pushed */
  ck_assert_int_eq(lg__strv_pushf(&sv, "--port=%d", 8080), 0);
  ck_assert_uint_eq(sv.n, 2);
  ck_assert_str_eq(sv.v[0], "arg");
  ck_assert_str_eq(sv.v[1], "--port=8080");
  ck_assert_ptr_null(sv.v[2]);
  v = lg__strv_take(&sv);
  ck_assert_ptr_null(sv.v);
  ck_assert_uint_eq(sv.n, 0);
  ck_assert_str_eq(v[1], "--port=8080");
  ck_assert_ptr_null(v[2]);
  lg__strv_free(v);
  /* taking an empty vector gives an empty, NULL-terminated one */
  v = lg__strv_take(&sv);
  ck_assert_ptr_nonnull(v);
  ck_assert_ptr_null(v[0]);
  lg__strv_free(v);
  /* the entry cap */
  for (i = 0; i < LG_STRV_MAX + 1 && rc == 0; i++)
    rc = lg__strv_push(&sv, "a");
  ck_assert_int_eq(rc, LG_ELIMIT);
  ck_assert_uint_eq(sv.n + 1, LG_STRV_MAX); /* with its NULL */
  ck_assert_ptr_null(sv.v[sv.n]);
  lg__strv_cleanup(&sv);
  ck_assert_ptr_null(sv.v);
  ck_assert_uint_eq(sv.n, 0);
}
END_TEST

static char tmp[512];

static void make_tmp(void) {
  char b[512];
  snprintf(tmp, sizeof tmp, "%s",
           lg_test_bin("tests/out/core-XXXXXX", b, sizeof b));
  mkdir(lg_test_bin("tests/out", b, sizeof b), 0755);
  ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  ck_assert_ptr_nonnull(d);
  while ((e = readdir(d)))
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

START_TEST(test_fsutil_write_read) {
  char *path, *out = NULL;
  size_t len = 0;
  lg_error err;
  make_tmp();
  path = lg__path_join(tmp, "f.json");
  ck_assert_ptr_nonnull(path);
  ck_assert_int_eq(lg__write_atomic(path, "first", 5, &err), 0);
  ck_assert_int_eq(lg__write_atomic(path, "second\n", 7, &err), 0);
  ck_assert_int_eq(count_entries(tmp), 1); /* no temp file left */
  ck_assert_int_eq(lg__read_file(path, 7, &out, &len, &err), 0);
  ck_assert_uint_eq(len, 7);
  ck_assert_str_eq(out, "second\n");
  free(out);
  /* one byte more than the cap is refused, nothing returned */
  out = NULL;
  ck_assert_int_eq(lg__read_file(path, 6, &out, &len, &err), LG_ELIMIT);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(lg__read_file("/nonexistent/x", 10, &out, &len, &err),
                   LG_ENOENT);
  {
    char small[8];
    ck_assert_int_eq(lg__read_small(path, small, sizeof small), 7);
    ck_assert_str_eq(small, "second\n");
    ck_assert_int_lt(lg__read_small(path, small, 7), 0);
  }
  free(path);
}
END_TEST

START_TEST(test_fsutil_dirs_and_links) {
  char *deep, *link, *victim, *f;
  lg_error err;
  int fd;
  make_tmp();
  deep = lg__path_join(tmp, "a/b/c");
  ck_assert_int_eq(lg__mkdir_p(deep, &err), 0);
  ck_assert_int_eq(lg__mkdir_p(deep, &err), 0); /* existing is fine */
  link = lg__path_join(tmp, "link");
  ck_assert_int_eq(symlink(deep, link), 0);
  ck_assert_int_ne(lg__mkdir_p(link, &err), 0);
  /* a symlink planted where a file is created is refused */
  victim = lg__path_join(tmp, "victim");
  f = lg__path_join(tmp, "out.csv");
  ck_assert_int_eq(symlink(victim, f), 0);
  ck_assert_int_lt(lg__create_file(f, &err), 0);
  ck_assert_int_eq(access(victim, F_OK), -1);
  unlink(f);
  fd = lg__create_file(f, &err);
  ck_assert_int_ge(fd, 0);
  close(fd);
  free(deep);
  free(link);
  free(victim);
  free(f);
  /* join keeps one slash */
  f = lg__path_join("dir/", "name");
  ck_assert_str_eq(f, "dir/name");
  free(f);
}
END_TEST

START_TEST(test_fsutil_remove_prefixed) {
  static const char *const prefixes[] = {"samples", "memcheck-", NULL};
  static const char *const files[] = {"samples.csv", "samples.csv.tmp",
                                      "memcheck-1.xml", "result.json",
                                      "my-samples.csv"};
  char *p, *target, *link, *dir;
  lg_error err;
  size_t i;
  int fd;
  make_tmp();
  for (i = 0; i < sizeof files / sizeof *files; i++) {
    p = lg__path_join(tmp, files[i]);
    fd = lg__create_file(p, &err);
    ck_assert_int_ge(fd, 0);
    close(fd);
    free(p);
  }
  /* a symlink of such a name goes, what it points at stays */
  target = lg__path_join(tmp, "kept-target");
  fd = lg__create_file(target, &err);
  ck_assert_int_ge(fd, 0);
  close(fd);
  link = lg__path_join(tmp, "memcheck-link.xml");
  ck_assert_int_eq(symlink(target, link), 0);
  dir = lg__path_join(tmp, "samples.d"); /* a directory is left alone */
  ck_assert_int_eq(mkdir(dir, 0755), 0);
  ck_assert_int_eq(count_entries(tmp), 8);
  ck_assert_int_eq(lg__remove_prefixed(tmp, prefixes, &err), 0);
  ck_assert_int_eq(count_entries(tmp), 4);
  ck_assert_int_eq(access(target, F_OK), 0);
  ck_assert_int_eq(access(dir, F_OK), 0);
  p = lg__path_join(tmp, "result.json");
  ck_assert_int_eq(access(p, F_OK), 0);
  free(p);
  p = lg__path_join(tmp, "my-samples.csv"); /* a prefix, not a substring */
  ck_assert_int_eq(access(p, F_OK), 0);
  free(p);
  ck_assert_int_eq(lg__remove_prefixed("/nonexistent/x", prefixes, &err),
                   LG_EIO);
  free(target);
  free(link);
  free(dir);
}
END_TEST

START_TEST(test_fsutil_lock_dir) {
  lg_error err;
  int fd, st;
  pid_t pid;
  make_tmp();
  fd = lg__lock_dir(tmp, &err);
  ck_assert_int_ge(fd, 0);
  pid = fork();
  if (pid == 0) {
    lg_error e2;
    _exit(lg__lock_dir(tmp, &e2) == LG_EIO ? 0 : 1);
  }
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                "a second process got the lock");
  close(fd);
  fd = lg__lock_dir(tmp, &err);
  ck_assert_int_ge(fd, 0);
  close(fd);
}
END_TEST

/* The failure passed on keeps its code with or without an lg_error: an
 * out-of-memory under a NULL error must not become an input error (exit 2
 * instead of 4). */
START_TEST(test_error_prefix_keeps_code) {
  lg_error err;
  ck_assert_int_eq(lg_error_prefix(NULL, LG_ENOMEM, "ctx %d", 1), LG_ENOMEM);
  ck_assert_int_eq(lg_error_exit_code(lg_error_prefix(NULL, LG_ENOMEM, "x")),
                   LG_EXIT_ERROR);
  ck_assert_int_eq(lg_error_prefix(NULL, LG_EINPUT, "x"), LG_EINPUT);
  lg_error_set(&err, LG_ETOOL, "valgrind: not found");
  ck_assert_int_eq(lg_error_prefix(&err, LG_ETOOL, "memcheck tier %s", "x"),
                   LG_ETOOL);
  ck_assert_str_eq(err.msg, "memcheck tier x: valgrind: not found");
  ck_assert_int_eq(err.code, LG_ETOOL);
  /* the exit-code table */
  ck_assert_int_eq(lg_error_exit_code(LG_OK), LG_EXIT_PASS);
  ck_assert_int_eq(lg_error_exit_code(LG_EINPUT), LG_EXIT_USAGE);
  ck_assert_int_eq(lg_error_exit_code(LG_ENOENT), LG_EXIT_USAGE);
  ck_assert_int_eq(lg_error_exit_code(LG_ECGROUP), LG_EXIT_ERROR);
  ck_assert_int_eq(lg_error_exit_code(-999), LG_EXIT_ERROR);
  ck_assert_int_eq(LG_EXIT_PASS, 0);
  ck_assert_int_eq(LG_EXIT_FAIL, 1);
  ck_assert_int_eq(LG_EXIT_USAGE, 2);
  ck_assert_int_eq(LG_EXIT_INCONCLUSIVE, 3);
  ck_assert_int_eq(LG_EXIT_ERROR, 4);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("core");
  TCase *t = tcase_create("buf");
  tcase_add_test(t, test_buf_cap_boundary);
  tcase_add_test(t, test_buf_sticky_error);
  tcase_add_test(t, test_buf_steal_and_growth);
  tcase_add_test(t, test_buf_assert_live);
  tcase_add_test(t, test_grow);
  suite_add_tcase(s, t);
  t = tcase_create("strv");
  tcase_add_test(t, test_strv);
  suite_add_tcase(s, t);
  t = tcase_create("fsutil");
  tcase_add_test(t, test_fsutil_write_read);
  tcase_add_test(t, test_fsutil_dirs_and_links);
  tcase_add_test(t, test_fsutil_lock_dir);
  tcase_add_test(t, test_fsutil_remove_prefixed);
  suite_add_tcase(s, t);
  t = tcase_create("error");
  tcase_add_test(t, test_error_prefix_keeps_code);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
