/* Unit tests for series/csv_reader.c, series/aggregate.c, series/series.c:
 * column choice, CSV dialect, every bad-input message with its line, and the
 * bounded aggregation (medians, exact minima, sawtooth envelope). */
#include "lg_test.h"

#include <leakgate/series.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define HDR                                                                    \
  "t_s,requests,rss_bytes,anon_bytes,pss_bytes,cgroup_bytes,procs,fds,phase\n"

/* Read CSV text through lg_series_read_stream. */
static int read_csv(const char *text, const lg_series_opts *o, lg_series **s,
                    lg_error *e) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  int rc;
  ck_assert_ptr_nonnull(f);
  rc = lg_series_read_stream(f, "s.csv", o, s, e);
  fclose(f);
  return rc;
}

/* A samples.csv of n rows: requests = 100 i, anon = 1000 + 7 i (or empty
 * when anon_empty), rss = anon + 5000. */
static char *make_csv(int n, int anon_empty, const char *eol, int trailing) {
  size_t cap = 256 + (size_t)n * 96;
  char *b = malloc(cap);
  size_t len = 0;
  int i;
  ck_assert_ptr_nonnull(b);
  len += (size_t)snprintf(b + len, cap - len,
                          "t_s,requests,rss_bytes,anon_bytes,pss_bytes,"
                          "cgroup_bytes,procs,fds,phase%s",
                          eol);
  for (i = 0; i < n; i++) {
    char anon[32] = "";
    if (!anon_empty)
      snprintf(anon, sizeof anon, "%d", 1000 + 7 * i);
    len += (size_t)snprintf(b + len, cap - len, "%.1f,%d,%d,%s,,,1,9,steady%s",
                            i * 0.5, 100 * i, 6000 + 7 * i, anon,
                            (i == n - 1 && !trailing) ? "" : eol);
  }
  return b;
}

START_TEST(default_metric_and_axis) {
  char *csv = make_csv(30, 0, "\n", 1);
  lg_series *s = NULL;
  lg_error e;
  size_t i;
  ck_assert_int_eq(read_csv(csv, NULL, &s, &e), 0);
  ck_assert_str_eq(s->metric, "anon_bytes");
  ck_assert_str_eq(s->x_name, "requests");
  ck_assert_int_eq(s->x_is_seconds, 0);
  ck_assert_uint_eq(s->n, 30);
  ck_assert_uint_eq(s->rows, 30);
  ck_assert_uint_eq(s->rows_used, 30);
  ck_assert_int_eq(s->aggregate, LG_AGG_MEDIAN);
  ck_assert_double_eq(s->x_block, 0);
  for (i = 0; i < 30; i++) {
    ck_assert_double_eq(s->x[i], 100.0 * (double)i);
    ck_assert_double_eq(s->y[i], 1000.0 + 7.0 * (double)i);
    ck_assert_double_eq(s->t[i], 0.5 * (double)i);
    ck_assert_double_eq(s->ymax[i], s->y[i]);
  }
  lg_series_free(s);
  free(csv);
}
END_TEST

START_TEST(empty_metric_falls_through) {
  /* anon_bytes exists but is never measured: rss_bytes is next. */
  char *csv = make_csv(25, 1, "\n", 1);
  lg_series *s = NULL;
  lg_error e;
  ck_assert_int_eq(read_csv(csv, NULL, &s, &e), 0);
  ck_assert_str_eq(s->metric, "rss_bytes");
  ck_assert_double_eq(s->y[3], 6021);
  lg_series_free(s);
  free(csv);
}
END_TEST

