/* test_result.c - the result model: helpers, chart downsampling,
 * lg_result_finish against every row of the DESIGN exit-code table,
 * result.json round trip, the JSON Schema in docs/, bad input (data-driven
 * from tests/data/results/bad/), atomic save and load. */
#include "lg_test.h"
#include "result_fixtures.h"

#include <leakgate/result.h>

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *to_json(const lg_result *r) {
  char *s = NULL;
  size_t len = 0;
  lg_error err;
  ck_assert_int_eq(lg_result_to_json(r, &s, &len, &err), 0);
  ck_assert_uint_eq(strlen(s), len);
  return s;
}

/* Equal texts; on a difference, report where (check's messages are capped). */
static void same_text(const char *a, const char *b) {
  size_t i = 0, line = 1;
  while (a[i] && a[i] == b[i]) {
    line += a[i] == '\n';
    i++;
  }
  ck_assert_msg(a[i] == b[i], "texts differ at line %zu: '%.60s' vs '%.60s'",
                line, a + i, b + i);
}

static const lg_check *check_of(const lg_result *r, const char *name) {
  const lg_check *c = lg_result_check(r, name);
  ck_assert_msg(c != NULL, "no check %s", name);
  return c;
}

static bool has_reason(const lg_result *r, const char *needle) {
  size_t i;
  for (i = 0; i < r->n_reasons; i++)
    if (strstr(r->reasons[i], needle))
      return true;
  return false;
}

/* ---- model helpers ---------------------------------------------------- */

START_TEST(test_new_is_unknown) {
  lg_result *r = lg_result_new();
  ck_assert_ptr_nonnull(r);
  ck_assert(isnan(r->analysis.slope));
  ck_assert_int_eq(r->load.requests, -1);
  ck_assert_int_eq(r->container.oom_kills, -1);
  ck_assert(isnan(r->chart.oom_x));
  ck_assert_uint_eq(r->memcheck.fail_on, LG_FAIL_DEFINITE | LG_FAIL_INDIRECT);
  lg_result_free(r);
  lg_result_free(NULL);
}
END_TEST

START_TEST(test_leak_site_skips_allocator) {
  lg_memcheck_result m;
  lg_leak_record *l;
  memset(&m, 0, sizeof m);
  l = lg_result_add_leak(&m, "definite", 64, 1, "abc");
  ck_assert_ptr_null(lg_leak_site(l));
  ck_assert_int_eq(lg_leak_add_frame(l, "malloc", "vg_replace_malloc.c", 381,
                                     "vgpreload_memcheck.so"),
                   0);
  ck_assert_str_eq(lg_leak_site(l)->function, "malloc");
  lg_leak_add_frame(l, "libc_thing", NULL, 0, "/lib/libc.so.6");
  lg_leak_add_frame(l, "make_item", "src/items.c", 42, NULL);
  ck_assert_str_eq(lg_leak_site(l)->function, "make_item");
  ck_assert_int_eq(lg_leak_site(l)->line, 42);
  /* a project's allocation wrapper is skipped like malloc (the same frames
   * the fingerprint skips): the site is its caller */
  {
    lg_leak_record *w = lg_result_add_leak(&m, "definite", 32, 1, "def");
    lg_leak_add_frame(w, "malloc", "vg_replace_malloc.c", 381, NULL);
    lg_leak_add_frame(w, "xmalloc", "src/util.c", 12, "/bin/svc");
    lg_leak_add_frame(w, "parse_header", "src/http.c", 88, "/bin/svc");
    ck_assert_str_eq(lg_leak_site(w)->function, "parse_header");
  }
  /* frees the stack, kind and fingerprint */
  {
    lg_result *r = lg_result_new();
    r->memcheck = m;
    lg_result_free(r);
  }
}
END_TEST

/* Downsampling keeps first, last, the global extremes, x order and the cap. */
START_TEST(test_chart_downsample) {
  enum { N = 10007 };
  static double x[N], y[N];
  lg_result *r = lg_result_new();
  size_t i;
  double ymax = -1, ymin = 1e300;
  for (i = 0; i < N; i++) {
    x[i] = (double)i * 10;
    y[i] = 1000 + (double)(i % 13);
  }
  y[5003] = 99999; /* a one-sample spike */
  y[7001] = 3;     /* a one-sample drop */
  x[42] = NAN;     /* skipped */
  ck_assert_int_eq(lg_result_set_chart(r, x, y, N, 100), 0);
  ck_assert_uint_le(r->chart.n, 100);
  ck_assert_uint_ge(r->chart.n, 90);
  ck_assert(r->chart.x[0] == 0 && r->chart.y[0] == 1000);
  ck_assert(r->chart.x[r->chart.n - 1] == x[N - 1]);
  for (i = 0; i < r->chart.n; i++) {
    if (i)
      ck_assert(r->chart.x[i] > r->chart.x[i - 1]);
    ck_assert(isfinite(r->chart.x[i]));
    if (r->chart.y[i] > ymax)
      ymax = r->chart.y[i];
    if (r->chart.y[i] < ymin)
      ymin = r->chart.y[i];
  }
  ck_assert(ymax == 99999 && ymin == 3);
  /* small series are copied as they are; oom_x survives */
  r->chart.oom_x = 5;
  ck_assert_int_eq(lg_result_set_chart(r, x, y, 10, 400), 0);
  ck_assert_uint_eq(r->chart.n, 10);
  ck_assert(r->chart.oom_x == 5);
  ck_assert_int_eq(lg_result_set_chart(r, x, y, 0, 400), 0);
  ck_assert_uint_eq(r->chart.n, 0);
  lg_result_free(r);
}
END_TEST

