/* test_heapsampler.c - the heap sampler (libleakgate-heapsampler.so) live,
 * preloaded into real programs: heap_zoo (every allocation entry point,
 * C++ new/delete, threads, fork, exec) must behave exactly as without it
 * and its kept blocks must come back exact at period 1; a program with its
 * own malloc and one running under jemalloc must be refused with "cannot
 * profile this service"; without LG_HEAPPROF_DIR it only forwards. */
#include "lg_test.h"

#include <leakgate/heapprof.h>
#include <leakgate/pprof.h>

#include <dirent.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define JEMALLOC "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

static char sampler[4096];

static void setup(void) {
  lg_error err;
  ck_assert_msg(lg_heapsampler_path(sampler, sizeof sampler, &err) == 0, "%s",
                err.msg);
}

/* Run fixture name with the given environment; its exit status. */
static int run(const char *name, const char *arg, char *const env[]) {
  char path[4096];
  char *argv[] = {path, (char *)arg, NULL};
  pid_t pid;
  int st;
  lg_test_bin(name, path, sizeof path);
  ck_assert_int_eq(posix_spawn(&pid, path, NULL, NULL, argv, env), 0);
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void rm_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[4096];
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    unlink(p);
  }
  if (d)
    closedir(d);
  rmdir(dir);
}

/* inuse_objects of the site named fn in a pprof snapshot (0 if absent). */
static int64_t objects_of(const lg_pprof *p, const char *fn) {
  int col = lg_pprof_sample_type(p, "inuse_objects");
  int64_t n = 0;
  size_t i;
  for (i = 0; i < p->n_samples; i++) {
    const lg_pprof_location *l = &p->locations[p->samples[i].locations[0]];
    if (l->n_lines && strcmp(p->functions[l->lines[0].function].name, fn) == 0)
      n += p->samples[i].values[col];
  }
  return n;
}

