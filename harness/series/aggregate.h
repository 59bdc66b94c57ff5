/* series/aggregate.h - online aggregation of (x, t, y) rows into at most
 * LG_SERIES_MAX_POINTS blocks, and the final choice between block medians and
 * the lower envelope (one point per GC cycle).
 *
 * Blocks hold a power-of-two number of consecutive rows. When the block
 * table is full, neighbours merge pairwise and the rows per block double, so
 * memory is O(LG_SERIES_MAX_POINTS) whatever the number of rows. A block keeps
 * exact count, sums of x and t, minimum (with its x and t) and maximum, and a
 * bounded weighted quantile summary (at most 2*LG_AGG_SKETCH values) from which
 * its median is read; the median is exact up to 2*LG_AGG_SKETCH rows per block
 * and an approximation beyond (docs/analysis.md states its error).
 *
 * Ownership: lg__agg_new allocates, lg__agg_free frees. lg__agg_finish
 * allocates the arrays of the series it fills (freed by lg_series_free).
 * Failures leave the aggregator unchanged apart from rows already added.
 */
#ifndef LG_SERIES_AGGREGATE_H
#define LG_SERIES_AGGREGATE_H

#include <leakgate/series.h>
#include <stddef.h>
#include <stdint.h>

#ifndef LG_AGG_SKETCH
#define LG_AGG_SKETCH 12
#endif

typedef struct lg_agg lg_agg;

/* A new empty aggregator, or NULL when out of memory. */
lg_agg *lg__agg_new(void);
/* Free an aggregator (NULL is fine). */
void lg__agg_free(lg_agg *a);
/* Add one row (rows must come in non-decreasing x); 0 or LG_ENOMEM. */
int lg__agg_add(lg_agg *a, double x, double t, double y);
/* Rows added so far. */
uint64_t lg__agg_rows(const lg_agg *a);
/* Emit the points into s->x, y, t, ymax, n and set aggregate, x_block,
 * gc_cycles, gc_period_x. mode AUTO picks MIN when a sawtooth is found.
 * Returns 0 or LG_ENOMEM (s is left without arrays then). */
int lg__agg_finish(const lg_agg *a, lg_aggregate mode, lg_series *s);

#endif