/* ---- lg_result_finish: the DESIGN exit-code table --------------------- */

START_TEST(test_finish_pass) {
  lg_result *r = fx_pass();
  ck_assert_int_eq(r->verdict, LG_VERDICT_PASS);
  ck_assert_int_eq(r->exit_code, 0);
  ck_assert_uint_eq(r->n_reasons, 0);
  ck_assert_int_eq(check_of(r, "growth")->status, LG_CHECK_PASS);
  ck_assert_ptr_nonnull(strstr(check_of(r, "growth")->message, "0.31 B/req"));
  ck_assert_ptr_nonnull(
      strstr(check_of(r, "growth")->message, "98% CI -1.20 to 1.90"));
  ck_assert_ptr_nonnull(
      strstr(check_of(r, "growth")->message, "tolerance of 16.0 B/req"));
  ck_assert_int_eq(check_of(r, "oom")->status, LG_CHECK_PASS);
  ck_assert_int_eq(check_of(r, "crash")->status, LG_CHECK_PASS);
  ck_assert_int_eq(check_of(r, "memcheck")->status, LG_CHECK_SKIPPED);
  ck_assert_int_eq(check_of(r, "massif")->status, LG_CHECK_SKIPPED);
  ck_assert_int_eq(check_of(r, "baseline")->status, LG_CHECK_SKIPPED);
  ck_assert_int_eq(check_of(r, "time-to-limit")->status, LG_CHECK_SKIPPED);
  ck_assert_int_eq(check_of(r, "load")->status, LG_CHECK_PASS);
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_leak) {
  lg_result *r = fx_leak();
  const lg_check *g = check_of(r, "growth");
  ck_assert_int_eq(r->verdict, LG_VERDICT_FAIL);
  ck_assert_int_eq(r->exit_code, 1);
  ck_assert_int_eq(g->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(strstr(g->message, "64.2 B/req"));
  ck_assert_ptr_nonnull(strstr(g->message, "60.1 to 68.3"));
  ck_assert_ptr_nonnull(strstr(g->message, "MDS 2.50 B/req"));
  /* 224 MB headroom at 64.2 B/req * 1500 req/s = 38.8 min < 24 h */
  ck_assert_int_eq(check_of(r, "time-to-limit")->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(
      strstr(check_of(r, "time-to-limit")->message, "38.8 min at 1500 req/s"));
  ck_assert(has_reason(r, "growth: memory grows"));
  ck_assert(has_reason(r, "time-to-limit: projected time"));
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_ttl_gate) {
  lg_result *r = fx_base("ttl", LG_LEAK_NO_LEAK, 0.5, -1, 2);
  r->analysis.time_to_limit_s = 7200;
  r->max_time_to_limit_s = 3600;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "time-to-limit")->status, LG_CHECK_PASS);
  ck_assert_int_eq(r->exit_code, 0);
  r->max_time_to_limit_s = 86400;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "time-to-limit")->status, LG_CHECK_FAIL);
  ck_assert_int_eq(r->exit_code, 1);
  /* gated without a memory limit cannot be decided: error, never pass */
  r->container.memory_limit_bytes = NAN;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "time-to-limit")->status, LG_CHECK_ERROR);
  ck_assert_int_eq(r->exit_code, 4);
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_oom) {
  lg_result *r = fx_oom();
  const lg_check *o = check_of(r, "oom");
  ck_assert_int_eq(r->verdict, LG_VERDICT_FAIL);
  ck_assert_int_eq(r->exit_code, 1);
  ck_assert_int_eq(o->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(strstr(o->message, "64.0 MiB"));
  ck_assert_ptr_nonnull(strstr(o->message, "after 13000 requests"));
  ck_assert_ptr_nonnull(
      strstr(o->message, "growth before the kill: 2048 B/req"));
  /* the SIGKILL of the OOM killer is not a second, separate crash */
  ck_assert_int_eq(check_of(r, "crash")->status, LG_CHECK_SKIPPED);
  lg_result_free(r);

  /* the service's own OOM flag alone is enough (no cgroup counter) */
  r = fx_base("oom2", LG_LEAK_NO_LEAK, 0.1, -1, 1);
  r->container.oom_kills = -1;
  r->service.oom_killed = true;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "oom")->status, LG_CHECK_FAIL);
  ck_assert_int_eq(r->exit_code, 1);
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_crash) {
  lg_result *r = fx_crash();
  ck_assert_int_eq(r->exit_code, 1);
  ck_assert_int_eq(check_of(r, "crash")->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(strstr(check_of(r, "crash")->message, "SIGSEGV"));
  ck_assert(has_reason(r, "crash: the service crashed"));
  lg_result_free(r);
  /* exited on its own before the stop */
  r = fx_base("exit", LG_LEAK_NO_LEAK, 0.1, -1, 1);
  r->service.exit_status = 3;
  r->service.crashed = true;
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 1);
  ck_assert_ptr_nonnull(strstr(check_of(r, "crash")->message, "status 3"));
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_inconclusive) {
  lg_result *r = fx_inconclusive(false);
  const lg_check *g = check_of(r, "growth");
  ck_assert_int_eq(r->verdict, LG_VERDICT_INCONCLUSIVE);
  ck_assert_int_eq(r->exit_code, 3);
  ck_assert_int_eq(g->status, LG_CHECK_INCONCLUSIVE);
  ck_assert_ptr_nonnull(strstr(g->message, "about 450000 requests"));
  lg_result_free(r);
  r = fx_inconclusive(true);
  ck_assert_int_eq(r->verdict, LG_VERDICT_INCONCLUSIVE);
  ck_assert_int_eq(r->exit_code, 0);
  ck_assert(has_reason(r, "on_inconclusive: pass"));
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_memcheck_budget) {
  lg_result *r = fx_base("mc", LG_LEAK_NO_LEAK, 0.1, -1, 1);
  lg_leak_record *l;
  r->memcheck.ran = r->memcheck.enabled = true;
  r->memcheck.errors = 0;
  r->memcheck.definitely_lost_bytes = 0;
  r->memcheck.indirectly_lost_bytes = 0;
  r->memcheck.possibly_lost_bytes = 500;
  lg_result_finish(r);
  /* possibly lost is not gated by default */
  ck_assert_int_eq(check_of(r, "memcheck")->status, LG_CHECK_PASS);
  ck_assert(!r->memcheck.failed);
  ck_assert_int_eq(r->exit_code, 0);
  r->memcheck.fail_on |= LG_FAIL_POSSIBLE;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "memcheck")->status, LG_CHECK_FAIL);
  ck_assert(r->memcheck.failed);
  ck_assert_int_eq(r->exit_code, 1);
  r->memcheck.budget_bytes = 500; /* within budget */
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 0);
  /* totals unknown: summed from the records */
  r->memcheck.definitely_lost_bytes = NAN;
  l = lg_result_add_leak(&r->memcheck, "definite", 24, 1, "f00d");
  lg_leak_add_frame(l, "make", "src/a.c", 3, NULL);
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 1);
  ck_assert_ptr_nonnull(
      strstr(check_of(r, "memcheck")->message,
             "top leak: 24 B in 1 block at make (src/a.c:3)"));
  /* memory errors only when asked for */
  r->memcheck.budget_bytes = 1e9;
  r->memcheck.errors = 2;
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 0);
  r->memcheck.fail_on |= LG_FAIL_ERRORS;
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 1);
  /* meant to run but did not: an error, never a silent pass */
  r->memcheck.fail_on = 0;
  r->memcheck.ran = false;
  r->memcheck.note = strdup("valgrind not found (apt-get install valgrind)");
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "memcheck")->status, LG_CHECK_ERROR);
  ck_assert_int_eq(r->exit_code, 4);
  ck_assert(has_reason(r, "valgrind not found"));
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_baseline) {
  lg_result *r = fx_base("bl", LG_LEAK_NO_LEAK, 9, 7, 11);
  r->baseline.verdict = LG_BASELINE_REGRESSION;
  r->baseline.slope_delta = 8.5;
  r->baseline.delta_lo = 6;
  r->baseline.delta_hi = 11;
  r->baseline.tolerance = 4;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "baseline")->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(strstr(check_of(r, "baseline")->message, "8.50 B/req"));
  ck_assert_int_eq(r->exit_code, 1);
  r->baseline.verdict = LG_BASELINE_NO_REGRESSION;
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 0);
  lg_result_add_baseline_leak(&r->baseline, false, "deadbeef00112233");
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "baseline")->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(
      strstr(check_of(r, "baseline")->message,
             "1 new leak not in the baseline: deadbeef00112233"));
  ck_assert_int_eq(r->exit_code, 1);
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_errors) {
  lg_result *r = fx_error();
  ck_assert_int_eq(r->verdict, LG_VERDICT_ERROR);
  ck_assert_int_eq(r->exit_code, 4);
  ck_assert_str_eq(r->reasons[0], r->error);
  ck_assert_int_eq(check_of(r, "growth")->status, LG_CHECK_SKIPPED);
  lg_result_free(r);

  /* an input error found during the run maps to 2 */
  r = fx_pass();
  lg_result_set_error(r, LG_EINPUT,
                      "scenario.yaml:3:5: suppressions: no such file");
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 2);
  lg_result_free(r);

  /* interrupted beats everything, even a detected leak */
  r = fx_leak();
  r->interrupted = true;
  lg_result_finish(r);
  ck_assert_int_eq(r->verdict, LG_VERDICT_ERROR);
  ck_assert_int_eq(r->exit_code, 4);
  ck_assert_str_eq(r->reasons[0], "interrupted");
  lg_result_free(r);

  /* no analysis and nothing to explain it: error, not pass */
  r = fx_pass();
  r->has_analysis = false;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "growth")->status, LG_CHECK_ERROR);
  ck_assert_int_eq(r->exit_code, 4);
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_load) {
  lg_result *r = fx_pass();
  r->load.requests = 10;
  r->load.errors = 990;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "load")->status, LG_CHECK_ERROR);
  ck_assert_ptr_nonnull(
      strstr(check_of(r, "load")->message, "most requests failed"));
  ck_assert_int_eq(r->exit_code, 4);
  /* a crash explains the failed requests: fail wins over the load error */
  r->service.crashed = true;
  r->service.signal = SIGABRT;
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 1);
  lg_result_free(r);

  r = fx_pass();
  r->load.requests = 0;
  r->load.errors = 0;
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 4);
  lg_result_free(r);

  r = fx_pass();
  free(r->load.driver);
  r->load.driver = strdup("exec");
  r->load.requests = -1;
  r->load.exec_exit_status = 127;
  lg_result_finish(r);
  ck_assert_int_eq(check_of(r, "load")->status, LG_CHECK_ERROR);
  ck_assert_int_eq(r->exit_code, 4);
  r->load.exec_exit_status = 143;
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 0);
  lg_result_free(r);
}
END_TEST