START_TEST(metric_names) {
  static const char csv[] =
      "t_s,requests,rss_bytes,pss_bytes,my_mem\n"
      "0,0,10,20,30\n1,10,11,21,31\n2,20,12,22,32\n3,30,13,23,33\n"
      "4,40,14,24,34\n5,50,15,25,35\n6,60,16,26,36\n7,70,17,27,37\n"
      "8,80,18,28,38\n9,90,19,29,39\n10,100,20,30,40\n11,110,21,31,41\n"
      "12,120,22,32,42\n13,130,23,33,43\n14,140,24,34,44\n15,150,25,35,45\n"
      "16,160,26,36,46\n17,170,27,37,47\n18,180,28,38,48\n19,190,29,39,49\n";
  lg_series_opts o = {0};
  lg_series *s = NULL;
  lg_error e;
  o.metric = "pss";
  ck_assert_int_eq(read_csv(csv, &o, &s, &e), 0);
  ck_assert_str_eq(s->metric, "pss_bytes");
  ck_assert_double_eq(s->y[0], 20);
  lg_series_free(s);
  o.metric = "my_mem";
  ck_assert_int_eq(read_csv(csv, &o, &s, &e), 0);
  ck_assert_str_eq(s->metric, "my_mem");
  ck_assert_double_eq(s->y[19], 49);
  lg_series_free(s);
  o.metric = "my_mem_bytes"; /* no such column, and no short name */
  ck_assert_int_eq(read_csv(csv, &o, &s, &e), LG_EINPUT);
  ck_assert_ptr_null(s);
  ck_assert_ptr_nonnull(
      strstr(e.msg, "s.csv:1: no metric column 'my_mem_bytes'"));
  o.metric = "heap";
  ck_assert_int_eq(read_csv(csv, &o, &s, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "no metric column 'heap'"));
  o.metric = "requests";
  ck_assert_int_eq(read_csv(csv, &o, &s, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "x axis"));
  /* Default without the four names: the first other *_bytes column. */
  o.metric = NULL;
  ck_assert_int_eq(read_csv(csv, &o, &s, &e), 0);
  ck_assert_str_eq(s->metric, "rss_bytes");
  lg_series_free(s);
}
END_TEST

START_TEST(x_axis_choice) {
  char *csv = make_csv(25, 0, "\n", 1);
  static const char no_req[] =
      "t_s,heap_bytes\n0,1\n1,2\n2,3\n3,4\n4,5\n5,6\n6,7\n7,8\n8,9\n9,10\n"
      "10,11\n11,12\n12,13\n13,14\n14,15\n15,16\n16,17\n17,18\n18,19\n19,20\n";
  lg_series_opts o = {0};
  lg_series *s = NULL;
  lg_error e;
  o.x = "seconds";
  ck_assert_int_eq(read_csv(csv, &o, &s, &e), 0);
  ck_assert_str_eq(s->x_name, "seconds");
  ck_assert_int_eq(s->x_is_seconds, 1);
  ck_assert_double_eq(s->x[4], 2.0);
  lg_series_free(s);
  o.x = NULL;
  ck_assert_int_eq(read_csv(no_req, &o, &s, &e), 0);
  ck_assert_str_eq(s->x_name, "seconds");
  ck_assert_str_eq(s->metric, "heap_bytes");
  lg_series_free(s);
  o.x = "requests";
  ck_assert_int_eq(read_csv(no_req, &o, &s, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "s.csv:1: no requests column"));
  o.x = "hours";
  ck_assert_int_eq(read_csv(no_req, &o, &s, &e), LG_EUSAGE);
  free(csv);
}
END_TEST

START_TEST(dialect) {
  /* CRLF, no trailing newline, a BOM, quoted phases with commas, blank
   * lines, spaces around cells. */
  char *crlf = make_csv(22, 0, "\r\n", 0);
  char buf[4096];
  size_t len = 0;
  int i;
  lg_series *s = NULL;
  lg_error e;
  ck_assert_int_eq(read_csv(crlf, NULL, &s, &e), 0);
  ck_assert_uint_eq(s->n, 22);
  ck_assert_double_eq(s->y[21], 1000 + 7 * 21);
  lg_series_free(s);
  free(crlf);

  len += (size_t)snprintf(buf + len, sizeof buf - len,
                          "\xEF\xBB\xBF"
                          "t_s, requests ,anon_bytes,phase\n\n");
  for (i = 0; i < 21; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len,
                            " %d , %d ,%d,\"ramp, \"\"fast\"\"\"\n%s", i,
                            10 * i, 500 + i, i == 10 ? "\n" : "");
  ck_assert_int_eq(read_csv(buf, NULL, &s, &e), 0);
  ck_assert_uint_eq(s->n, 21);
  ck_assert_uint_eq(s->rows, 21);
  ck_assert_double_eq(s->x[20], 200);
  ck_assert_double_eq(s->y[20], 520);
  lg_series_free(s);
}
END_TEST

