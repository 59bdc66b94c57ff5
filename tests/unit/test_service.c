/* test_service - the service lifecycle with the fixture services: readiness
 * by tcp, http, log and delay; readiness timeout; exit before ready (the
 * message carries the stderr tail); a crash detected as a signal; stop
 * escalation to SIGKILL for term_ignorer and hang_on_stop; the output cap
 * with flooder (which must not block); exec failures; the exact
 * environment; shell opt-in; wrapper; cwd; stdin pipes; interrupt; and,
 * where a real cgroup is writable, that the service runs inside it from
 * its first instruction. The readiness and escalation tests also check
 * that no process is left. */
#include <leakgate/container.h>
#include <leakgate/service.h>

#include "lg_test.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char outdir[64];

typedef struct fx {
  lg_service_spec spec;
  char *argv[8];
  char paths[4][512];
  lg_kv env[4];
  lg_service_opts o;
  char target[128];
} fx;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void setup(void) {
  snprintf(outdir, sizeof outdir, "/tmp/lg-svc-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(outdir));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
  ck_assert_int_eq(system(cmd), 0);
}

/* A spec running tests/fixtures/<name> --port {{port}}. */
static void fx_init(fx *f, const char *name, lg_ready_kind kind,
                    const char *target) {
  static unsigned port;
  lg_error err = {0, ""};
  char rel[128];
  memset(f, 0, sizeof *f);
  snprintf(rel, sizeof rel, "tests/fixtures/%s", name);
  lg_test_bin(rel, f->paths[0], sizeof f->paths[0]);
  f->argv[0] = f->paths[0];
  f->argv[1] = "--port";
  f->argv[2] = "{{port}}";
  f->spec.argv = f->argv;
  f->spec.argc = 3;
  f->spec.ready.kind = kind;
  if (target) {
    snprintf(f->target, sizeof f->target, "%s", target);
    f->spec.ready.target = f->target;
  }
  f->spec.ready.timeout_s = 10;
  f->spec.stop_signal = SIGTERM;
  f->spec.stop_timeout_s = 5;
  f->spec.env = f->env;
  ck_assert_int_eq(lg_pick_port(&port, &err), 0);
  f->o.spec = &f->spec;
  f->o.port = port;
  f->o.out_dir = outdir;
}

static void assert_gone(pid_t pid) {
  ck_assert_msg(kill(pid, 0) == -1 && errno == ESRCH, "pid %ld left behind",
                (long)pid);
}

/* Poll until the service ends (or timeout_s passes). */
static void wait_end(lg_service *s, lg_service_status *st, double timeout_s) {
  double end = now() + timeout_s;
  do {
    lg_service_poll(s, st);
    if (!st->running)
      return;
    usleep(10000);
  } while (now() < end);
}

static void run_ready(const char *fixture, lg_ready_kind kind,
                      const char *target) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  char want[64];
  pid_t pid;
  fx_init(&f, fixture, kind, target);
  ck_assert_msg(lg_service_start(&f.o, &s, &err) == 0, "%s", err.msg);
  pid = lg_service_pid(s);
  ck_assert_msg(lg_service_wait_ready(s, &err) == 0, "%s", err.msg);
  ck_assert(lg_service_ready_seconds(s) >= 0);
  lg_service_poll(s, &st);
  ck_assert(st.running);
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert(!st.running && st.exited && st.exit_status == 0);
  ck_assert(st.stopped_by_us && !st.escalated && !st.crashed);
  snprintf(want, sizeof want, "listening on %u", f.o.port);
  ck_assert(strstr(lg_test_text("%s", lg_service_stdout_path(s)), want));
  lg_service_free(s);
  assert_gone(pid);
}

START_TEST(ready_tcp) {
  run_ready("clean_http", LG_READY_TCP, "127.0.0.1:{{port}}");
}
END_TEST
START_TEST(ready_http) {
  run_ready("clean_http", LG_READY_HTTP, "http://127.0.0.1:{{port}}/health");
}
END_TEST
START_TEST(ready_log) {
  run_ready("clean_http", LG_READY_LOG, "^listening on {{port}}$");
}
END_TEST

START_TEST(ready_delay) {
  fx f;
  lg_service *s = NULL;
  lg_error err = {0, ""};
  fx_init(&f, "clean_http", LG_READY_DELAY, NULL);
  f.spec.ready.delay_s = 0.3;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_int_eq(lg_service_wait_ready(s, &err), 0);
  ck_assert(lg_service_ready_seconds(s) >= 0.3);
  lg_service_free(s);
}
END_TEST

