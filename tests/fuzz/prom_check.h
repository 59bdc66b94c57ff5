/* tests/fuzz/prom_check.h - the body of the two Prometheus fuzz targets
 * (promjson, promtext): they differ in name, corpus and dictionary only.
 *
 * Input: the bytes of a file `leakgate analyze` would read, through
 * fmemopen (seekable, so --x-series' two passes run too). An optional first
 * line "#opts X M XS" picks the options: X = r|s|- (x = requests, seconds,
 * default), M = a --metric selector or "-", XS = an --x-series selector or
 * "-". Besides "no crash, no leak, no UB, no hang" the target checks the
 * promises analyze relies on and aborts when one breaks:
 *   failure: the list stays empty; a one-line message starting with the
 *     input's name (LG_EINPUT/LG_EIO) or any message (LG_EUSAGE, LG_ENOMEM);
 *   success: 1..LG_SERIES_MAX_SERIES series, each named (Prometheus) and
 *     passing fuzz_check_series;
 *   analysis of each: 0 (then fuzz_check_analysis) or LG_EINPUT with a
 *     one-line message.
 */
#include "fuzz_series.h"

#include <leakgate/analysis.h>
#include <leakgate/series.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_opts {
  lg_series_opts so;
  char metric[64], xs[64];
} fuzz_opts;

static size_t parse_opts(const uint8_t *d, size_t n, fuzz_opts *o) {
  char line[200], x[8];
  size_t e = 0;
  memset(o, 0, sizeof *o);
  if (n < 6 || memcmp(d, "#opts ", 6) != 0)
    return 0;
  while (e < n && d[e] != '\n')
    e++;
  if (e >= sizeof line)
    return 0;
  memcpy(line, d, e);
  line[e] = '\0';
  if (sscanf(line + 6, "%7s %63s %63s", x, o->metric, o->xs) != 3)
    return 0;
  o->so.x = x[0] == 'r' ? "requests" : x[0] == 's' ? "seconds" : NULL;
  if (strcmp(o->metric, "-") != 0)
    o->so.metric = o->metric;
  if (strcmp(o->xs, "-") != 0)
    o->so.x_series = o->xs;
  return e < n ? e + 1 : e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_opts o;
  size_t skip = parse_opts(data, size, &o), i;
  const uint8_t *in = data + skip;
  size_t n = size - skip;
  lg_series_list l;
  lg_analysis_opts ao;
  lg_analysis a;
  lg_error err;
  FILE *f;
  int rc;

  f = fuzz_open(in, n);
  if (!f)
    return 0;
  memset(&err, 0, sizeof err);
  rc = lg_series_read_all_stream(f, FUZZ_NAME, &o.so, &l, &err);
  fclose(f);
  if (rc != 0) {
    if (l.n != 0 || l.v != NULL || rc != err.code || !err.msg[0] ||
        strchr(err.msg, '\n') ||
        (rc != LG_ENOMEM && rc != LG_EUSAGE &&
         strncmp(err.msg, FUZZ_NAME, strlen(FUZZ_NAME)) != 0))
      abort();
    return 0;
  }
  if (l.n == 0 || l.n > LG_SERIES_MAX_SERIES)
    abort();
  lg_analysis_opts_init(&ao);
  for (i = 0; i < l.n; i++) {
    fuzz_check_series(l.v[i]);
    if (l.format != LG_INPUT_CSV && !l.v[i]->name)
      abort();
    memset(&err, 0, sizeof err);
    rc = lg_analyze(l.v[i], &ao, &a, &err);
    if (rc == 0)
      fuzz_check_analysis(l.v[i], &a);
    else if (rc != LG_EINPUT || !err.msg[0] || strchr(err.msg, '\n'))
      abort();
  }
  lg_series_list_cleanup(&l);
  return 0;
}