START_TEST(test_finish_idempotent) {
  lg_result *r = fx_leak();
  char *a, *b;
  size_t nc;
  lg_result_add_check(r, "fds", LG_CHECK_FAIL,
                      "fd count grows 0.01 per request");
  lg_result_add_reason(r, "note from the runner");
  lg_result_finish(r);
  a = to_json(r);
  nc = r->n_checks;
  lg_result_finish(r);
  lg_result_finish(r);
  b = to_json(r);
  same_text(a, b);
  ck_assert_uint_eq(r->n_checks, nc);
  ck_assert(has_reason(r, "note from the runner"));
  ck_assert(has_reason(r, "fds: fd count grows"));
  free(a);
  free(b);
  /* an external failing check alone fails the run */
  lg_result_free(r);
  r = fx_pass();
  lg_result_add_check(r, "fds", LG_CHECK_FAIL, "fd leak");
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 1);
  lg_result_free(r);
}
END_TEST

/* A module's check under one of finish's names replaces finish's own. */
START_TEST(test_finish_override) {
  lg_result *r = fx_pass();
  size_t i, n = 0;
  r->has_analysis = false;
  lg_result_add_check(r, "growth", LG_CHECK_ERROR,
                      "cannot judge growth from samples.csv: 3 points");
  lg_result_finish(r);
  lg_result_finish(r);
  for (i = 0; i < r->n_checks; i++)
    n += strcmp(r->checks[i].name, "growth") == 0;
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(r->checks[0].name, "growth");
  ck_assert_str_eq(r->checks[0].message,
                   "cannot judge growth from samples.csv: 3 points");
  ck_assert_int_eq(r->exit_code, 4);
  lg_result_free(r);

  /* the runner marks an interrupt both ways: one reason, not two */
  r = fx_leak();
  r->interrupted = true;
  lg_result_set_error(r, LG_EINTR, "interrupted");
  lg_result_finish(r);
  ck_assert_str_eq(r->reasons[0], "interrupted");
  ck_assert(r->n_reasons < 2 || strcmp(r->reasons[1], "interrupted") != 0);
  ck_assert_int_eq(r->exit_code, 4);
  lg_result_free(r);
}
END_TEST

