/* test_prom_reader.c - the Prometheus inputs of `leakgate analyze`
 * (harness/series/prom_*.c, input.c): detection by content, the
 * query_range JSON and the text-scrape sequence, selectors, --x-series
 * pairing, units, and every bad input of tests/data/prometheus/bad naming
 * its position (NAME.err holds the expected message part). */
#include "lg_test.h"

#include <leakgate/analysis.h>
#include <leakgate/series.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <unistd.h>

#define T0 1700000000

/* A growable string for building inputs. */
typedef struct sb {
  char *p;
  size_t n, cap;
} sb;

static void sbf(sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sbf(sb *b, const char *fmt, ...) {
  va_list ap;
  int k;
  for (;;) {
    va_start(ap, fmt);
    k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (b->p && b->n + (size_t)k < b->cap)
      break;
    b->cap = (b->cap + (size_t)k + 1) * 2;
    b->p = realloc(b->p, b->cap);
    ck_assert_ptr_nonnull(b->p);
  }
  b->n += (size_t)k;
}

/* Memory of pod p at step i: pod a leaks 64 B per request, b is flat
 * with a little noise; requests grow 100 per step (+ the pod's offset). */
static double mem(char pod, int i) {
  return pod == 'a' ? 50e6 + 64.0 * 100 * i
                    : 80e6 + (double)((i * 7) % 5) * 4096;
}
static double req(char pod, int i) {
  return (pod == 'a' ? 1000 : 5000) + 100.0 * i;
}

/* A query_range answer: memory and request series for pods a and b, n
 * steps of 1 s; metric_first = false puts "values" before "metric". */
static char *answer(int n, bool metric_first) {
  sb b = {0};
  const char pods[] = "ab";
  int p, k, i;
  sbf(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
          "\"result\":[");
  for (k = 0; k < 2; k++)
    for (p = 0; p < 2; p++) {
      char lb[160];
      snprintf(lb, sizeof lb,
               "\"metric\":{\"__name__\":\"%s\",\"namespace\":\"x\","
               "\"pod\":\"%c\"}",
               k ? "http_requests_total" : "container_memory_working_set_bytes",
               pods[p]);
      sbf(&b, "%s{", k + p ? "," : "");
      if (metric_first)
        sbf(&b, "%s,", lb);
      sbf(&b, "\"values\":[");
      for (i = 0; i < n; i++)
        sbf(&b, "%s[%d.5,\"%.0f\"]", i ? "," : "", T0 + i,
            k ? req(pods[p], i) : mem(pods[p], i));
      sbf(&b, "]%s%s}", metric_first ? "" : ",", metric_first ? "" : lb);
    }
  sbf(&b, "]}}");
  return b.p;
}

static int read_str(const char *text, const lg_series_opts *o,
                    lg_series_list *l, lg_error *err) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  int rc;
  ck_assert_ptr_nonnull(f);
  rc = lg_series_read_all_stream(f, "in", o, l, err);
  fclose(f);
  return rc;
}

static void judge(const lg_series *s, lg_analysis *a) {
  lg_analysis_opts ao;
  lg_error err;
  lg_analysis_opts_init(&ao);
  ck_assert_msg(lg_analyze(s, &ao, a, &err) == 0, "%s", err.msg);
}

START_TEST(detects_by_content) {
  ck_assert_int_eq(lg_input_detect("t_s,requests\n", 13), LG_INPUT_CSV);
  ck_assert_int_eq(lg_input_detect("\xEF\xBB\xBFt_s,x", 8), LG_INPUT_CSV);
  ck_assert_int_eq(lg_input_detect(" \n{\"status\"", 11), LG_INPUT_PROM_JSON);
  ck_assert_int_eq(lg_input_detect("[{", 2), LG_INPUT_PROM_JSON);
  ck_assert_int_eq(lg_input_detect("# HELP x y", 10), LG_INPUT_PROM_TEXT);
  ck_assert_int_eq(lg_input_detect("up{job=\"a\"} 1 2", 15),
                   LG_INPUT_PROM_TEXT);
  ck_assert_int_eq(lg_input_detect("up 1 2", 6), LG_INPUT_PROM_TEXT);
  ck_assert_int_eq(lg_input_detect("{__name__=\"up\"} 1 2", 19),
                   LG_INPUT_PROM_JSON); /* a leading { is JSON's */
  ck_assert_int_eq(lg_input_detect("", 0), LG_INPUT_CSV);
  ck_assert_str_eq(lg_input_format_name(LG_INPUT_PROM_TEXT), "prometheus-text");
}
END_TEST