START_TEST(empty_cells_skip_rows) {
  char buf[4096];
  size_t len = 0;
  int i;
  lg_series *s = NULL;
  lg_error e;
  len += (size_t)snprintf(buf + len, sizeof buf - len, HDR);
  for (i = 0; i < 30; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%d,%s,1,77,,,,,\n", i,
                            i == 5 ? "" : "100");
  /* requests constant: the x axis never increases. */
  ck_assert_int_eq(read_csv(buf, NULL, &s, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "s.csv:31: requests never increases"));
  len = 0;
  len += (size_t)snprintf(buf + len, sizeof buf - len, HDR);
  for (i = 0; i < 33; i++) {
    char req[16] = "";
    if (i != 5)
      snprintf(req, sizeof req, "%d", 10 * i);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%d,%s,1,%s,,,,,\n", i,
                            req, (i % 3 == 0) ? "" : "77");
  }
  ck_assert_int_eq(read_csv(buf, NULL, &s, &e), 0);
  ck_assert_str_eq(s->metric, "anon_bytes");
  ck_assert_uint_eq(s->rows, 33);
  ck_assert_uint_eq(s->rows_used, 21); /* 33 - 11 empty anon - row 5 */
  ck_assert_uint_eq(s->n, 21);
  ck_assert_double_eq(s->x[0], 10);
  lg_series_free(s);
}
END_TEST

/* One bad-input case: the CSV, the code, and the message it must contain. */
typedef struct bad_case {
  const char *csv, *msg;
} bad_case;

static char *rows_with(const char *header, int n, int bad_row,
                       const char *bad_line) {
  size_t cap = 4096 + (size_t)n * 64, len = 0;
  char *b = malloc(cap);
  int i;
  ck_assert_ptr_nonnull(b);
  len += (size_t)snprintf(b, cap, "%s\n", header);
  for (i = 0; i < n; i++) {
    if (i == bad_row)
      len += (size_t)snprintf(b + len, cap - len, "%s\n", bad_line);
    else
      len += (size_t)snprintf(b + len, cap - len, "%d,%d,%d\n", i, 10 * i,
                              100 + i);
  }
  return b;
}