/* ---- JSON --------------------------------------------------------------- */

typedef lg_result *(*fx_fn)(void);
static lg_result *fx_inc0(void) {
  return fx_inconclusive(false);
}
static lg_result *fx_inc1(void) {
  return fx_inconclusive(true);
}
static lg_result *fx_empty(void) {
  lg_result *r = lg_result_new();
  lg_result_finish(r);
  return r;
}
static lg_result *fx_interrupted(void) {
  lg_result *r = fx_leak();
  r->interrupted = true;
  lg_result_finish(r);
  return r;
}
static const fx_fn fixtures[] = {fx_pass,  fx_leak,       fx_oom,      fx_crash,
                                 fx_inc0,  fx_inc1,       fx_memcheck, fx_error,
                                 fx_empty, fx_interrupted};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

/* The checks table: every id has a distinct name that parses back, and
 * finish reports its checks in table order, derived, before added ones. */
START_TEST(test_checks_table) {
  lg_result *r = lg_result_new();
  size_t i, k;
  ck_assert_int_eq(LG_N_FINISH_CHECKS, 13);
  /* A managed runtime with a goroutine series has every check; a native
   * service (below) not the runtime's. */
  r->runtime.name = strdup("go");
  r->runtime.goroutines_points = 30;
  r->runtime.goroutines_leak = LG_LEAK_NO_LEAK;
  for (i = 0; i < LG_N_FINISH_CHECKS; i++) {
    const char *name = lg_check_name((lg_check_id)i);
    ck_assert_ptr_nonnull(name);
    ck_assert_int_eq(lg_check_id_of(name), (int)i);
    ck_assert(lg_result_check_is_finish_name(name));
    for (k = 0; k < i; k++)
      ck_assert_str_ne(name, lg_check_name((lg_check_id)k));
  }
  ck_assert_ptr_null(lg_check_name(LG_N_FINISH_CHECKS));
  ck_assert_int_eq(lg_check_id_of("fds"), -1);
  ck_assert_int_eq(lg_check_id_of(NULL), -1);
  ck_assert_str_eq(lg_check_name(LG_CK_TTL), "time-to-limit");
  ck_assert_int_eq(
      lg_result_add_check(r, "fds", LG_CHECK_FAIL, "%s", "fd count grows"), 0);
  lg_result_finish(r);
  ck_assert_uint_eq(r->n_checks, LG_N_FINISH_CHECKS + 1);
  for (i = 0; i < LG_N_FINISH_CHECKS; i++) {
    ck_assert_str_eq(r->checks[i].name, lg_check_name((lg_check_id)i));
    ck_assert(r->checks[i].derived);
    ck_assert_ptr_eq(lg_result_check_by_id(r, (lg_check_id)i), &r->checks[i]);
  }
  ck_assert_str_eq(r->checks[LG_N_FINISH_CHECKS].name, "fds");
  ck_assert_int_eq(r->exit_code, 1);
  lg_result_free(r);
  r = lg_result_new();
  lg_result_finish(r);
  ck_assert_uint_eq(r->n_checks, LG_CK_RUNTIME_OOM);
  ck_assert_ptr_null(lg_result_check_by_id(r, LG_CK_RUNTIME_OOM));
  ck_assert_ptr_null(lg_result_check_by_id(r, LG_CK_HEAP_EXHAUSTION));
  ck_assert_ptr_null(lg_result_check_by_id(r, LG_CK_THROUGHPUT_COLLAPSE));
  ck_assert_ptr_null(lg_result_check_by_id(r, LG_CK_GOROUTINES));
  lg_result_free(r);
}
END_TEST

