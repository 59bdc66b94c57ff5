/* core/robust.h - order statistics and a robust noise scale, shared by the
 * series aggregation (GC-drop detection), the growth analysis (level shifts,
 * medians, Sen's interval ranks) and the baseline history. */
#ifndef LG_CORE_ROBUST_H
#define LG_CORE_ROBUST_H

#include <stddef.h>

/* qsort comparator for doubles (ascending; NaN-free input). */
int lg__cmp_double(const void *p, const void *q);

/* The k-th smallest (0-based) of v[0..n); reorders v. Quickselect with a
 * median-of-three pivot, falling back to a sort after 2*log2(n) rounds, so
 * O(n) expected and O(n log n) worst case. */
double lg__select(double *v, size_t n, size_t k);

/* Median of v[0..n) (mean of the middle two when n is even; NAN for n 0);
 * reorders v. */
double lg__median(double *v, size_t n);

/* The first differences of y[0..n) (n >= 2) into d[0..n-1), their median
 * into *med, and their robust standard deviation returned: 1.4826 MAD, or,
 * when the MAD is 0 (a quantised series whose differences are mostly
 * equal), 1.2533 times the mean absolute deviation. scratch holds n - 1
 * doubles. O(n) expected. */
double lg__diff_scale(const double *y, size_t n, double *d, double *scratch,
                      double *med);

#endif