START_TEST(bad_input_names_the_line) {
  /* Data rows start on line 2, so bad row r is on line r + 2. */
  static const struct {
    const char *header;
    int n, row;
    const char *line, *msg;
  } cases[] = {
      {"time,requests,anon_bytes", 25, -1, "",
       "s.csv:1: no t_s column (columns: time, requests, anon_bytes)"},
      {"t_s,requests,procs", 25, -1, "", "s.csv:1: no metric column"},
      {"t_s,requests,anon_bytes", 25, 7, "7,70,12x",
       "s.csv:9:6: anon_bytes: expected a number, got '12x'"},
      {"t_s,requests,anon_bytes", 25, 3, "3,30",
       "s.csv:5: 2 fields, but the header has 3"},
      {"t_s,requests,anon_bytes", 25, 4, "4,40,1,2",
       "s.csv:6: 4 fields, but the header has 3"},
      {"t_s,requests,anon_bytes", 25, 10, "10,5,110",
       "s.csv:12:4: requests decreases (5 after 90)"},
      {"t_s,requests,anon_bytes", 25, 10, "1,100,110",
       "s.csv:12:1: t_s decreases (1 after 9)"},
      {"t_s,requests,anon_bytes", 25, 2, ",20,102", "s.csv:4:1: t_s is empty"},
      {"t_s,requests,anon_bytes", 25, 2, "abc,20,102",
       "s.csv:4:1: t_s: expected a number, got 'abc'"},
      {"t_s,requests,anon_bytes", 25, 2, "2,2O,102",
       "s.csv:4:3: requests: expected a number, got '2O'"},
      {"t_s,requests,anon_bytes", 25, 2, "2,20,nan",
       "s.csv:4:6: anon_bytes: expected a number, got 'nan'"},
      {"t_s,requests,anon_bytes", 25, 2, "2,20,inf",
       "expected a number, got 'inf'"},
      {"t_s,requests,anon_bytes", 25, 2, "2,20,0x10",
       "expected a number, got '0x10'"},
      {"t_s,requests,anon_bytes", 25, 2, "2,20,1e999",
       "expected a number, got '1e999'"},
      {"t_s,requests,anon_bytes", 25, 2, "2,20,1e",
       "expected a number, got '1e'"},
      {"t_s,requests,anon_bytes", 19, -1, "",
       "s.csv:20: only 19 rows have a value for anon_bytes (need at least 20)"},
      {"t_s,requests,t_s", 25, -1, "", "s.csv:1:14: duplicate column 't_s'"},
      {"t_s,,anon_bytes", 25, -1, "", "s.csv:1:5: empty column name"},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *csv =
        rows_with(cases[i].header, cases[i].n, cases[i].row, cases[i].line);
    lg_series *s = (lg_series *)1;
    lg_error e;
    int rc = read_csv(csv, NULL, &s, &e);
    ck_assert_msg(rc == LG_EINPUT, "case %zu: rc %d", i, rc);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(e.msg, cases[i].msg) != NULL,
                  "case %zu: got '%s', want '%s'", i, e.msg, cases[i].msg);
    free(csv);
  }
}
END_TEST

START_TEST(bad_files) {
  lg_series *s = NULL;
  lg_error e;
  char *big;
  size_t n = 70 * 1024;
  ck_assert_int_eq(read_csv("", NULL, &s, &e), LG_EINPUT);
  ck_assert_str_eq(e.msg, "s.csv:1: empty file, no header");
  ck_assert_int_eq(lg_series_read("/nonexistent/samples.csv", NULL, &s, &e),
                   LG_ENOENT);
  ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/samples.csv: cannot open"));
  /* A line over the 64 KiB cap on line 3. */
  big = malloc(n + 64);
  ck_assert_ptr_nonnull(big);
  strcpy(big, "t_s,anon_bytes\n0,1\n1,");
  memset(big + strlen(big), '7', n);
  strcpy(big + 21 + n, "\n2,3\n");
  ck_assert_int_eq(read_csv(big, NULL, &s, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "s.csv:3: line longer than 65536 bytes"));
  free(big);
}
END_TEST

START_TEST(aggregates_medians_bounded) {
  /* 300k rows of y = 3 x (+ a small zig-zag) must fit in
   * LG_SERIES_MAX_POINTS points, each at its block's mean x, with a median
   * close to 3 x. */
  const int n = 300000;
  FILE *f = tmpfile();
  lg_series *s = NULL;
  lg_error e;
  size_t i;
  int r;
  ck_assert_ptr_nonnull(f);
  fputs("t_s,requests,heap_bytes\n", f);
  for (r = 0; r < n; r++)
    fprintf(f, "%d,%d,%d\n", r, 10 * r,
            r ? 30 * r + ((r % 7) - 3) * 5 : 0); /* bytes: never < 0 */
  rewind(f);
  ck_assert_int_eq(lg_series_read_stream(f, "big.csv", NULL, &s, &e), 0);
  fclose(f);
  ck_assert_uint_eq(s->rows, (size_t)n);
  ck_assert_uint_le(s->n, LG_SERIES_MAX_POINTS);
  ck_assert_uint_ge(s->n, LG_SERIES_MAX_POINTS / 2);
  ck_assert_int_eq(s->aggregate, LG_AGG_MEDIAN);
  ck_assert_double_gt(s->x_block, 0);
  for (i = 0; i < s->n; i++) {
    /* Rank error of the bounded summary: within 3% of a block (measured: 1.4%).
     */
    ck_assert_double_le(fabs(s->y[i] - 3 * s->x[i]),
                        3 * s->x_block * 0.03 + 20);
    if (i > 0)
      ck_assert_double_gt(s->x[i], s->x[i - 1]);
  }
  lg_series_free(s);
}
END_TEST