/* A JVM-like result: windows of the steady load filled as run/rtgc.c
 * fills them. first/last: seconds, requests, errors, pause, fulls, live. */
static lg_result *runtime_result(double ta, double ra, double ea, double pa,
                                 double tb, double rb, double eb, double pb,
                                 int64_t fb, double live_b, double max) {
  lg_result *r = lg_result_new();
  lg_runtime_result *rt = &r->runtime;
  rt->name = strdup("jvm");
  rt->heap_max_bytes = max;
  rt->n_windows = 3;
  rt->windows[0] = (lg_runtime_window){5, 5 + ta, ra, ea, pa, 0, NAN};
  rt->windows[1] = (lg_runtime_window){25, 25 + tb, rb, eb, pb, fb, live_b};
  rt->windows[2] = rt->windows[1]; /* collecting until the end */
  rt->oom_lines = 0;
  return r;
}

static lg_check_status status_of(lg_result *r, lg_check_id id) {
  const lg_check *c;
  lg_result_finish(r);
  c = lg_result_check_by_id(r, id);
  ck_assert_ptr_nonnull(c);
  return c->status;
}

START_TEST(test_runtime_checks) {
  const double MiB = 1048576;
  lg_result *r;
  /* Heap at its ceiling and 40% of the last 5 s in pauses: exhausted;
   * throughput down to 5% while pauses rose: collapsed. */
  r = runtime_result(5, 50000, 0, 0.1, 5, 2500, 0, 2.0, 40, 62 * MiB,
                     64 * MiB);
  ck_assert_int_eq(status_of(r, LG_CK_HEAP_EXHAUSTION), LG_CHECK_FAIL);
  ck_assert(strstr(lg_result_check_by_id(r, LG_CK_HEAP_EXHAUSTION)->message,
                   "97%") != NULL);
  ck_assert_int_eq(status_of(r, LG_CK_THROUGHPUT_COLLAPSE), LG_CHECK_FAIL);
  ck_assert_int_eq(status_of(r, LG_CK_RUNTIME_OOM), LG_CHECK_PASS);
  /* It stopped collecting (and serving) before the end: judged on the
   * last stretch it collected in, not on the silence after. */
  r->runtime.windows[1].pause_s = 0;
  r->runtime.windows[1].full_collections = 0;
  ck_assert_int_eq(status_of(r, LG_CK_HEAP_EXHAUSTION), LG_CHECK_FAIL);

  ck_assert_int_eq(r->exit_code, 1);
  lg_result_free(r);
  /* Full but barely collecting (5%): not exhausted at the default 25%, and
   * exhausted with gates.gc_time 4%. */
  r = runtime_result(5, 50000, 0, 0.1, 5, 50000, 0, 0.25, 3, 62 * MiB,
                     64 * MiB);
  ck_assert_int_eq(status_of(r, LG_CK_HEAP_EXHAUSTION), LG_CHECK_PASS);
  r->gc_time_max = 0.04;
  ck_assert_int_eq(status_of(r, LG_CK_HEAP_EXHAUSTION), LG_CHECK_FAIL);
  lg_result_free(r);
  /* Slow at the end, but neither GC nor errors rose: the machine, not
   * the heap. With errors at the end: collapsed. */
  r = runtime_result(5, 50000, 0, 0.1, 5, 10000, 0, 0.1, 0, NAN, 256 * MiB);
  ck_assert_int_eq(status_of(r, LG_CK_THROUGHPUT_COLLAPSE), LG_CHECK_PASS);
  ck_assert_int_eq(status_of(r, LG_CK_HEAP_EXHAUSTION), LG_CHECK_PASS);
  r->runtime.windows[1].errors = 300;
  r->runtime.windows[2].errors = 300;
  ck_assert_int_eq(status_of(r, LG_CK_THROUGHPUT_COLLAPSE), LG_CHECK_FAIL);
  lg_result_free(r);
  /* No ceiling (Go), no windows: skipped; an out-of-memory line fails. */
  r = runtime_result(5, 50000, 0, 0.1, 5, 50000, 0, 0.1, 0, NAN, NAN);
  free(r->runtime.name);
  r->runtime.name = strdup("go");
  ck_assert_int_eq(status_of(r, LG_CK_HEAP_EXHAUSTION), LG_CHECK_SKIPPED);
  r->runtime.n_windows = 0;
  ck_assert_int_eq(status_of(r, LG_CK_THROUGHPUT_COLLAPSE), LG_CHECK_SKIPPED);
  r->runtime.oom_lines = 1;
  r->runtime.oom_line = strdup("fatal error: runtime: out of memory");
  ck_assert_int_eq(status_of(r, LG_CK_RUNTIME_OOM), LG_CHECK_FAIL);
  ck_assert(strstr(lg_result_check_by_id(r, LG_CK_RUNTIME_OOM)->message,
                   "fatal error: runtime: out of memory") != NULL);
  ck_assert_int_eq(r->exit_code, 1);
  /* Goroutines: judged like memory, absent without the series. */
  ck_assert_ptr_null(lg_result_check_by_id(r, LG_CK_GOROUTINES));
  r->runtime.goroutines_points = 25;
  r->runtime.goroutines_first = 12;
  r->runtime.goroutines_last = 18000;
  r->runtime.goroutines_slope = 0.0625;
  r->runtime.goroutines_lo = 0.06;
  r->runtime.goroutines_hi = 0.065;
  r->runtime.goroutines_leak = LG_LEAK_LEAK;
  ck_assert_int_eq(status_of(r, LG_CK_GOROUTINES), LG_CHECK_FAIL);
  ck_assert(strstr(lg_result_check_by_id(r, LG_CK_GOROUTINES)->message,
                   "18000") != NULL);
  r->runtime.goroutines_leak = LG_LEAK_NO_LEAK;
  ck_assert_int_eq(status_of(r, LG_CK_GOROUTINES), LG_CHECK_PASS);
  lg_result_free(r);
}
END_TEST

