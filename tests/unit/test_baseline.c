/* test_baseline.c - the baseline file: what update writes (checked with
 * jansson, as a reader of the documented format would), keeping the last K
 * runs, refusing broken main runs without touching the file, preserving
 * other scenarios and unknown keys, restarting the history on a new metric,
 * refusing another baseline_version, and bad files (data-driven from
 * tests/data/baseline/bad/: NAME.json must fail with the text in NAME.err,
 * naming the file). */
#include "test_baseline_util.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[600];

static void path_of(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
}

static json_t *read_json(const char *path) {
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  ck_assert_msg(j != NULL, "%s: %s", path, je.text);
  return j;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* A result with a Memcheck leak and Massif sites, to see them stored. */
static lg_result *rich_result(void) {
  lg_result *r = bt_result("items-api", LG_LEAK_LEAK, 64, 60, 68, 123456);
  lg_leak_record *l;
  size_t i;
  r->tool_version = strdup("9.9.9");
  r->container.backend = strdup("cgroup-v2");
  r->analysis.sigma = 4096;
  r->analysis.rho = 0.4;
  r->memcheck.enabled = r->memcheck.ran = true;
  r->memcheck.definitely_lost_bytes = 640;
  r->memcheck.indirectly_lost_bytes = 0;
  l = lg_result_add_leak(&r->memcheck, "definite", 640, 10, "0123456789abcdef");
  ck_assert_ptr_nonnull(l);
  lg_leak_add_frame(l, "malloc", "vg_replace_malloc.c", 381, NULL);
  lg_leak_add_frame(l, "leak_per_request", "leaky_http.c", 12, NULL);
  r->massif.ran = true;
  r->massif.peak_heap_bytes = 1 << 20;
  for (i = 0; i < 15; i++) {
    char fn[32];
    snprintf(fn, sizeof fn, "site%zu", i);
    lg_result_add_site(&r->massif, fn, "x.c", (int)i + 1, 0,
                       1000.0 * (double)i);
  }
  lg_result_finish(r);
  return r;
}

START_TEST(test_update_writes_the_format) {
  char path[700];
  lg_result *r = rich_result();
  json_t *j, *e, *latest, *a, *env, *leaks, *sites, *h;
  bt_tmpdir("format", dir, sizeof dir);
  path_of(path, sizeof path, "sub/dir/baseline.json"); /* parents created */
  bt_update(path, &r, 1, 20);
  j = read_json(path);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "baseline_version")),
                   1);
  ck_assert_str_eq(
      json_string_value(json_object_get(json_object_get(j, "tool"), "name")),
      "leakgate");
  ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "updated")));
  e = json_object_get(json_object_get(j, "scenarios"), "items-api");
  latest = json_object_get(e, "latest");
  ck_assert_str_eq(json_string_value(json_object_get(latest, "verdict")),
                   "fail");
  ck_assert_uint_eq(
      strlen(json_string_value(json_object_get(latest, "timestamp"))),
      20); /* 2026-01-01T00:00:00Z */
  a = json_object_get(latest, "analysis");
  ck_assert_double_eq(
      json_number_value(json_object_get(a, "slope_bytes_per_request")), 64);
  ck_assert_double_eq(
      json_number_value(json_array_get(json_object_get(a, "slope_ci"), 0)), 60);
  ck_assert_double_eq(json_number_value(json_object_get(a, "confidence")),
                      0.99);
  ck_assert_int_eq(json_integer_value(json_object_get(a, "samples_used")), 150);
  ck_assert_double_eq(json_number_value(json_object_get(a, "sigma_bytes")),
                      4096);
  ck_assert_double_eq(json_number_value(json_object_get(a, "rho")), 0.4);
  ck_assert_str_eq(json_string_value(json_object_get(a, "x")), "requests");
  ck_assert_int_eq(json_integer_value(json_object_get(
                       json_object_get(latest, "load"), "requests")),
                   123456);
  leaks = json_object_get(json_object_get(latest, "memcheck"), "leaks");
  ck_assert_uint_eq(json_array_size(leaks), 1);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(leaks, 0),
                                                     "fingerprint")),
                   "0123456789abcdef");
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(leaks, 0), "site")),
      "leak_per_request (leaky_http.c:12)");
  sites = json_object_get(json_object_get(latest, "massif"), "top_sites");
  ck_assert_uint_eq(json_array_size(sites), 10); /* top 10 of 15 */
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(sites, 0), "function")),
      "site14");
  env = json_object_get(latest, "environment");
  ck_assert_str_eq(json_string_value(json_object_get(env, "leakgate_version")),
                   "9.9.9");
  ck_assert_str_eq(json_string_value(json_object_get(env, "backend")),
                   "cgroup-v2");
  ck_assert(json_integer_value(json_object_get(env, "cpus")) >= 1);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(env, "kernel")), "Linux"));
  h = json_object_get(e, "history");
  ck_assert_uint_eq(json_array_size(h), 1);
  ck_assert_double_eq(json_number_value(json_object_get(
                          json_array_get(h, 0), "slope_bytes_per_request")),
                      64);
  json_decref(j);
  lg_result_free(r);
}
END_TEST

