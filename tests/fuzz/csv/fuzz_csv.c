/* tests/fuzz/csv/fuzz_csv.c - libFuzzer target for the samples.csv reader
 * (lg_series_read_stream) and the analysis that runs on what it reads
 * (lg_analyze), built by tests/fuzz/run.sh.
 *
 * Input: CSV bytes, read through fmemopen as `leakgate analyze` reads a file.
 * An optional first line "#opts X M A L" (a comment no real CSV has) picks the
 * reader options: X = r|s|- (x = requests, seconds, default), M = a metric
 * name or "-", A = a|m|n (auto, median, min), L = memory limit in bytes or
 * "-"; the rest of the input is the CSV. Besides "no crash, no leak, no UB,
 * no hang" (ASan/UBSan/LeakSanitizer, -timeout) the target checks the
 * promises `analyze` relies on and aborts when one breaks:
 *   reader failure: *out stays NULL; a one-line message starting "fuzz.csv"
 *     (LG_EINPUT/LG_EIO) with the error code returned;
 *   reader success: LG_SERIES_MIN_POINTS <= n <= LG_SERIES_MAX_POINTS, x and
 *     y finite, x non-decreasing, metric and x names set;
 *   analysis: 0 or LG_EINPUT with a message; on 0 a leak verdict of the
 *     three, a one-line reason, a window inside the x range, ordered bounds,
 *     and a finite slope and bounds whenever the verdict is decided.
 */
#include <leakgate/analysis.h>
#include <leakgate/series.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_opts {
  lg_series_opts so;
  char metric[64];
  double limit;
} fuzz_opts;

/* Parse "#opts X M A L\n" at the start; returns the bytes it used. */
static size_t parse_opts(const uint8_t *d, size_t n, fuzz_opts *o) {
  char line[128], x[8], m[64], a[8], l[32];
  size_t e = 0;
  memset(o, 0, sizeof *o);
  o->limit = NAN;
  if (n < 6 || memcmp(d, "#opts ", 6) != 0)
    return 0;
  while (e < n && d[e] != '\n')
    e++;
  if (e >= sizeof line)
    return 0;
  memcpy(line, d, e);
  line[e] = '\0';
  if (sscanf(line + 6, "%7s %63s %7s %31s", x, m, a, l) != 4)
    return 0;
  o->so.x = x[0] == 'r' ? "requests" : x[0] == 's' ? "seconds" : NULL;
  if (strcmp(m, "-") != 0) {
    memcpy(o->metric, m, sizeof o->metric);
    o->so.metric = o->metric;
  }
  o->so.aggregate = a[0] == 'm'   ? LG_AGG_MEDIAN
                    : a[0] == 'n' ? LG_AGG_MIN
                                  : LG_AGG_AUTO;
  if (strcmp(l, "-") != 0) {
    char *end;
    double v = strtod(l, &end);
    if (*end == '\0' && isfinite(v) && v > 0)
      o->limit = v;
  }
  return e < n ? e + 1 : e;
}

static void check_series(const lg_series *s) {
  size_t i;
  if (s->n < LG_SERIES_MIN_POINTS || s->n > LG_SERIES_MAX_POINTS ||
      !s->metric[0] || !s->x_name[0] || s->rows_used > s->rows ||
      (s->aggregate != LG_AGG_MEDIAN && s->aggregate != LG_AGG_MIN))
    abort();
  for (i = 0; i < s->n; i++) {
    if (!isfinite(s->x[i]) || !isfinite(s->y[i]))
      abort();
    if (i > 0 && s->x[i] < s->x[i - 1])
      abort();
  }
}

static void check_analysis(const lg_series *s, const lg_analysis *a) {
  double lo = s->x[0], hi = s->x[s->n - 1];
  double eps = 1e-9 * (fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi));
  if (a->leak != LG_LEAK_NO_LEAK && a->leak != LG_LEAK_LEAK &&
      a->leak != LG_LEAK_INCONCLUSIVE)
    abort();
  if (!a->reason[0] || strchr(a->reason, '\n') || !a->model[0])
    abort();
  if (a->points == 0 || a->points > LG_ANALYSIS_MAX_POINTS ||
      a->samples_used > a->points)
    abort();
  /* Pooling averages x, so allow rounding at the ends. */
  if (!(a->warmup_x >= lo - eps && a->warmup_x <= hi + eps))
    abort();
  if (a->slope_lo > a->slope_hi)
    abort();
  /* A decided verdict needs a finite slope and bounds. */
  if (a->leak != LG_LEAK_INCONCLUSIVE &&
      (!isfinite(a->slope) || !isfinite(a->slope_lo) || !isfinite(a->slope_hi)))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_opts o;
  size_t skip = parse_opts(data, size, &o);
  const uint8_t *csv = data + skip;
  size_t n = size - skip;
  lg_series *s = (lg_series *)1;
  lg_analysis_opts ao;
  lg_analysis a;
  lg_error err;
  FILE *f;
  int rc;

  /* fmemopen refuses size 0; an empty file is read from a 1-byte buffer
   * opened for 0 bytes of content instead. */
  f = n ? fmemopen((void *)csv, n, "r") : fmemopen(NULL, 1, "w+");
  if (!f)
    return 0;
  memset(&err, 0, sizeof err);
  rc = lg_series_read_stream(f, "fuzz.csv", &o.so, &s, &err);
  fclose(f);
  if (rc != 0) {
    if (s != NULL || rc != err.code || !err.msg[0] || strchr(err.msg, '\n') ||
        (rc != LG_ENOMEM && rc != LG_EUSAGE &&
         strncmp(err.msg, "fuzz.csv", 8) != 0))
      abort();
    return 0;
  }
  check_series(s);
  lg_analysis_opts_init(&ao);
  ao.memory_limit = o.limit;
  memset(&err, 0, sizeof err);
  rc = lg_analyze(s, &ao, &a, &err);
  if (rc == 0)
    check_analysis(s, &a);
  else if (rc != LG_EINPUT || !err.msg[0] || strchr(err.msg, '\n'))
    abort();
  /* Strict mode takes other branches of the verdict. */
  ao.strict = true;
  rc = lg_analyze(s, &ao, &a, &err);
  if (rc == 0)
    check_analysis(s, &a);
  else if (rc != LG_EINPUT)
    abort();
  lg_series_free(s);
  return 0;
}