START_TEST(sawtooth_envelope_exact) {
  /* 200k rows: a GC sawtooth of period 500 rows (5000 requests) over a
   * leak of 2 per row. AUTO must take the lower envelope, one point per
   * cycle, and each point must be the exact trough (minima merge exactly).
   * The noise (under 29) is smaller than the ramp step (42), so the trough
   * is the first row of each cycle. */
  const int n = 200000, period = 500;
  FILE *f = tmpfile();
  lg_series *s = NULL;
  lg_series_opts o = {0};
  lg_error e;
  size_t i;
  int r;
  ck_assert_ptr_nonnull(f);
  fputs("t_s,requests,anon_bytes\n", f);
  for (r = 0; r < n; r++)
    fprintf(f, "%d,%d,%d\n", r, 10 * r,
            1000000 + 40 * (r % period) + 2 * r + (r * 7919) % 29);
  rewind(f);
  ck_assert_int_eq(lg_series_read_stream(f, "saw.csv", &o, &s, &e), 0);
  ck_assert_int_eq(s->aggregate, LG_AGG_MIN);
  ck_assert_uint_ge(s->gc_cycles, (size_t)(n / period - 2));
  ck_assert_double_eq_tol(s->gc_period_x, 10.0 * period, 10.0 * period * 0.05);
  ck_assert_uint_ge(s->n, (size_t)(n / period - 2));
  ck_assert_uint_le(s->n, (size_t)(n / period + 2));
  for (i = 1; i < s->n; i++) {
    double row = s->x[i] / 10;
    ck_assert_double_eq(fmod(row, period), 0); /* at a trough */
    ck_assert_double_eq(s->y[i],
                        1000000 + 2 * row + fmod(row * 7919, 29)); /* exact */
    ck_assert_double_ge(s->ymax[i],
                        s->y[i] + 40 * (period - 50)); /* the peak */
  }
  /* Explicit MEDIAN keeps block medians. */
  rewind(f);
  o.aggregate = LG_AGG_MEDIAN;
  lg_series_free(s);
  ck_assert_int_eq(lg_series_read_stream(f, "saw.csv", &o, &s, &e), 0);
  ck_assert_int_eq(s->aggregate, LG_AGG_MEDIAN);
  ck_assert_uint_eq(s->gc_cycles, 0);
  lg_series_free(s);
  fclose(f);
}
END_TEST

START_TEST(spikes_are_not_a_sawtooth) {
  /* Isolated upward spikes (a big allocation freed at once) give large
   * negative differences too, but each right after a large positive one. */
  double x[400], y[400];
  lg_series *s = NULL;
  lg_error e;
  int i;
  for (i = 0; i < 400; i++) {
    x[i] = 100.0 * i;
    y[i] = 5e6 + 10.0 * i + ((i * 7919) % 13) * 100.0 + (i % 37 == 5 ? 4e6 : 0);
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, NULL, 400, "heap_bytes", "requests", &s, &e),
      0);
  ck_assert_int_eq(s->aggregate, LG_AGG_MEDIAN);
  ck_assert_uint_eq(s->gc_cycles, 0);
  ck_assert_uint_eq(s->n, 400);
  ck_assert(isnan(s->t[0]));
  lg_series_free(s);
}
END_TEST

