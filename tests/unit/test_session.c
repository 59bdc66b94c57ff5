/* test_session.c - run/session.c itself: lg__session_run on real fixtures, as
 * the runner and the Valgrind tiers call it (container -> service ->
 * readiness -> sampler + load -> stop -> container removed).
 *
 * - clean_http under an HTTP load: ready, requests counted in the load
 *   result and in samples.csv, stopped by us, the cgroup gone;
 * - oom_hog under a 64 MiB limit: the OOM kill is seen (oom_kills, died
 *   early), samples.csv holds the rows up to the kill, the fit's end
 *   (live_until_t_s) is before the last row;
 * - forker: a setsid daemon outlives the service's stop and still dies
 *   with the container (4 processes in samples.csv, none left after);
 * - a missing binary: lg__session_run fails, says why, leaves nothing.
 * Needs root and a writable memory cgroup; otherwise it skips (a failure
 * under LG_REQUIRE_CGROUP=1, as .ci/run sets it). */
#include "lg_test.h"
#include "run/session.h"

#include <leakgate/leakgate.h>

#include <math.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char outdir[64];

static void setup(void) {
  snprintf(outdir, sizeof outdir, "/tmp/lg-session-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(outdir));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
  ck_assert_int_eq(system(cmd), 0);
}

static bool have_cgroup(void) {
  lg_cgroup_info info;
  lg_error err = {0, ""};
  const char *why = NULL;
  if (geteuid() != 0)
    why = "not root";
  else if (lg_cgroup_detect(NULL, NULL, &info, &err) || !info.version ||
           !info.writable)
    why = err.msg[0] ? err.msg : "no writable memory cgroup";
  if (!why)
    return true;
  lg_test_cgroup_skip("session test", why);
  return false;
}

/* A scenario for fixture with the given YAML body after its command. */
static lg_scenario *scenario(const char *fixture, const char *rest) {
  char yaml[4096], bin[512];
  lg_scenario *sc = NULL;
  lg_error err;
  lg_test_bin("tests/fixtures/", bin, sizeof bin);
  snprintf(yaml, sizeof yaml,
           "version: 1\nname: session-%s\n"
           "service:\n  command: [\"%s%s\", --port, \"{{port}}\"]\n%s",
           fixture, bin, fixture, rest);
  ck_assert_msg(lg_scenario_load_string("session.yaml", yaml, strlen(yaml),
                                        NULL, 0, &sc, &err) == 0,
                "%s", err.msg);
  return sc;
}

/* samples.csv of the session: data rows, the largest procs and requests
 * (columns 7 and 2), the last t_s. */
typedef struct csv_view {
  long max_procs, max_req;
  double last_t;
} csv_view;

static int csv_rows(const char *path, csv_view *v) {
  char *text = lg_test_slurp(path, NULL), *line, *save = NULL;
  int rows = -1; /* the header */
  ck_assert_msg(text != NULL, "%s missing", path);
  memset(v, 0, sizeof *v);
  for (line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    const char *cell[8] = {line};
    size_t k = 1;
    char *c;
    if (rows++ < 0)
      continue;
    /* cells may be empty (unknown): split on every comma */
    for (c = line; *c && k < 8; c++)
      if (*c == ',') {
        *c = '\0';
        cell[k++] = c + 1;
      }
    ck_assert_uint_eq(k, 8);
    v->last_t = atof(cell[0]);
    if (atol(cell[1]) > v->max_req)
      v->max_req = atol(cell[1]);
    if (atol(cell[6]) > v->max_procs)
      v->max_procs = atol(cell[6]);
  }
  free(text);
  return rows;
}

typedef struct sess {
  lg_scenario *sc;
  lg_samples_writer *w;
  session_out out;
  int rc;
  char csv[128];
  lg_error err;
} sess;

static void run_session(sess *s) {
  session_opts o;
  lg_error err;
  snprintf(s->csv, sizeof s->csv, "%s/samples.csv", outdir);
  ck_assert_int_eq(lg_samples_writer_open(s->csv, &s->w, &err), 0);
  lg__session_opts_init(&o);
  o.sc = s->sc;
  o.out_dir = outdir;
  o.csv = s->w;
  memset(&s->out, 0, sizeof s->out);
  lg_error_clear(&s->err);
  s->rc = lg__session_run(&o, &s->out, &s->err);
  ck_assert_int_eq(lg_samples_writer_close(s->w, &err), 0);
}

static void done(sess *s) {
  lg_load_result_cleanup(&s->out.load);
  lg_scenario_free(s->sc);
}

/* Nothing of the session is left: its cgroup directory is gone. */
static void cgroup_gone(const session_out *out) {
  if (out->cgroup[0])
    ck_assert_msg(access(out->cgroup, F_OK) != 0, "%s is still there",
                  out->cgroup);
}

START_TEST(clean_http_under_load) {
  sess s;
  csv_view v;
  if (!have_cgroup())
    return;
  s.sc = scenario("clean_http",
                  "container: {memory: 256MiB}\n"
                  "load:\n  driver: http\n  connections: 2\n"
                  "  url: \"http://127.0.0.1:{{port}}/items/{{seq}}\"\n"
                  "  phases:\n    - {name: steady, duration: 1s}\n"
                  "sampling: {interval: 50ms}\n");
  run_session(&s);
  ck_assert_msg(s.rc == 0, "%s", s.err.msg);
  ck_assert(s.out.started && s.out.ready && !s.out.died_early);
  ck_assert(!s.out.interrupted);
  ck_assert(s.out.status.stopped_by_us && !s.out.status.crashed);
  ck_assert_str_eq(s.out.load.driver, "http");
  ck_assert_int_gt(s.out.load.requests, 0);
  ck_assert_int_eq(s.out.load.errors, 0);
  ck_assert_double_eq(s.out.limit_bytes, 256.0 * 1048576);
  ck_assert_int_eq(s.out.oom_kills, 0);
  ck_assert_uint_ge(s.out.samples, 2);
  ck_assert_int_eq(csv_rows(s.csv, &v), (int)s.out.samples);
  /* the rows count the load's requests as they complete */
  ck_assert_int_gt(v.max_req, 0);
  ck_assert_int_le(v.max_req, s.out.load.requests);
  ck_assert(s.out.failure[0] == '\0');
  cgroup_gone(&s.out);
  done(&s);
}
END_TEST

START_TEST(oom_hog_is_killed_at_the_limit) {
  sess s;
  csv_view v;
  int rows;
  if (!have_cgroup())
    return;
  s.sc = scenario("oom_hog", "container: {memory: 64MiB}\n"
                             "load:\n  driver: http\n  connections: 2\n"
                             "  url: \"http://127.0.0.1:{{port}}/\"\n"
                             "  phases:\n    - {name: steady, duration: 20s, "
                             "rate: 100}\n"
                             "sampling: {interval: 20ms}\n");
  run_session(&s);
  ck_assert_msg(s.rc == 0, "%s", s.err.msg);
  ck_assert(s.out.died_early);
  ck_assert(s.out.status.crashed && s.out.status.signal == SIGKILL &&
            !s.out.status.stopped_by_us);
  ck_assert_int_ge(s.out.oom_kills, 1);
  ck_assert_double_eq(s.out.limit_bytes, 64.0 * 1048576);
  ck_assert(s.out.peak_bytes > 16.0 * 1048576);
  rows = csv_rows(s.csv, &v);
  ck_assert_int_ge(rows, 3);
  ck_assert_int_eq(rows, (int)s.out.samples);
  /* the fit ends at the last row with the service alive, not after */
  ck_assert_msg(isfinite(s.out.live_until_t_s) &&
                    s.out.live_until_t_s <= v.last_t,
                "live until %g, last row %g", s.out.live_until_t_s, v.last_t);
  cgroup_gone(&s.out);
  done(&s);
}
END_TEST

START_TEST(forker_daemon_dies_with_the_box) {
  sess s;
  csv_view v;
  if (!have_cgroup())
    return;
  s.sc = scenario("forker", "container: {memory: 256MiB}\n"
                            "load:\n  driver: http\n"
                            "  url: \"http://127.0.0.1:{{port}}/\"\n"
                            "  phases:\n    - {name: steady, duration: 1s, "
                            "rate: 10}\n"
                            "sampling: {interval: 50ms}\n");
  run_session(&s);
  ck_assert_msg(s.rc == 0, "%s", s.err.msg);
  ck_assert(s.out.status.stopped_by_us && !s.out.status.crashed);
  csv_rows(s.csv, &v);
  /* parent, 2 children, the daemon (and, for a moment, the daemon's
   * first fork) were all in the box */
  ck_assert_int_ge(v.max_procs, 4);
  ck_assert_int_eq(s.out.oom_kills, 0);
  cgroup_gone(&s.out);
  done(&s);
}
END_TEST

START_TEST(missing_binary_fails_cleanly) {
  sess s;
  if (!have_cgroup())
    return;
  s.sc = scenario("no_such_fixture",
                  "load:\n  driver: http\n"
                  "  url: \"http://127.0.0.1:{{port}}/\"\n"
                  "  phases:\n    - {name: steady, duration: 1s}\n");
  run_session(&s);
  ck_assert_int_lt(s.rc, 0);
  ck_assert(!s.out.ready);
  ck_assert_ptr_nonnull(strstr(s.err.msg, "no_such_fixture"));
  ck_assert_ptr_nonnull(strstr(s.out.failure, "no_such_fixture"));
  ck_assert_int_eq(s.out.failure_code, s.rc);
  cgroup_gone(&s.out);
  done(&s);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("session");
  TCase *t = tcase_create("lg__session_run");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_set_timeout(t, 120);
  tcase_add_test(t, clean_http_under_load);
  tcase_add_test(t, oom_hog_is_killed_at_the_limit);
  tcase_add_test(t, forker_daemon_dies_with_the_box);
  tcase_add_test(t, missing_binary_fails_cleanly);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