/* One verdict per series, named by labels; x from the paired counter. */
START_TEST(json_pairs_request_counters) {
  char *text = answer(60, true);
  lg_series_opts o = {0};
  lg_series_list l;
  lg_analysis a;
  lg_error err;
  o.x_series = "http_requests_total";
  ck_assert_msg(read_str(text, &o, &l, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(l.format, LG_INPUT_PROM_JSON);
  ck_assert_uint_eq(l.n, 2);
  ck_assert_str_eq(l.v[0]->name, "container_memory_working_set_bytes{"
                                 "namespace=\"x\",pod=\"a\"}");
  ck_assert_str_eq(l.v[0]->metric, "container_memory_working_set_bytes");
  ck_assert_str_eq(l.v[0]->x_name, "requests");
  /* x is pod a's own counter, not pod b's. */
  ck_assert_double_eq_tol(l.v[0]->x[0], 1000, 1e-9);
  ck_assert_double_eq_tol(l.v[1]->x[0], 5000, 1e-9);
  ck_assert_double_eq_tol(l.v[0]->t[1] - l.v[0]->t[0], 1, 1e-6);
  judge(l.v[0], &a);
  ck_assert_int_eq(a.leak, LG_LEAK_LEAK);
  ck_assert_double_eq_tol(a.slope, 64, 1e-6);
  judge(l.v[1], &a);
  ck_assert_int_eq(a.leak, LG_LEAK_NO_LEAK);
  lg_series_list_cleanup(&l);
  free(text);
}
END_TEST

/* Seconds by default; "metric" after "values" reads the same. */
START_TEST(json_seconds_and_late_labels) {
  char *t1 = answer(40, true), *t2 = answer(40, false);
  lg_series_opts o = {0};
  lg_series_list l1, l2;
  lg_analysis a;
  lg_error err;
  size_t i;
  o.metric = "container_memory_working_set_bytes{pod!=\"b\"}";
  ck_assert_msg(read_str(t1, &o, &l1, &err) == 0, "%s", err.msg);
  ck_assert_msg(read_str(t2, &o, &l2, &err) == 0, "%s", err.msg);
  ck_assert_uint_eq(l1.n, 1);
  ck_assert_uint_eq(l2.n, 1);
  ck_assert_str_eq(l1.v[0]->x_name, "seconds");
  ck_assert_uint_eq(l1.v[0]->n, l2.v[0]->n);
  for (i = 0; i < l1.v[0]->n; i++) {
    ck_assert_double_eq(l1.v[0]->x[i], l2.v[0]->x[i]);
    ck_assert_double_eq(l1.v[0]->y[i], l2.v[0]->y[i]);
  }
  judge(l1.v[0], &a);
  ck_assert_double_eq_tol(a.slope, 6400, 1e-6); /* bytes per second */
  lg_series_list_cleanup(&l1);
  lg_series_list_cleanup(&l2);
  free(t1);
  free(t2);
}
END_TEST

/* The same points as a CSV and as Prometheus series give the same bytes. */
START_TEST(json_matches_csv) {
  char *text = answer(50, true);
  sb csv = {0};
  lg_series_opts o = {0}, oc = {0};
  lg_series_list lj, lc;
  lg_analysis aj, ac;
  lg_error err;
  int i;
  sbf(&csv, "t_s,requests,anon_bytes\n");
  for (i = 0; i < 50; i++)
    sbf(&csv, "%d,%.0f,%.0f\n", i, req('a', i), mem('a', i));
  o.x_series = "http_requests_total";
  o.metric = "{pod=\"a\"}";
  ck_assert_msg(read_str(text, &o, &lj, &err) == 0, "%s", err.msg);
  ck_assert_msg(read_str(csv.p, &oc, &lc, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(lc.format, LG_INPUT_CSV);
  ck_assert_ptr_null(lc.v[0]->name);
  judge(lj.v[0], &aj);
  judge(lc.v[0], &ac);
  ck_assert_double_eq(aj.slope, ac.slope);
  ck_assert_double_eq(aj.slope_lo, ac.slope_lo);
  ck_assert_double_eq(aj.slope_hi, ac.slope_hi);
  ck_assert_int_eq(aj.leak, ac.leak);
  lg_series_list_cleanup(&lj);
  lg_series_list_cleanup(&lc);
  free(text);
  free(csv.p);
}
END_TEST

/* Scrapes: 0.0.4 in ms and OpenMetrics in s are the same series; the
 * default picks the best memory metric present (working set over rss);
 * NaN samples are skipped; an exemplar is ignored. */
START_TEST(text_units_and_default_metric) {
  sb t4 = {0}, om = {0};
  lg_series_opts o = {0};
  lg_series_list l4, lo;
  lg_error err;
  int i;
  size_t k;
  for (i = 0; i < 40; i++) {
    long long ms = (long long)(T0 + i) * 1000;
    char v[32];
    if (i == 7)
      snprintf(v, sizeof v, "NaN");
    else
      snprintf(v, sizeof v, "%.0f", mem('a', i));
    sbf(&t4, "# HELP container_memory_rss rss\n"
             "# TYPE container_memory_rss gauge\n");
    sbf(&t4, "container_memory_rss{pod=\"a\"} %.0f %lld\n", mem('a', i) / 2,
        ms);
    sbf(&t4, "container_memory_working_set_bytes{pod=\"a\",ns=\"x\"} %s %lld\n",
        v, ms);
    sbf(&t4, "unrelated_total 5 %lld\n\n", ms);
    sbf(&om, "# TYPE container_memory_working_set_bytes gauge\n");
    sbf(&om,
        "container_memory_working_set_bytes{ns=\"x\",pod=\"a\"} %s %d.000 # "
        "{trace_id=\"t\"} 1\n# EOF\n",
        v, T0 + i);
  }
  ck_assert_msg(read_str(t4.p, &o, &l4, &err) == 0, "%s", err.msg);
  ck_assert_msg(read_str(om.p, &o, &lo, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(l4.format, LG_INPUT_PROM_TEXT);
  ck_assert_uint_eq(l4.n, 1);
  ck_assert_uint_eq(lo.n, 1);
  ck_assert_str_eq(l4.v[0]->name,
                   "container_memory_working_set_bytes{ns=\"x\",pod=\"a\"}");
  ck_assert_str_eq(lo.v[0]->name, l4.v[0]->name);
  ck_assert_uint_eq(l4.v[0]->rows, 39);
  ck_assert_uint_eq(l4.v[0]->n, lo.v[0]->n);
  for (k = 0; k < l4.v[0]->n; k++) {
    ck_assert_double_eq_tol(l4.v[0]->x[k], lo.v[0]->x[k], 1e-9);
    ck_assert_double_eq(l4.v[0]->y[k], lo.v[0]->y[k]);
  }
  ck_assert_double_eq_tol(l4.v[0]->x[1] - l4.v[0]->x[0], 1, 1e-9);
  lg_series_list_cleanup(&l4);
  lg_series_list_cleanup(&lo);
  free(t4.p);
  free(om.p);
}
END_TEST

/* leakgate's own series: anon first, requests as x by --x requests. */
START_TEST(text_leakgate_series) {
  sb t = {0};
  lg_series_opts o = {0};
  lg_series_list l;
  lg_analysis a;
  lg_error err;
  int i;
  for (i = 0; i < 30; i++) {
    long long ms = (long long)(T0 + i) * 1000;
    sbf(&t, "leakgate_memory_bytes{scenario=\"s\",metric=\"rss\"} %.0f %lld\n",
        mem('b', i), ms);
    sbf(&t, "leakgate_memory_bytes{scenario=\"s\",metric=\"anon\"} %.0f %lld\n",
        mem('a', i), ms);
    sbf(&t, "leakgate_requests_total{scenario=\"s\"} %.0f %lld\n", req('a', i),
        ms);
  }
  o.x = "requests";
  ck_assert_msg(read_str(t.p, &o, &l, &err) == 0, "%s", err.msg);
  ck_assert_uint_eq(l.n, 1);
  ck_assert_str_eq(l.v[0]->name,
                   "leakgate_memory_bytes{metric=\"anon\",scenario=\"s\"}");
  judge(l.v[0], &a);
  ck_assert_double_eq_tol(a.slope, 64, 1e-6);
  lg_series_list_cleanup(&l);
  o.x = NULL;
  o.metric = "rss";
  ck_assert_msg(read_str(t.p, &o, &l, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(l.v[0]->name,
                   "leakgate_memory_bytes{metric=\"rss\",scenario=\"s\"}");
  lg_series_list_cleanup(&l);
  free(t.p);
}
END_TEST

START_TEST(x_series_errors) {
  sb t = {0};
  lg_series_opts o = {0};
  lg_series_list l;
  lg_error err;
  char *text = answer(30, true);
  int i, fds[2];
  FILE *f;
  for (i = 0; i < 30; i++) {
    sbf(&t, "container_memory_rss %.0f %d000\n", mem('a', i), T0 + i);
    sbf(&t, "reqs_total %d %d000\n", i == 12 ? 3 : 1000 + i, T0 + i);
  }
  o.x_series = "reqs_total";
  ck_assert_int_eq(read_str(t.p, &o, &l, &err), LG_EINPUT);
  ck_assert_msg(strstr(err.msg, "in:26:") &&
                    strstr(err.msg, "counter reqs_total decreases"),
                "%s", err.msg);
  o.x_series = "nothing_total";
  ck_assert_int_eq(read_str(t.p, &o, &l, &err), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(err.msg, "no series matches --x-series"));
  /* Two counters, and the memory series shares labels with neither. */
  o.x_series = "http_requests_total";
  o.metric = NULL;
  free(t.p);
  t.p = NULL;
  t.n = t.cap = 0;
  ck_assert_int_eq(read_str(text, &o, &l, &err), 0); /* pods pair up */
  lg_series_list_cleanup(&l);
  o.x_series = "{__name__=\"http_requests_total\",pod=\"b\"}";
  o.metric = "container_memory_working_set_bytes";
  ck_assert_int_eq(read_str(text, &o, &l, &err), 0); /* one: for both */
  ck_assert_uint_eq(l.n, 2);
  ck_assert_double_eq_tol(l.v[0]->x[0], 5000, 1e-9);
  lg_series_list_cleanup(&l);
  o.metric = NULL;
  o.x_series = "http_requests_total{";
  ck_assert_int_eq(read_str(text, &o, &l, &err), LG_EUSAGE);
  o.x_series = NULL;
  o.metric = "a{b=~\"x\"}";
  ck_assert_int_eq(read_str(text, &o, &l, &err), LG_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.msg, "regular expression"));
  /* A pipe cannot be read twice. */
  o.metric = NULL;
  o.x_series = "http_requests_total";
  ck_assert_int_eq(pipe(fds), 0);
  ck_assert_int_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
  close(fds[1]);
  f = fdopen(fds[0], "r");
  ck_assert_int_eq(lg_series_read_all_stream(f, "pipe", &o, &l, &err),
                   LG_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.msg, "not a pipe"));
  fclose(f);
  /* ... but without --x-series a pipe works (the head is replayed). */
  ck_assert_int_eq(pipe(fds), 0);
  ck_assert_int_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
  close(fds[1]);
  f = fdopen(fds[0], "r");
  o.x_series = NULL;
  ck_assert_msg(lg_series_read_all_stream(f, "pipe", &o, &l, &err) == 0, "%s",
                err.msg);
  ck_assert_uint_eq(l.n, 4);
  lg_series_list_cleanup(&l);
  fclose(f);
  free(text);
}
END_TEST

/* A stream that serves its text, then fails (as a disk or a dropped
 * network mount would). */
typedef struct failing {
  const char *text;
  size_t pos;
} failing;

static ssize_t failing_read(void *c, char *buf, size_t size) {
  failing *fs = c;
  size_t left = strlen(fs->text) - fs->pos, k = left < size ? left : size;
  if (k == 0) {
    errno = EIO;
    return -1;
  }
  memcpy(buf, fs->text + fs->pos, k);
  fs->pos += k;
  return (ssize_t)k;
}

/* A read error is LG_EIO, never a "truncated" input error: here the error
 * comes while the JSON lexer peeks past the last digit of a number. */
START_TEST(read_error_is_eio) {
  cookie_io_functions_t io = {failing_read, NULL, NULL, NULL};
  char text[4097];
  failing fs = {text, 0};
  lg_series_list l;
  lg_error err;
  FILE *f;
  memset(text, ' ', sizeof text - 1);
  text[0] = '[';
  text[sizeof text - 3] = '1';
  text[sizeof text - 2] = '2';
  text[sizeof text - 1] = '\0';
  f = fopencookie(&fs, "r", io);
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(lg_series_read_all_stream(f, "disk", NULL, &l, &err),
                   LG_EIO);
  ck_assert_msg(strstr(err.msg, "read error") != NULL, "%s", err.msg);
  ck_assert_uint_eq(l.n, 0);
  fclose(f);
}
END_TEST

/* JSON string escapes in label values, and the name escapes them back. */
START_TEST(json_string_escapes) {
  sb t = {0};
  lg_series_opts o = {0};
  lg_series_list l;
  lg_error err;
  int i;
  sbf(&t, "[{\"metric\":{\"__name__\":\"m_bytes\",\"pod\":"
          "\"a\\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00\"},\"values\":[");
  for (i = 0; i < 25; i++)
    sbf(&t, "%s[%d,\"%d\"]", i ? "," : "", T0 + i, 1000 + i);
  sbf(&t, "]}]");
  ck_assert_msg(read_str(t.p, &o, &l, &err) == 0, "%s", err.msg);
  ck_assert_str_eq(
      l.v[0]->name,
      "m_bytes{pod=\"a\\\"b\\\\c/\\n\t\xc3\xa9\xf0\x9f\x98\x80\"}");
  lg_series_list_cleanup(&l);
  free(t.p);
}
END_TEST

/* lg_test_bad_dir_ext's loader: nothing may be left in the list. */
static int load_prom(const char *path, lg_error *err) {
  lg_series_list l;
  int rc = lg_series_read_all(path, NULL, &l, err);
  ck_assert_uint_eq(l.n, 0);
  ck_assert_ptr_null(l.v);
  return rc;
}

START_TEST(bad_inputs_name_the_position) {
  int n = lg_test_bad_dir_ext("tests/data/prometheus/bad", ".json", load_prom);
  ck_assert_int_ge(n, 15);
  n = lg_test_bad_dir_ext("tests/data/prometheus/bad", ".prom", load_prom);
  ck_assert_int_ge(n, 7);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("prom_reader");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, detects_by_content);
  tcase_add_test(tc, json_pairs_request_counters);
  tcase_add_test(tc, json_seconds_and_late_labels);
  tcase_add_test(tc, json_matches_csv);
  tcase_add_test(tc, text_units_and_default_metric);
  tcase_add_test(tc, text_leakgate_series);
  tcase_add_test(tc, x_series_errors);
  tcase_add_test(tc, json_string_escapes);
  tcase_add_test(tc, read_error_is_eio);
  tcase_add_test(tc, bad_inputs_name_the_position);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return lg_test_run(suite());
}