START_TEST(t_zoo) {
  char dir[] = "/tmp/lg_zoo_XXXXXX", preload[4200], envdir[4200], snap[4200];
  char *env[] = {preload, envdir, (char *)"LG_HEAPPROF_PERIOD=1", NULL};
  char *plain[] = {NULL};
  lg_heapprof *h = NULL;
  lg_heapprof_opts o;
  lg_result *r = lg_result_new();
  lg_pprof *p = NULL;
  lg_error err;
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(preload, sizeof preload, "LD_PRELOAD=%s", sampler);
  snprintf(envdir, sizeof envdir, "LG_HEAPPROF_DIR=%s", dir);
  /* the program's own checks hold with and without the sampler */
  ck_assert_int_eq(run("tests/fixtures/heap_zoo", NULL, plain), 0);
  ck_assert_int_eq(run("tests/fixtures/heap_zoo", NULL, env), 0);
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_msg(lg_heapprof_add_stream_dir(h, dir, &err) == 0, "%s", err.msg);
  /* the process, its forked child, the exec'd child before and after exec */
  ck_assert_uint_eq(lg_heapprof_streams(h), 4);
  ck_assert_uint_eq(lg_heapprof_notes(h), 0);
  lg_heapprof_opts_init(&o);
  o.snapshots = 1; /* at the end */
  o.snapshot_dir = dir;
  ck_assert_msg(lg_heapprof_finish(h, &o, &r->heap_profile, &err) == 0, "%s",
                err.msg);
  snprintf(snap, sizeof snap, "%s/snapshot.00.pb.gz", dir);
  ck_assert_msg(lg_pprof_read_file(snap, &p, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(objects_of(p, "zoo_leak(unsigned long)"), 100);
  ck_assert_int_eq(objects_of(p, "zoo_thread_leak()"), 40);
  ck_assert_int_eq(objects_of(p, "zoo_new()"), 50);
  ck_assert_int_eq(objects_of(p, "zoo_realloc()"), 1);
  ck_assert_int_eq(objects_of(p, "zoo_aligned()"), 5);
  ck_assert_int_eq(objects_of(p, "zoo_child_leak()"), 5);
  ck_assert_int_eq(objects_of(p, "zoo_exec_leak()"), 7);
  ck_assert_int_eq(objects_of(p, "zoo_churn()"), 0);
  ck_assert_int_eq(objects_of(p, "zoo_calloc()"), 0);
  lg_pprof_free(p);
  lg_heapprof_free(h);
  lg_result_free(r);
  rm_dir(dir);
}
END_TEST

/* The note of the only stream in dir (NULL when none). */
static char *single_note(const char *dir) {
  lg_heapprof *h = NULL;
  lg_error err;
  char *note = NULL;
  ck_assert_int_eq(lg_heapprof_new(&h, &err), 0);
  ck_assert_msg(lg_heapprof_add_stream_dir(h, dir, &err) == 0, "%s", err.msg);
  ck_assert_uint_eq(lg_heapprof_samples(h), 0);
  if (lg_heapprof_notes(h))
    note = strdup(lg_heapprof_note(h, 0));
  lg_heapprof_free(h);
  return note;
}

START_TEST(t_own_allocator) {
  char dir[] = "/tmp/lg_own_XXXXXX", preload[4200], envdir[4200];
  char *env[] = {preload, envdir, NULL}, *note;
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(preload, sizeof preload, "LD_PRELOAD=%s", sampler);
  snprintf(envdir, sizeof envdir, "LG_HEAPPROF_DIR=%s", dir);
  ck_assert_int_eq(run("tests/fixtures/own_malloc", NULL, env), 0);
  note = single_note(dir);
  ck_assert_ptr_nonnull(note);
  ck_assert_msg(strstr(note, "cannot profile this service: malloc is defined "
                             "by ") &&
                    strstr(note, "own_malloc"),
                "%s", note);
  free(note);
  rm_dir(dir);
}
END_TEST

START_TEST(t_jemalloc) {
  char dir[] = "/tmp/lg_jem_XXXXXX", preload[8400], envdir[4200];
  char *env[] = {preload, envdir, NULL}, *note;
  if (access(JEMALLOC, R_OK) != 0) {
    lg_test_skip_unless_env("LG_REQUIRE_CGROUP", "t_jemalloc",
                            JEMALLOC " not installed (libjemalloc2; "
                            "ci/install-deps.sh)");
    return;
  }
  ck_assert_ptr_nonnull(mkdtemp(dir));
  /* the sampler first, jemalloc after it: malloc's next definition is
   * jemalloc's, which the sampler refuses to front */
  snprintf(preload, sizeof preload, "LD_PRELOAD=%s:%s", sampler, JEMALLOC);
  snprintf(envdir, sizeof envdir, "LG_HEAPPROF_DIR=%s", dir);
  ck_assert_int_eq(run("tests/fixtures/heap_zoo", NULL, env), 0);
  note = single_note(dir);
  ck_assert_ptr_nonnull(note);
  ck_assert_msg(strstr(note, "its malloc comes from") &&
                    strstr(note, "libjemalloc.so.2"),
                "%s", note);
  free(note);
  rm_dir(dir);
}
END_TEST

START_TEST(t_forward_only) {
  char dir[] = "/tmp/lg_fwd_XXXXXX", preload[4200];
  char *env[] = {preload, NULL};
  DIR *d;
  struct dirent *e;
  int files = 0;
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(preload, sizeof preload, "LD_PRELOAD=%s", sampler);
  ck_assert_int_eq(run("tests/fixtures/heap_zoo", NULL, env), 0);
  d = opendir(dir);
  while ((e = readdir(d)) != NULL)
    files += e->d_name[0] != '.';
  closedir(d);
  ck_assert_int_eq(files, 0);
  rm_dir(dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("heapsampler");
  TCase *tc = tcase_create("live");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, t_zoo);
  tcase_add_test(tc, t_own_allocator);
  tcase_add_test(tc, t_jemalloc);
  tcase_add_test(tc, t_forward_only);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