START_TEST(ready_timeout_then_escalation) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  double t0;
  pid_t pid;
  /* term_ignorer accepts and closes: tcp would pass, http never does. */
  fx_init(&f, "term_ignorer", LG_READY_HTTP, "http://127.0.0.1:{{port}}/");
  f.spec.ready.timeout_s = 0.5;
  f.spec.stop_timeout_s = 0.3;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  pid = lg_service_pid(s);
  t0 = now();
  ck_assert_int_eq(lg_service_wait_ready(s, &err), LG_ENOTREADY);
  ck_assert(now() - t0 < 5);
  ck_assert_msg(strstr(err.msg, "not ready after 0.5 s") != NULL, "%s",
                err.msg);
  ck_assert(isnan(lg_service_ready_seconds(s)));
  t0 = now();
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert(now() - t0 < 3);
  ck_assert(st.escalated && st.stopped_by_us && !st.crashed);
  ck_assert_int_eq(st.signal, SIGKILL);
  lg_service_free(s);
  assert_gone(pid);
}
END_TEST

START_TEST(ready_scale) {
  fx f;
  lg_service *s = NULL;
  lg_error err = {0, ""};
  fx_init(&f, "term_ignorer", LG_READY_HTTP, "http://127.0.0.1:{{port}}/");
  f.spec.ready.timeout_s = 0.2;
  f.spec.stop_timeout_s = 0.1;
  f.o.ready_timeout_scale = 3;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_int_eq(lg_service_wait_ready(s, &err), LG_ENOTREADY);
  ck_assert_msg(strstr(err.msg, "not ready after 0.6 s") != NULL, "%s",
                err.msg);
  lg_service_free(s);
}
END_TEST

START_TEST(exit_before_ready) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  fx_init(&f, "early_exit", LG_READY_TCP, "127.0.0.1:{{port}}");
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_int_eq(lg_service_wait_ready(s, &err), LG_ESTART);
  ck_assert_msg(strstr(err.msg, "exited with status 3 before it was ready"),
                "%s", err.msg);
  ck_assert_msg(strstr(err.msg, "no configuration found, giving up"), "%s",
                err.msg);
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert(st.exited && st.exit_status == 3 && !st.stopped_by_us);
  lg_service_free(s);
}
END_TEST

START_TEST(crash_detected) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  fx_init(&f, "crasher", LG_READY_TCP, "127.0.0.1:{{port}}");
  f.env[f.spec.n_env].key = "CRASH_AFTER_MS";
  f.env[f.spec.n_env++].value = "300";
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_msg(lg_service_wait_ready(s, &err) == 0, "%s", err.msg);
  wait_end(s, &st, 10);
  ck_assert(!st.running && !st.exited);
  ck_assert_int_eq(st.signal, SIGSEGV);
  ck_assert(st.crashed && !st.stopped_by_us);
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert(st.crashed && st.signal == SIGSEGV && !st.escalated);
  lg_service_free(s);
}
END_TEST

START_TEST(hang_on_stop_escalates) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  double t0;
  fx_init(&f, "hang_on_stop", LG_READY_TCP, "127.0.0.1:{{port}}");
  f.spec.stop_timeout_s = 0.5;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_int_eq(lg_service_wait_ready(s, &err), 0);
  t0 = now();
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert(now() - t0 >= 0.5 && now() - t0 < 4);
  ck_assert(st.escalated && st.signal == SIGKILL && !st.crashed);
  ck_assert(
      strstr(lg_test_text("%s", lg_service_stderr_path(s)), "shutting down"));
  lg_service_free(s);
}
END_TEST

START_TEST(flooder_capped_not_blocked) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  struct stat sb;
  static char buf[1 << 17];
  fx_init(&f, "flooder", LG_READY_NONE, NULL);
  f.env[f.spec.n_env].key = "FLOOD_BYTES";
  /* 32 MiB: 512 pipefuls, over both streams */
  f.env[f.spec.n_env++].value = "33554432";
  f.o.log_cap = 64 * 1024;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_int_eq(lg_service_wait_ready(s, &err), 0);
  wait_end(s, &st, 30);
  ck_assert_msg(!st.running, "flooder blocked: output not drained");
  ck_assert(st.exited && st.exit_status == 0);
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert_int_eq(stat(lg_service_stdout_path(s), &sb), 0);
  ck_assert_int_le(sb.st_size, 64 * 1024 + 200);
  ck_assert_int_ge(sb.st_size, 64 * 1024);
  ck_assert_int_ge(
      lg_test_read_into(lg_service_stdout_path(s), buf, sizeof buf), 0);
  ck_assert(strncmp(buf, "flood 0 ", 8) == 0);
  ck_assert(strstr(buf, "[leakgate: log capped at 65536 bytes;") != NULL);
  ck_assert_int_eq(stat(lg_service_stderr_path(s), &sb), 0);
  ck_assert_int_le(sb.st_size, 64 * 1024 + 200);
  lg_service_free(s);
}
END_TEST