/* 25 runs with keep 20: the first five are dropped, in order. */
START_TEST(test_update_keeps_last_k) {
  char path[700];
  lg_baseline *b;
  json_t *j, *h;
  size_t i;
  bt_tmpdir("keep", dir, sizeof dir);
  path_of(path, sizeof path, "b.json");
  unlink(path);
  for (i = 0; i < 25; i++) {
    lg_result *r = bt_result("svc", LG_LEAK_NO_LEAK, (double)i, (double)i - 1,
                             (double)i + 1, 1000);
    bt_update(path, &r, 1, 20);
    lg_result_free(r);
  }
  b = bt_load(path);
  ck_assert_uint_eq(lg_baseline_history_len(b, "svc"), 20);
  ck_assert_uint_eq(lg_baseline_history_len(b, "nope"), 0);
  lg_baseline_free(b);
  j = read_json(path);
  h = json_object_get(json_object_get(json_object_get(j, "scenarios"), "svc"),
                      "history");
  ck_assert_double_eq(json_number_value(json_object_get(
                          json_array_get(h, 0), "slope_bytes_per_request")),
                      5);
  ck_assert_double_eq(json_number_value(json_object_get(
                          json_array_get(h, 19), "slope_bytes_per_request")),
                      24);
  /* the latest run is the last one */
  ck_assert_double_eq(
      json_number_value(json_object_get(
          json_object_get(
              json_object_get(
                  json_object_get(json_object_get(j, "scenarios"), "svc"),
                  "latest"),
              "analysis"),
          "slope_bytes_per_request")),
      24);
  json_decref(j);
  /* a smaller keep trims what is there; keep bounds are checked */
  {
    lg_result *r = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 1000);
    lg_error err;
    bt_update(path, &r, 1, 3);
    b = bt_load(path);
    ck_assert_uint_eq(lg_baseline_history_len(b, "svc"), 3);
    lg_baseline_free(b);
    ck_assert_int_eq(
        lg_baseline_update(path, (const lg_result *const *)&r, 1, 0, &err),
        LG_EUSAGE);
    ck_assert_int_eq(
        lg_baseline_update(path, (const lg_result *const *)&r, 1, 10001, &err),
        LG_EUSAGE);
    ck_assert_int_eq(lg_baseline_update(path, NULL, 0, 20, &err), LG_EUSAGE);
    lg_result_free(r);
  }
}
END_TEST

/* Broken main runs are refused, naming the run and why; the file is not
 * touched. */
START_TEST(test_update_refuses_broken_runs) {
  char path[700], *before, *after;
  lg_result *good = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 1000);
  lg_result *bad[4], *pair[2];
  static const char *const why[] = {"verdict is error (service failed to "
                                    "start)",
                                    "no growth analysis", "no slope",
                                    "no scenario name"};
  lg_error err;
  size_t i;
  bt_tmpdir("refuse", dir, sizeof dir);
  path_of(path, sizeof path, "b.json");
  unlink(path);
  bt_update(path, &good, 1, 20);
  before = lg_test_read(path, NULL);
  bad[0] = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 1000);
  lg_result_set_error(bad[0], LG_ESTART, "service failed to start");
  lg_result_finish(bad[0]);
  bad[1] = lg_result_new();
  bad[1]->scenario_name = strdup("svc");
  lg_result_finish(bad[1]);
  bad[1]->verdict = LG_VERDICT_PASS; /* even if it claims to pass */
  bad[2] = bt_result("svc", LG_LEAK_INCONCLUSIVE, NAN, -INFINITY, INFINITY, 10);
  bad[3] = bt_result(NULL, LG_LEAK_NO_LEAK, 1, 0, 2, 1000);
  for (i = 0; i < 4; i++) {
    pair[0] = good;
    pair[1] = bad[i];
    lg_error_clear(&err);
    ck_assert_int_eq(
        lg_baseline_update(path, (const lg_result *const *)pair, 2, 20, &err),
        LG_EINPUT);
    ck_assert_msg(strstr(err.msg, why[i]) != NULL, "case %zu: %s", i, err.msg);
    ck_assert_msg(strstr(err.msg, "result 2 of 2") != NULL, "%s", err.msg);
    after = lg_test_read(path, NULL);
    ck_assert_str_eq(before, after);
    free(after);
    lg_result_free(bad[i]);
  }
  /* a run that failed its gates (a leak main really has) is accepted */
  {
    lg_result *leaky = bt_result("svc", LG_LEAK_LEAK, 64, 60, 68, 1000);
    ck_assert_int_eq(leaky->verdict, LG_VERDICT_FAIL);
    bt_update(path, &leaky, 1, 20);
    lg_result_free(leaky);
  }
  free(before);
  lg_result_free(good);
}
END_TEST

/* Several scenarios in one call; others in the file and unknown keys
 * survive; a metric change restarts that scenario's history. */
