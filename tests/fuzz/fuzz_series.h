/* tests/fuzz/fuzz_series.h - what the series fuzz targets (csv, promjson,
 * promtext) check alike: the promises `analyze` relies on for a series that
 * was read and for its analysis; each aborts when one breaks, so the fuzzer
 * finds logic bugs as well as memory errors. Header-only: every target is
 * one translation unit built by tests/fuzz/run.sh. */
#ifndef LG_FUZZ_SERIES_H
#define LG_FUZZ_SERIES_H

#include <leakgate/analysis.h>
#include <leakgate/series.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input as a seekable stream. fmemopen refuses size 0; an empty file
 * is read from a 1-byte buffer opened for 0 bytes of content instead. */
static FILE *fuzz_open(const uint8_t *d, size_t n) {
  return n ? fmemopen((void *)d, n, "r") : fmemopen(NULL, 1, "w+");
}

/* A series that was read: enough points but not too many, finite values,
 * x never decreasing, names and aggregation set. */
static void fuzz_check_series(const lg_series *s) {
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

/* Its analysis: a known verdict with a one-line reason, a window inside the
 * x range, ordered bounds, finite ones when decided. */
static void fuzz_check_analysis(const lg_series *s, const lg_analysis *a) {
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

#endif