START_TEST(test_json_roundtrip) {
  lg_result *r = fixtures[_i](), *back = NULL;
  char *a = to_json(r), *b, *c;
  lg_error err;
  ck_assert_msg(lg_result_from_json("mem.json", a, strlen(a), &back, &err) == 0,
                "%s", err.msg);
  b = to_json(back);
  same_text(a, b);
  /* and finish on the read-back result changes nothing */
  lg_result_finish(back);
  c = to_json(back);
  same_text(a, c);
  ck_assert_int_eq(back->exit_code, r->exit_code);
  ck_assert_uint_eq(back->n_reasons, r->n_reasons);
  free(a);
  free(b);
  free(c);
  lg_result_free(r);
  lg_result_free(back);
}
END_TEST

/* Every contract key of DESIGN section 2 is present (null when unknown). */
START_TEST(test_json_contract_keys) {
  static const char *const keys[] = {"schema_version",
                                     "tool.name",
                                     "tool.version",
                                     "scenario.name",
                                     "scenario.file",
                                     "verdict",
                                     "exit_code",
                                     "reasons",
                                     "checks",
                                     "analysis.metric",
                                     "analysis.x",
                                     "analysis.leak",
                                     "analysis.slope_bytes_per_request",
                                     "analysis.slope_ci",
                                     "analysis.slope_bytes_per_second",
                                     "analysis.tolerance_bytes_per_request",
                                     "analysis.mds_bytes_per_request",
                                     "analysis.model",
                                     "analysis.warmup_requests",
                                     "analysis.samples_used",
                                     "analysis.time_to_limit_seconds",
                                     "load.driver",
                                     "load.requests",
                                     "load.errors",
                                     "load.duration_s",
                                     "load.throughput_rps",
                                     "load.latency_ms.p50",
                                     "load.latency_ms.p90",
                                     "load.latency_ms.p99",
                                     "load.latency_ms.max",
                                     "container.backend",
                                     "container.memory_limit_bytes",
                                     "container.peak_bytes",
                                     "container.oom_kills",
                                     "service.exit_status",
                                     "service.signal",
                                     "service.crashed",
                                     "memcheck.ran",
                                     "memcheck.definitely_lost_bytes",
                                     "memcheck.indirectly_lost_bytes",
                                     "memcheck.possibly_lost_bytes",
                                     "memcheck.errors",
                                     "memcheck.leaks",
                                     "massif.ran",
                                     "massif.peak_heap_bytes",
                                     "massif.growing_sites",
                                     "baseline.file",
                                     "baseline.verdict",
                                     "baseline.slope_delta_bytes_per_request",
                                     "baseline.delta_ci",
                                     "baseline.new_leaks"};
  lg_result *r = fx_empty();
  char *s = to_json(r);
  json_t *root = json_loads(s, 0, NULL);
  size_t i;
  ck_assert_ptr_nonnull(root);
  for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    char path[128], *tok, *save = NULL;
    json_t *o = root;
    snprintf(path, sizeof path, "%s", keys[i]);
    for (tok = strtok_r(path, ".", &save); tok;
         tok = strtok_r(NULL, ".", &save)) {
      ck_assert_msg(json_is_object(o), "%s: parent is not an object", keys[i]);
      o = json_object_get(o, tok);
      ck_assert_msg(o != NULL, "missing key %s", keys[i]);
    }
  }
  ck_assert(json_is_null(json_object_get(json_object_get(root, "analysis"),
                                         "slope_bytes_per_request")));
  json_decref(root);
  free(s);
  lg_result_free(r);

  /* leak frames carry {function,file,line} with null for unknown */
  r = fx_memcheck();
  s = to_json(r);
  ck_assert_ptr_nonnull(strstr(s, "\"function\": \"g_malloc\",\n"));
  ck_assert_ptr_nonnull(strstr(s, "\"line\": null"));
  ck_assert_ptr_nonnull(strstr(s, "tag\\u0001set\xEF\xBF\xBD\xEF\xBF\xBD"));
  free(s);
  lg_result_free(r);
}
END_TEST