START_TEST(exec_failures) {
  fx f;
  lg_service *s = NULL;
  lg_error err = {0, ""};
  char bad[128];
  FILE *fp;
  fx_init(&f, "clean_http", LG_READY_NONE, NULL);
  f.argv[0] = "./does-not-exist";
  f.o.scenario_dir = outdir;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), LG_ESTART);
  ck_assert_ptr_null(s);
  ck_assert_msg(strstr(err.msg, "/does-not-exist: No such file or directory"),
                "%s", err.msg);
  ck_assert(strstr(err.msg, outdir) != NULL);
  f.argv[0] = "no-such-program-anywhere";
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), LG_ESTART);
  ck_assert(strstr(err.msg, "'no-such-program-anywhere' not found in PATH"));
  /* executable bit, but no valid format: execve itself fails in the child */
  snprintf(bad, sizeof bad, "%s/garbage", outdir);
  fp = fopen(bad, "w");
  fputs("\x01\x02\x03 not a program\n", fp);
  fclose(fp);
  chmod(bad, 0755);
  f.argv[0] = bad;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), LG_ESTART);
  ck_assert_msg(strstr(err.msg, "cannot execute") &&
                    strstr(err.msg, strerror(ENOEXEC)),
                "%s", err.msg);
  f.argv[0] = f.paths[0];
  f.spec.cwd = "no-such-dir";
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), LG_ESTART);
  ck_assert(strstr(err.msg, "service.cwd:") && strstr(err.msg, "no-such-dir"));
}
END_TEST

START_TEST(environment_is_exact) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  char want[256];
  fx_init(&f, "clean_http", LG_READY_NONE, NULL);
  setenv("LG_SHOULD_NOT_LEAK", "1", 1);
  f.argv[0] = "env"; /* bare name: leakgate's PATH finds it */
  f.argv[1] = NULL;
  f.env[0].key = "FOO";
  f.env[0].value = "bar-{{port}}";
  f.spec.n_env = 1;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  wait_end(s, &st, 10);
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert(st.exited && st.exit_status == 0);
  snprintf(want, sizeof want, "LEAKGATE_PORT=%u\nFOO=bar-%u\n", f.o.port,
           f.o.port);
  ck_assert_str_eq(lg_test_text("%s", lg_service_stdout_path(s)), want);
  lg_service_free(s);
}
END_TEST

START_TEST(shell_wrapper_cwd) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  char buf[4096], want[256], sub[128];
  char *wrapper[] = {"env", "WRAPPED=yes", NULL};
  /* shell: argv[0] is the script, argv[1] becomes $1 */
  fx_init(&f, "clean_http", LG_READY_NONE, NULL);
  f.spec.shell = true;
  f.argv[0] = "echo \"$1-$LEAKGATE_PORT\" >&2; exit 4";
  f.argv[1] = "arg1";
  f.argv[2] = NULL;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  wait_end(s, &st, 10);
  ck_assert(st.exited && st.exit_status == 4);
  lg_service_stop(s, &st, &err);
  snprintf(want, sizeof want, "arg1-%u\n", f.o.port);
  ck_assert_str_eq(lg_test_text("%s", lg_service_stderr_path(s)), want);
  lg_service_free(s);
  /* wrapper prefix: env WRAPPED=yes /abs/path/to/pwd, in cwd "sub" */
  fx_init(&f, "clean_http", LG_READY_NONE, NULL);
  snprintf(sub, sizeof sub, "%s/sub", outdir);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  f.o.scenario_dir = outdir;
  f.spec.cwd = "sub";
  f.argv[0] = "sh";
  f.argv[1] = "-c";
  f.argv[2] = "pwd; echo $WRAPPED; echo $0";
  f.argv[3] = NULL;
  f.o.wrapper = wrapper;
  f.o.log_prefix = "wrapped";
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  wait_end(s, &st, 10);
  ck_assert(st.exited && st.exit_status == 0);
  lg_service_stop(s, &st, &err);
  ck_assert(strstr(lg_service_stdout_path(s), "/wrapped.stdout.log"));
  ck_assert_int_ge(
      lg_test_read_into(lg_service_stdout_path(s), buf, sizeof buf), 0);
  snprintf(want, sizeof want, "%s\nyes\n/", sub);
  ck_assert_msg(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
  ck_assert(strstr(buf, "/sh\n") != NULL); /* argv[0] made absolute */
  lg_service_free(s);
}
END_TEST