START_TEST(test_update_merges) {
  char path[700];
  lg_result *rs[3];
  lg_baseline *b;
  json_t *j;
  bt_tmpdir("merge", dir, sizeof dir);
  path_of(path, sizeof path, "b.json");
  write_text(
      path, "{\"baseline_version\": 1, \"future_key\": {\"a\": 1},\n"
            " \"scenarios\": {\"old\": {\"latest\": {\"analysis\": {\"metric\":"
            " \"anon_bytes\", \"x\": \"requests\", \"slope_bytes_per_request\":"
            " 3, \"slope_ci\": [2, 4], \"newer_field\": true}},"
            " \"history\": [{\"slope_bytes_per_request\": 3}]}}}\n");
  rs[0] = bt_result("a", LG_LEAK_NO_LEAK, 1, 0, 2, 1000);
  rs[1] = bt_result("b", LG_LEAK_NO_LEAK, 2, 1, 3, 1000);
  rs[2] = bt_result("a", LG_LEAK_NO_LEAK, 3, 2, 4, 1000);
  bt_update(path, rs, 3, 20);
  b = bt_load(path);
  ck_assert_uint_eq(lg_baseline_history_len(b, "a"), 2);
  ck_assert_uint_eq(lg_baseline_history_len(b, "b"), 1);
  ck_assert_uint_eq(lg_baseline_history_len(b, "old"), 1);
  lg_baseline_free(b);
  j = read_json(path);
  ck_assert_ptr_nonnull(json_object_get(j, "future_key"));
  ck_assert(json_is_true(json_object_get(
      json_object_get(
          json_object_get(
              json_object_get(json_object_get(j, "scenarios"), "old"),
              "latest"),
          "analysis"),
      "newer_field")));
  json_decref(j);
  /* scenario a now measured on rss: its history restarts */
  snprintf(rs[0]->analysis.metric, sizeof rs[0]->analysis.metric, "rss_bytes");
  bt_update(path, rs, 1, 20);
  b = bt_load(path);
  ck_assert_uint_eq(lg_baseline_history_len(b, "a"), 1);
  ck_assert_uint_eq(lg_baseline_history_len(b, "b"), 1);
  lg_baseline_free(b);
  lg_result_free(rs[0]);
  lg_result_free(rs[1]);
  lg_result_free(rs[2]);
}
END_TEST

/* A file of another baseline_version loads (compare says so) but update
 * will not overwrite it. */
START_TEST(test_update_refuses_other_version) {
  char src[600], path[700], *before, *after;
  lg_result *r = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 1000);
  lg_error err;
  bt_tmpdir("v2", dir, sizeof dir);
  path_of(path, sizeof path, "b.json");
  before = lg_test_read(
      lg_test_src("tests/data/baseline/version2.json", src, sizeof src), NULL);
  write_text(path, before);
  ck_assert_int_eq(
      lg_baseline_update(path, (const lg_result *const *)&r, 1, 20, &err),
      LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "baseline_version 2"));
  ck_assert_ptr_nonnull(strstr(err.msg, path));
  after = lg_test_read(path, NULL);
  ck_assert_str_eq(before, after);
  free(before);
  free(after);
  lg_result_free(r);
}
END_TEST

START_TEST(test_load_missing) {
  lg_baseline *b = (lg_baseline *)1;
  lg_error err;
  ck_assert_int_eq(lg_baseline_load("/nonexistent/leakgate/b.json", &b, &err),
                   LG_ENOENT);
  ck_assert_ptr_null(b);
  ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/leakgate/b.json"));
  lg_baseline_free(NULL);
}
END_TEST

static int load_baseline(const char *path, lg_error *err) {
  lg_baseline *b = NULL;
  int rc = lg_baseline_load(path, &b, err);
  ck_assert_ptr_null(b);
  return rc;
}

START_TEST(test_load_bad_files) {
  ck_assert_int_ge(lg_test_bad_dir("tests/data/baseline/bad", load_baseline),
                   20);
}
END_TEST

/* The committed example in docs/baseline.md's format loads and compares. */
START_TEST(test_committed_example) {
  char path[600];
  lg_baseline *b;
  lg_result *p;
  b = bt_load(
      lg_test_src("tests/data/baseline/example.json", path, sizeof path));
  ck_assert_uint_eq(lg_baseline_history_len(b, "items-api"), 5);
  p = bt_result("items-api", LG_LEAK_LEAK, 70, 66, 74, 240000);
  bt_compare(p, b, path, false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_REGRESSION);
  ck_assert(isfinite(p->baseline.history_limit));
  lg_result_free(p);
  lg_baseline_free(b);
}
END_TEST

int main(void) {
  Suite *s = suite_create("baseline");
  TCase *t = tcase_create("file");
  tcase_add_test(t, test_update_writes_the_format);
  tcase_add_test(t, test_update_keeps_last_k);
  tcase_add_test(t, test_update_refuses_broken_runs);
  tcase_add_test(t, test_update_merges);
  tcase_add_test(t, test_update_refuses_other_version);
  tcase_add_test(t, test_load_missing);
  tcase_add_test(t, test_load_bad_files);
  tcase_add_test(t, test_committed_example);
  suite_add_tcase(s, t);
  return lg_test_run(s);
}
