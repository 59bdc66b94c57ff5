/* core/robust.c - order statistics and the robust scale of first
 * differences (see core/robust.h). Owns nothing; pure functions. */
#include "core/robust.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int lg__cmp_double(const void *p, const void *q) {
  double a = *(const double *)p, b = *(const double *)q;
  return (a > b) - (a < b);
}

static void swap(double *v, long i, long j) {
  double t = v[i];
  v[i] = v[j];
  v[j] = t;
}

double lg__select(double *v, size_t n, size_t k) {
  long lo = 0, hi = (long)n - 1, kk = (long)k;
  int depth = 8;
  size_t m = n;
  while (m > 1) {
    depth += 2;
    m >>= 1;
  }
  while (hi > lo) {
    long mid = lo + (hi - lo) / 2, i = lo, j = hi;
    double pivot;
    if (depth-- == 0) {
      qsort(v + lo, (size_t)(hi - lo + 1), sizeof *v, lg__cmp_double);
      return v[kk];
    }
    if (v[mid] < v[lo])
      swap(v, mid, lo);
    if (v[hi] < v[lo])
      swap(v, hi, lo);
    if (v[hi] < v[mid])
      swap(v, hi, mid);
    pivot = v[mid];
    /* Hoare partition: both scans stop on equal keys, so runs of ties (a
     * flat, page-quantised series) split evenly instead of degrading. */
    while (i <= j) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i <= j) {
        swap(v, i, j);
        i++;
        j--;
      }
    }
    if (kk <= j)
      hi = j;
    else if (kk >= i)
      lo = i;
    else
      return v[kk];
  }
  return v[kk];
}

double lg__median(double *v, size_t n) {
  double a;
  if (n == 0)
    return NAN;
  a = lg__select(v, n, n / 2);
  if (n % 2)
    return a;
  return (lg__select(v, n, n / 2 - 1) + a) / 2;
}

double lg__diff_scale(const double *y, size_t n, double *d, double *scratch,
                      double *med) {
  double scale;
  size_t i;
  for (i = 1; i < n; i++)
    d[i - 1] = y[i] - y[i - 1];
  memcpy(scratch, d, (n - 1) * sizeof *d);
  *med = lg__median(scratch, n - 1);
  for (i = 0; i + 1 < n; i++)
    scratch[i] = fabs(d[i] - *med);
  scale = 1.4826 * lg__median(scratch, n - 1);
  if (scale == 0) {
    /* Quantised series (page-sized ratchets: most differences exactly
     * equal): the mean absolute deviation, scaled to an SD for normal
     * data. */
    double s = 0;
    for (i = 0; i + 1 < n; i++)
      s += fabs(d[i] - *med);
    scale = 1.2533 * s / (double)(n - 1);
  }
  return scale;
}