START_TEST(stdin_pipes) {
  fx f;
  lg_service *s = NULL;
  lg_service_status st;
  lg_error err = {0, ""};
  char buf[64];
  ssize_t n;
  fx_init(&f, "clean_http", LG_READY_NONE, NULL);
  f.argv[0] = "cat";
  f.argv[1] = NULL;
  f.o.stdin_pipe = true;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_ptr_null(lg_service_stdout_path(s));
  ck_assert_ptr_nonnull(lg_service_stderr_path(s));
  ck_assert_int_eq(write(lg_service_stdin_fd(s), "ping\n", 5), 5);
  n = read(lg_service_stdout_fd(s), buf, sizeof buf);
  ck_assert_int_eq(n, 5);
  ck_assert(memcmp(buf, "ping\n", 5) == 0);
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  ck_assert(st.signal == SIGTERM && st.stopped_by_us && !st.crashed);
  lg_service_free(s);
}
END_TEST

START_TEST(interrupt_aborts_wait) {
  fx f;
  lg_service *s = NULL;
  lg_error err = {0, ""};
  volatile int stop = 1;
  double t0 = now();
  fx_init(&f, "clean_http", LG_READY_TCP, "127.0.0.1:1");
  f.argv[0] = "sleep";
  f.argv[1] = "30";
  f.argv[2] = NULL;
  f.o.interrupt = &stop;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_int_eq(lg_service_wait_ready(s, &err), LG_EINTR);
  lg_service_free(s);
  ck_assert(now() - t0 < 5);
}
END_TEST

/* A real cgroup box (needs root and a writable memory cgroup), or NULL
 * after printing why the test skips (a failure under LG_REQUIRE_CGROUP=1). */
static lg_container *real_box(const char *test, const char *name,
                              uint64_t bytes) {
  lg_container_opts co;
  lg_container *c = NULL;
  lg_error err = {0, ""};
  memset(&co, 0, sizeof co);
  co.backend = LG_BACKEND_CGROUP;
  co.memory_bytes = bytes;
  co.name = name;
  if (geteuid() == 0 && lg_container_create(&co, &c, &err) == 0)
    return c;
  lg_test_cgroup_skip(test, geteuid() ? "not root" : err.msg);
  return NULL;
}

START_TEST(runs_inside_container) {
  lg_container *c = real_box("runs_inside_container", "svc", 128u << 20);
  lg_error err = {0, ""};
  lg_service *s = NULL;
  lg_service_status st;
  char path[64], buf[4096], want[64];
  fx f;
  if (!c)
    return;
  fx_init(&f, "clean_http", LG_READY_TCP, "127.0.0.1:{{port}}");
  f.o.container = c;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  ck_assert_int_eq(lg_service_wait_ready(s, &err), 0);
  snprintf(path, sizeof path, "/proc/%ld/cgroup", (long)lg_service_pid(s));
  ck_assert_int_ge(lg_test_read_into(path, buf, sizeof buf), 0);
  snprintf(want, sizeof want, "leakgate-%ld-", (long)getpid());
  ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
  ck_assert_int_eq(lg_service_stop(s, &st, &err), 0);
  lg_service_free(s);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
}
END_TEST

START_TEST(env_gets_limit) {
  lg_container *c = real_box("env_gets_limit", "env", 100u << 20);
  lg_error err = {0, ""};
  lg_service *s = NULL;
  lg_service_status st;
  fx f;
  if (!c)
    return;
  fx_init(&f, "clean_http", LG_READY_NONE, NULL);
  f.argv[0] = "env";
  f.argv[1] = NULL;
  f.o.container = c;
  ck_assert_int_eq(lg_service_start(&f.o, &s, &err), 0);
  wait_end(s, &st, 10);
  lg_service_stop(s, &st, &err);
  ck_assert(strstr(lg_test_text("%s", lg_service_stdout_path(s)),
                   "LEAKGATE_MEMORY_LIMIT=104857600\n"));
  lg_service_free(s);
  ck_assert_int_eq(lg_container_destroy(c, &err), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("service");
  TCase *t = tcase_create("lifecycle");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_set_timeout(t, 60);
  tcase_add_test(t, ready_tcp);
  tcase_add_test(t, ready_http);
  tcase_add_test(t, ready_log);
  tcase_add_test(t, ready_delay);
  tcase_add_test(t, ready_timeout_then_escalation);
  tcase_add_test(t, ready_scale);
  tcase_add_test(t, exit_before_ready);
  tcase_add_test(t, crash_detected);
  tcase_add_test(t, hang_on_stop_escalates);
  tcase_add_test(t, flooder_capped_not_blocked);
  tcase_add_test(t, exec_failures);
  tcase_add_test(t, environment_is_exact);
  tcase_add_test(t, shell_wrapper_cwd);
  tcase_add_test(t, stdin_pipes);
  tcase_add_test(t, interrupt_aborts_wait);
  tcase_add_test(t, runs_inside_container);
  tcase_add_test(t, env_gets_limit);
  suite_add_tcase(s, t);
  return lg_test_run(s);
}