START_TEST(slower_growth_is_not_a_drop) {
  /* A leak as regular as oom_hog's (64 KiB every 10 ms, sampled every
   * 20 ms): every difference is 128 KiB, so the robust SD is 0 and a step
   * of 64 KiB (the service paused once under a loaded CPU) is far below
   * the median difference, yet memory rose: no drop, no cycles. Cutting
   * this line into "cycles" left 16 points of 300 and an unbounded CI. */
  double x[300], y[300], level = 0;
  lg_series *s = NULL;
  lg_error e;
  int i;
  for (i = 0; i < 300; i++) {
    level += (i % 23 == 11) ? 65536.0 : 131072.0;
    x[i] = 0.02 * i;
    y[i] = 1e6 + level;
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, NULL, 300, "anon_bytes", "seconds", &s, &e),
      0);
  ck_assert_int_eq(s->aggregate, LG_AGG_MEDIAN);
  ck_assert_uint_eq(s->gc_cycles, 0);
  ck_assert_uint_eq(s->n, 300);
  lg_series_free(s);
}
END_TEST

START_TEST(from_arrays_checks) {
  double x[30], y[30], t[30];
  lg_series *s = NULL;
  lg_error e;
  int i;
  for (i = 0; i < 30; i++) {
    x[i] = i;
    y[i] = 2.0 * i;
    t[i] = i;
  }
  ck_assert_int_eq(lg_series_from_arrays(x, y, t, 19, NULL, NULL, &s, &e),
                   LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "only 19 points"));
  x[12] = 3;
  ck_assert_int_eq(lg_series_from_arrays(x, y, t, 30, NULL, NULL, &s, &e),
                   LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "point 12: requests decreases"));
  x[12] = 12;
  y[3] = NAN;
  ck_assert_int_eq(lg_series_from_arrays(x, y, t, 30, NULL, NULL, &s, &e),
                   LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "point 3: not a finite number"));
  y[3] = 6;
  t[20] = 1;
  ck_assert_int_eq(lg_series_from_arrays(x, y, t, 30, NULL, NULL, &s, &e),
                   LG_EINPUT);
  t[20] = 20;
  ck_assert_int_eq(lg_series_from_arrays(x, y, t, 30, NULL, "minutes", &s, &e),
                   LG_EUSAGE);
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, NULL, 30, "m", "seconds", &s, &e), 0);
  ck_assert_double_eq(s->t[7], 7);
  ck_assert_str_eq(s->metric, "m");
  ck_assert_int_eq(s->x_is_seconds, 1);
  lg_series_free(s);
  lg_series_free(NULL);
}
END_TEST

START_TEST(reader_matches_arrays) {
  /* The committed corpus file read from disk equals the same points given
   * in memory: one aggregation path. */
  char path[4096];
  lg_series *a = NULL, *b = NULL;
  lg_error e;
  size_t i;
  ck_assert_int_eq(
      lg_series_read(lg_test_src("tests/data/curves/t06_sawtooth_leak.csv",
                                 path, sizeof path),
                     NULL, &a, &e),
      0);
  ck_assert_int_eq(a->aggregate, LG_AGG_MIN);
  ck_assert_uint_eq(a->rows, 2000);
  {
    FILE *f = fopen(path, "r");
    static double x[2000], y[2000], t[2000];
    char line[256];
    int n = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    while (n < 2000 && fgets(line, sizeof line, f)) {
      double rss;
      ck_assert_int_eq(
          sscanf(line, "%lf,%lf,%lf,%lf", &t[n], &x[n], &rss, &y[n]), 4);
      n++;
    }
    fclose(f);
    ck_assert_int_eq(
        lg_series_from_arrays(x, y, t, 2000, "anon_bytes", "requests", &b, &e),
        0);
  }
  ck_assert_uint_eq(a->n, b->n);
  for (i = 0; i < a->n; i++) {
    ck_assert_double_eq(a->x[i], b->x[i]);
    ck_assert_double_eq(a->y[i], b->y[i]);
  }
  lg_series_free(a);
  lg_series_free(b);
}
END_TEST

