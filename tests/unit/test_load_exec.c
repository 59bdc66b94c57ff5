/* Unit tests for the exec driver: the command runs for the phases' total
 * duration with LEAKGATE_PORT/LEAKGATE_URL, in its own process group, is
 * ended by SIGTERM (SIGKILL when it ignores that), its exit status is
 * recorded, its output captured with a cap, and a command that cannot run
 * is a clear start error. */
#include "load_test_util.h"

#include <stdlib.h>
#include <sys/stat.h>

static char tmpdir[256];

static void mk_tmp(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/lg_load_exec_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmp(void) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static void exec_spec(lt_spec *t, char **argv, size_t argc) {
  lt_spec_init(t, LG_DRIVER_EXEC, 1);
  t->s.command = argv;
  t->s.n_command = argc;
}

START_TEST(ended_at_phase_end) {
  char *argv[] = {"/bin/sh", "-c",
                  "echo port=$LEAKGATE_PORT url=$LEAKGATE_URL; echo oops >&2; "
                  "exec sleep 30",
                  NULL};
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  lg_load *l = NULL;
  lg_error e;
  double t0;
  int saw_b = 0;

  mk_tmp();
  exec_spec(&t, argv, 3);
  t.s.url = "http://127.0.0.1:{{port}}/items";
  lt_phase(&t, "a", 0.4, NAN, NAN);
  lt_phase(&t, "b", 0.6, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = 4321;
  o.out_dir = tmpdir;
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  t0 = lg__now_s();
  while (!lg_load_wait(l, 0.05)) {
    ck_assert_uint_eq(lg_load_completed(l), 0); /* exec counts nothing */
    saw_b |= strcmp(lg_load_phase(l), "b") == 0;
  }
  ck_assert(saw_b);
  /* 1 s of phases, then 1 s to finish by itself, then SIGTERM: never
   * before 2 s, and long before the command's own 30 s (a generous
   * ceiling: the machine may be busy) */
  ck_assert_msg(lg__now_s() - t0 > 1.9 && lg__now_s() - t0 < 20, "ran %.2f s",
                lg__now_s() - t0);
  ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
  lg_load_free(l);
  ck_assert_str_eq(r.driver, "exec");
  ck_assert_int_eq(r.exec_exit_status, 128 + SIGTERM);
  ck_assert_int_eq(r.requests, -1);
  ck_assert_int_eq(r.errors, -1);
  ck_assert_int_eq(r.phases[1].requests, -1);
  ck_assert(r.duration_s > 1.9 && r.duration_s < 20);
  ck_assert_msg(strstr(r.message, "ended") && strstr(r.message, "SIGTERM"),
                "%s", r.message);
  ck_assert_str_eq(lg_test_text("%s/load.stdout.log", tmpdir),
                   "port=4321 url=http://127.0.0.1:4321/items\n");
  ck_assert_str_eq(lg_test_text("%s/load.stderr.log", tmpdir), "oops\n");
  lg_load_result_cleanup(&r);
  rm_tmp();
}
END_TEST

/* A command sized to the phases (like wrk -d1s for 1 s) finishes by itself
 * within the end grace and keeps its exit status and output. */
START_TEST(finishes_within_the_end_grace) {
  char *argv[] = {"/bin/sh", "-c", "sleep 1.3; echo summary", NULL};
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;

  mk_tmp();
  exec_spec(&t, argv, 3);
  lt_phase(&t, "p", 1.0, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.out_dir = tmpdir;
  lt_run(&o, &r);
  ck_assert_int_eq(r.exec_exit_status, 0);
  ck_assert_str_eq(lg_test_text("%s/load.stdout.log", tmpdir), "summary\n");
  lg_load_result_cleanup(&r);
  rm_tmp();
}
END_TEST

START_TEST(exits_by_itself) {
  char *argv[] = {"/bin/sh", "-c", "echo $LEAKGATE_URL; exit 3", NULL};
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  double t0 = lg__now_s();

  mk_tmp();
  exec_spec(&t, argv, 3);
  lt_phase(&t, "long", 20, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = 999;
  o.out_dir = tmpdir;
  lt_run(&o, &r);
  ck_assert(lg__now_s() - t0 < 3.0); /* the load ends with the command */
  ck_assert_int_eq(r.exec_exit_status, 3);
  ck_assert_msg(strstr(r.message, "exited by itself"), "%s", r.message);
  ck_assert_str_eq(lg_test_text("%s/load.stdout.log", tmpdir),
                   "http://127.0.0.1:999/\n");
  lg_load_result_cleanup(&r);
  rm_tmp();
}
END_TEST

/* True while /proc/PID/stat names a process that is not a zombie (init
 * in a container may be slow to reap, or not reap at all). */
static int alive(const char *stat_path) {
  char buf[512], *p;
  FILE *f = fopen(stat_path, "r");
  if (!f)
    return 0;
  p = fgets(buf, sizeof buf, f);
  fclose(f);
  p = p ? strrchr(buf, ')') : NULL;
  return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* A command ignoring SIGTERM gets SIGKILL 2 s later; its background
 * children die with its process group. */
START_TEST(sigkill_and_group) {
  char *argv[] = {"/bin/sh", "-c",
                  "trap '' TERM; sleep 30 & echo $! > \"$PIDFILE\"; sleep 30",
                  NULL};
  char pidfile[512], proc[64];
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  double t0 = lg__now_s();
  long bg;

  mk_tmp();
  snprintf(pidfile, sizeof pidfile, "%s/bg.pid", tmpdir);
  setenv("PIDFILE", pidfile, 1);
  exec_spec(&t, argv, 3);
  lt_phase(&t, "p", 0.3, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.port = 1;
  o.out_dir = tmpdir;
  lt_run(&o, &r);
  unsetenv("PIDFILE");
  ck_assert_msg(lg__now_s() - t0 > 3.2 && lg__now_s() - t0 < 5.0, "took %.2f",
                lg__now_s() - t0);
  ck_assert_int_eq(r.exec_exit_status, 128 + SIGKILL);
  ck_assert_msg(strstr(r.message, "SIGKILL"), "%s", r.message);
  bg = atol(lg_test_text("%s/bg.pid", tmpdir));
  ck_assert_int_gt(bg, 1);
  snprintf(proc, sizeof proc, "/proc/%ld/stat", bg);
  for (int i = 0; i < 100 && alive(proc); i++)
    usleep(10000); /* reaped by init shortly after the kill */
  ck_assert_msg(!alive(proc), "background child %ld survived", bg);
  lg_load_result_cleanup(&r);
  rm_tmp();
}
END_TEST

START_TEST(output_cap_and_missing_command) {
  char *argv[] = {"/bin/sh", "-c", "head -c 20000000 /dev/zero", NULL};
  char *missing[] = {"/nonexistent/load-tool", "-x", NULL};
  lt_spec t;
  lg_load_opts o;
  lg_load_result r;
  lg_load *l = NULL;
  lg_error e;
  size_t len = 0;

  mk_tmp();
  exec_spec(&t, argv, 3);
  lt_phase(&t, "p", 10, NAN, NAN);
  lg_load_opts_init(&o);
  o.spec = &t.s;
  o.out_dir = tmpdir;
  lt_run(&o, &r);
  ck_assert_int_eq(r.exec_exit_status, 0);
  {
    char path[512];
    snprintf(path, sizeof path, "%s/load.stdout.log", tmpdir);
    free(lg_test_read(path, &len));
  }
  ck_assert_uint_gt(len, 16u * 1024 * 1024);
  ck_assert_uint_lt(len, 16u * 1024 * 1024 + 200);
  ck_assert_msg(strstr(r.message, "kept its first"), "%s", r.message);
  lg_load_result_cleanup(&r);

  exec_spec(&t, missing, 2);
  lt_phase(&t, "p", 10, NAN, NAN);
  ck_assert_int_eq(lg_load_new(&o, &l, &e), 0);
  ck_assert_int_eq(lg_load_start(l, &e), LG_ETOOL);
  ck_assert_msg(strstr(e.msg, "cannot run '/nonexistent/load-tool'"), "%s",
                e.msg);
  ck_assert_int_eq(lg_load_wait(l, 1.0), 1);
  ck_assert_int_eq(lg_load_finish(l, &r, &e), 0);
  ck_assert_int_eq(r.exec_exit_status, -1);
  lg_load_result_cleanup(&r);
  lg_load_free(l);
  rm_tmp();
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("load_exec");
  TCase *tc = tcase_create("exec");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, ended_at_phase_end);
  tcase_add_test(tc, exits_by_itself);
  tcase_add_test(tc, finishes_within_the_end_grace);
  tcase_add_test(tc, sigkill_and_group);
  tcase_add_test(tc, output_cap_and_missing_command);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
