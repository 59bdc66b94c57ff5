/* runtime/judge.h - internal: the live heap's own slope from the full
 * collections (runtime/judge.c, docs/runtimes.md "Verdict"). */
#ifndef LG_RUNTIME_JUDGE_H
#define LG_RUNTIME_JUDGE_H

#include "runtime/monitor.h"

/* Theil-Sen over the live heap after the full collections at x >= from_x
 * (requests): its slope and one-sided bounds at level conf (infinite when
 * the points are too few for that level). */
typedef struct rt_full_fit {
  size_t n;
  double slope, lo, hi;
} rt_full_fit;
/* 0, or LG_EINPUT when fewer than 3 points, LG_ENOMEM. */
int lg__rt_full_slope(const rt_summary *s, double from_x, double conf,
                      rt_full_fit *fit);

#endif
