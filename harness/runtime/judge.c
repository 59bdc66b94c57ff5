/* runtime/judge.c - the live heap's own slope, from the full collections
 * alone (runtime/judge.h): what decides whether the growth of the heap
 * after young collections is a leak or garbage that full collections free
 * (run/run.c, docs/runtimes.md "Verdict"). The runtime checks themselves
 * are derived from the result (result/finish.c), so a re-rendered
 * result.json shows the same. */
#include "runtime/judge.h"

#include "analysis/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int lg__rt_full_slope(const rt_summary *s, double from_x, double conf,
                      rt_full_fit *fit) {
  size_t i, n = 0, at = 0;
  void *work;
  lg_sen sen;
  memset(fit, 0, sizeof *fit);
  fit->slope = fit->lo = fit->hi = NAN;
  for (i = 0; i < s->n_full; i++)
    if (s->full_x[i] >= from_x) {
      if (n++ == 0)
        at = i;
    }
  if (n < 3)
    return LG_EINPUT;
  if (!(work = malloc(lg__stat_theil_sen_work(n))))
    return LG_ENOMEM;
  lg__stat_theil_sen(s->full_x + at, s->full_y + at, n, conf, -1, work, &sen);
  free(work);
  fit->n = n;
  fit->slope = sen.slope;
  fit->lo = sen.lo;
  fit->hi = sen.hi;
  return 0;
}