START_TEST(look_cut_and_steady_start) {
  /* 40 rows, t = 0.1 i: a warm-up phase, then steady from row 10 (whose
   * requests cell is empty, so the steady start is row 11), then a third
   * phase that does not move it. t_max reads the rows before a look's
   * moment only - the row at it and a half-written one after it never. */
  char text[8192];
  size_t len = 0;
  lg_series *s = NULL;
  lg_series_opts o;
  lg_error e;
  int i;
  len += (size_t)snprintf(text, sizeof text, "%s", HDR);
  for (i = 0; i < 40; i++) {
    char req[32] = "";
    if (i != 10)
      snprintf(req, sizeof req, "%d", 100 * i);
    len += (size_t)snprintf(text + len, sizeof text - len,
                            "%.6f,%s,5000,%d,,6000,1,9,%s\n", 0.1 * i, req,
                            1000 + 7 * i,
                            i < 10 ? "warmup" : i < 30 ? "steady" : "more");
  }
  snprintf(text + len, sizeof text - len, "4.000000,4000,50"); /* half a row */
  memset(&o, 0, sizeof o);
  o.t_max = 3.05;
  ck_assert_msg(read_csv(text, &o, &s, &e) == 0, "%s", e.msg);
  ck_assert_uint_eq(s->rows, 31); /* t = 0.0 .. 3.0 */
  ck_assert_double_eq_tol(s->t_end, 3.0, 1e-9);
  ck_assert_double_eq(s->x_end, 3000);
  ck_assert_double_eq_tol(s->steady_t, 1.1, 1e-9);
  ck_assert_double_eq(s->steady_x, 1100);
  lg_series_free(s);
  /* Exactly at a row's time: that row is the look's moment, not read. */
  o.t_max = 2.2;
  ck_assert_int_eq(read_csv(text, &o, &s, &e), 0);
  ck_assert_double_eq_tol(s->t_end, 2.1, 1e-9);
  lg_series_free(s);
  o.t_max = 1.05; /* 10 rows: too few to read */
  ck_assert_int_eq(read_csv(text, &o, &s, &e), LG_EINPUT);
  o.t_max = 0;
  text[len] = '\0'; /* drop the half row */
  ck_assert_int_eq(read_csv(text, &o, &s, &e), 0);
  ck_assert_uint_eq(s->rows, 40);
  ck_assert_double_eq_tol(s->steady_t, 1.1, 1e-9);
  lg_series_free(s);
}
END_TEST

START_TEST(number_formats) {
  /* Every accepted spelling parses to exactly what strtod gives (the fast
   * path for short decimals must round the same way). */
  static const char *const cells[] = {"0.1",
                                      "12.",
                                      ".5",
                                      "-3.25",
                                      "+7",
                                      "1e3",
                                      "2.5E-1",
                                      "0.3",
                                      "123456789012345",
                                      "1234567890123456789",
                                      "9007199254740993",
                                      "3.14159265358979",
                                      "0.000000000000001",
                                      "-0",
                                      "100.10"};
  size_t nc = sizeof cells / sizeof cells[0], i;
  char buf[8192];
  size_t len = 0;
  lg_series *s = NULL;
  lg_series_opts o = {0};
  lg_error e;
  /* not a *_bytes column: a memory amount may not be negative */
  o.metric = "heap_value";
  len += (size_t)snprintf(buf, sizeof buf, "t_s,requests,heap_value\n");
  for (i = 0; i < 25; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%zu,%zu,%s\n", i, i,
                            cells[i % nc]);
  ck_assert_int_eq(read_csv(buf, &o, &s, &e), 0);
  ck_assert_uint_eq(s->n, 25);
  for (i = 0; i < 25; i++)
    ck_assert_msg(s->y[i] == strtod(cells[i % nc], NULL), "'%s' read as %.17g",
                  cells[i % nc], s->y[i]);
  lg_series_free(s);
}
END_TEST

/* until_t_s: rows after it are left out, their t_s still checked (a run cuts
 * the series at the service's death: an OOM-killed service's rows read
 * anon 0 afterwards, issue 13 item 7). */
