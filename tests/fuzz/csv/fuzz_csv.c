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
#include "../fuzz_series.h"

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

  f = fuzz_open(csv, n);
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
  fuzz_check_series(s);
  lg_analysis_opts_init(&ao);
  ao.memory_limit = o.limit;
  memset(&err, 0, sizeof err);
  rc = lg_analyze(s, &ao, &a, &err);
  if (rc == 0)
    fuzz_check_analysis(s, &a);
  else if (rc != LG_EINPUT || !err.msg[0] || strchr(err.msg, '\n'))
    abort();
  /* Strict mode takes other branches of the verdict. */
  ao.strict = true;
  rc = lg_analyze(s, &ao, &a, &err);
  if (rc == 0)
    fuzz_check_analysis(s, &a);
  else if (rc != LG_EINPUT)
    abort();
  lg_series_free(s);
  return 0;
}