static void write_file(const char *path, const char *s) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(s, f);
  fclose(f);
}

static char tmpdir[256];

static void make_tmpdir(const char *tag) {
  char b[256];
  snprintf(tmpdir, sizeof tmpdir, "%s", lg_test_bin("tests/out/", b, sizeof b));
  mkdir(tmpdir, 0755);
  snprintf(tmpdir + strlen(tmpdir), sizeof tmpdir - strlen(tmpdir), "%s", tag);
  mkdir(tmpdir, 0755);
}

/* Every produced document validates against docs/result-schema.json, and
 * the validator really rejects a broken one. */
START_TEST(test_json_schema) {
  char schema[512], script[512], cmd[8192], path[600];
  size_t i, off;
  int st;
  make_tmpdir("result-schema");
  lg_test_src("docs/result-schema.json", schema, sizeof schema);
  lg_test_src("tests/unit/validate_json_schema.py", script, sizeof script);
  off = (size_t)snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", script, schema);
  for (i = 0; i < N_FIXTURES; i++) {
    lg_result *r = fixtures[i]();
    lg_error err;
    snprintf(path, sizeof path, "%s/fixture%zu.json", tmpdir, i);
    ck_assert_int_eq(lg_result_save(r, path, &err), 0);
    off += (size_t)snprintf(cmd + off, sizeof cmd - off, " '%s'", path);
    lg_result_free(r);
  }
  {
    char ex[512];
    lg_test_src("tests/data/results/example-leak.json", ex, sizeof ex);
    off += (size_t)snprintf(cmd + off, sizeof cmd - off, " '%s'", ex);
  }
  st = system(cmd);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 2,
                "python3-jsonschema is missing: run ci/install-deps.sh");
  ck_assert_msg(
      WIFEXITED(st) && WEXITSTATUS(st) == 0,
      "result.json does not validate against docs/result-schema.json");

  /* negative control: a document with a wrong verdict / exit pairing and an
   * undocumented key must be rejected */
  snprintf(path, sizeof path, "%s/broken.json", tmpdir);
  {
    lg_result *r = fx_leak();
    char *s = to_json(r), *p = strstr(s, "\"exit_code\": 1");
    ck_assert_ptr_nonnull(p);
    p[13] = '0';
    write_file(path, s);
    free(s);
    lg_result_free(r);
  }
  snprintf(cmd, sizeof cmd, "python3 '%s' '%s' '%s' >/dev/null", script, schema,
           path);
  st = system(cmd);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1,
                "the schema accepted a fail verdict with exit_code 0");
  write_file(path, "{\"schema_version\": 1}");
  st = system(cmd);
  ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}
END_TEST

static int load_result(const char *path, lg_error *err) {
  lg_result *r = NULL;
  int rc = lg_result_load(path, &r, err);
  ck_assert_ptr_null(r);
  return rc;
}

/* tests/data/results/bad/NAME.json must fail with the message in NAME.err. */
START_TEST(test_json_bad_inputs) {
  ck_assert_int_ge(lg_test_bad_dir("tests/data/results/bad", load_result), 10);
}
END_TEST