START_TEST(until_cuts_rows_after) {
  char text[4096];
  size_t len = 0;
  lg_series *s = NULL;
  lg_series_opts o = {0};
  lg_error e;
  int i;
  len += (size_t)snprintf(text + len, sizeof text - len, HDR);
  for (i = 0; i < 30; i++)
    len += (size_t)snprintf(text + len, sizeof text - len,
                            "%d.5,0,,%d,,,1,3,steady\n", i, 1000000 + 4096 * i);
  for (i = 30; i < 40; i++) /* dead: no process, anon 0 */
    len += (size_t)snprintf(text + len, sizeof text - len,
                            "%d.5,0,,0,,4096,0,,steady\n", i);
  o.x = "seconds";
  o.until_t_s = 29.5;
  ck_assert_int_eq(read_csv(text, &o, &s, &e), 0);
  ck_assert_uint_eq(s->rows, 40);
  ck_assert_uint_eq(s->rows_used, 30);
  ck_assert_double_eq(s->x[s->n - 1], 29.5);
  ck_assert(s->y[s->n - 1] > 1000000);
  lg_series_free(s);
  /* a row after the cut still has its t_s checked */
  snprintf(text + len, sizeof text - len, "3.5,0,,0,,,0,,steady\n");
  ck_assert_int_eq(read_csv(text, &o, &s, &e), LG_EINPUT);
  ck_assert_ptr_null(s);
  ck_assert(strstr(e.msg, "s.csv:42:") != NULL);
}
END_TEST

/* A memory amount (a *_bytes column) below zero is a broken file, named
 * with its line and column; a directory is bad input, not an I/O error
 * (issue 13 item 10: a falling negative series passed, a directory gave
 * exit 4). */
START_TEST(negative_bytes_and_directory_refused) {
  lg_series *s = NULL;
  lg_error e;
  char text[2048];
  size_t len = 0;
  int i;
  len += (size_t)snprintf(text, sizeof text, "t_s,requests,anon_bytes\n");
  for (i = 0; i < 30; i++)
    len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d,%d\n", i,
                            10 * i, i == 7 ? -1000 : 1000 + i);
  ck_assert_int_eq(read_csv(text, NULL, &s, &e), LG_EINPUT);
  ck_assert_ptr_null(s);
  ck_assert_msg(strstr(e.msg, "s.csv:9:") &&
                    strstr(e.msg, "anon_bytes: a memory amount cannot be "
                                  "negative, got '-1000'"),
                "%s", e.msg);
  ck_assert_int_eq(lg_series_read("/tmp", NULL, &s, &e), LG_EINPUT);
  ck_assert_ptr_null(s);
  ck_assert_str_eq(e.msg, "/tmp: is a directory, not a file");
}
END_TEST

int main(void) {
  Suite *s = suite_create("series_reader");
  TCase *tc = tcase_create("reader");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, default_metric_and_axis);
  tcase_add_test(tc, empty_metric_falls_through);
  tcase_add_test(tc, metric_names);
  tcase_add_test(tc, x_axis_choice);
  tcase_add_test(tc, dialect);
  tcase_add_test(tc, empty_cells_skip_rows);
  tcase_add_test(tc, bad_input_names_the_line);
  tcase_add_test(tc, bad_files);
  tcase_add_test(tc, aggregates_medians_bounded);
  tcase_add_test(tc, sawtooth_envelope_exact);
  tcase_add_test(tc, spikes_are_not_a_sawtooth);
  tcase_add_test(tc, slower_growth_is_not_a_drop);
  tcase_add_test(tc, from_arrays_checks);
  tcase_add_test(tc, reader_matches_arrays);
  tcase_add_test(tc, number_formats);
  tcase_add_test(tc, until_cuts_rows_after);
  tcase_add_test(tc, look_cut_and_steady_start);
  tcase_add_test(tc, negative_bytes_and_directory_refused);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