/* Every value of old present, equal, in new (new may have more keys). */
static bool json_superset(json_t *old, json_t *new_, char *where, size_t cap) {
  const char *k;
  json_t *v;
  size_t i;
  if (json_is_object(old)) {
    if (!json_is_object(new_))
      return false;
    json_object_foreach(old, k, v) {
      if (!json_superset(v, json_object_get(new_, k), where, cap)) {
        size_t n = strlen(where);
        snprintf(where + n, cap - n, " <- %s", k);
        return false;
      }
    }
    return true;
  }
  if (json_is_array(old)) {
    if (!json_is_array(new_) || json_array_size(old) != json_array_size(new_))
      return false;
    json_array_foreach(old, i, v) if (!json_superset(v, json_array_get(new_, i),
                                                     where, cap)) return false;
    return true;
  }
  return new_ && json_equal(old, new_);
}

/* A committed schema-1 document (docs/result.md's example) keeps loading
 * and keeps every value when written again: the compatibility promise of
 * schema_version 1 (keys are only ever added). */
START_TEST(test_json_committed_example) {
  char path[512], *text = NULL, where[512] = "";
  lg_result *r = NULL;
  lg_error err;
  json_t *old, *new_;
  lg_test_src("tests/data/results/example-leak.json", path, sizeof path);
  ck_assert_msg(lg_result_load(path, &r, &err) == 0, "%s", err.msg);
  text = to_json(r);
  old = json_load_file(path, 0, NULL);
  new_ = json_loads(text, 0, NULL);
  ck_assert_ptr_nonnull(old);
  ck_assert_ptr_nonnull(new_);
  ck_assert_msg(json_superset(old, new_, where, sizeof where),
                "a value of the committed example changed:%s", where);
  /* finish() on it derives the same verdict */
  lg_result_finish(r);
  ck_assert_int_eq(r->exit_code, 1);
  ck_assert_str_eq(lg_verdict_name(r->verdict), "fail");
  json_decref(old);
  json_decref(new_);
  free(text);
  lg_result_free(r);
}
END_TEST

START_TEST(test_save_load) {
  lg_result *r = fx_memcheck(), *back = NULL;
  char path[512], *a, *b;
  lg_error err;
  DIR *d;
  struct dirent *e;
  make_tmpdir("result-save");
  snprintf(path, sizeof path, "%s/result.json", tmpdir);
  ck_assert_int_eq(lg_result_save(r, path, &err), 0);
  ck_assert_int_eq(lg_result_save(r, path, &err), 0); /* replaces */
  ck_assert_msg(lg_result_load(path, &back, &err) == 0, "%s", err.msg);
  a = to_json(r);
  b = to_json(back);
  same_text(a, b);
  free(a);
  free(b);
  /* no temp file left behind */
  d = opendir(tmpdir);
  while ((e = readdir(d)) != NULL)
    ck_assert_msg(strstr(e->d_name, ".tmp.") == NULL, "left %s", e->d_name);
  closedir(d);
  /* an unwritable place is an infrastructure error with a message */
  snprintf(path, sizeof path, "%s/no/such/dir/result.json", tmpdir);
  ck_assert_int_eq(lg_result_save(r, path, &err), LG_EIO);
  ck_assert_ptr_nonnull(strstr(err.msg, "no/such/dir"));
  /* a missing input file is exit-2 territory and named */
  lg_result_free(back);
  ck_assert_int_eq(lg_result_load(path, &back, &err), LG_ENOENT);
  ck_assert_ptr_null(back);
  lg_result_free(r);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("result");
  TCase *t = tcase_create("model");
  tcase_add_test(t, test_new_is_unknown);
  tcase_add_test(t, test_leak_site_skips_allocator);
  tcase_add_test(t, test_chart_downsample);
  suite_add_tcase(s, t);
  t = tcase_create("finish");
  tcase_add_test(t, test_finish_pass);
  tcase_add_test(t, test_finish_leak);
  tcase_add_test(t, test_finish_ttl_gate);
  tcase_add_test(t, test_finish_oom);
  tcase_add_test(t, test_finish_crash);
  tcase_add_test(t, test_finish_inconclusive);
  tcase_add_test(t, test_finish_memcheck_budget);
  tcase_add_test(t, test_finish_baseline);
  tcase_add_test(t, test_finish_errors);
  tcase_add_test(t, test_finish_load);
  tcase_add_test(t, test_finish_idempotent);
  tcase_add_test(t, test_finish_override);
  tcase_add_test(t, test_checks_table);
  tcase_add_test(t, test_runtime_checks);
  suite_add_tcase(s, t);
  t = tcase_create("json");
  tcase_set_timeout(t, 60);
  tcase_add_loop_test(t, test_json_roundtrip, 0, (int)N_FIXTURES);
  tcase_add_test(t, test_json_contract_keys);
  tcase_add_test(t, test_json_schema);
  tcase_add_test(t, test_json_bad_inputs);
  tcase_add_test(t, test_json_committed_example);
  tcase_add_test(t, test_save_load);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
