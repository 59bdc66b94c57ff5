/* series/series.c - lg_series_from_arrays and lg_series_free (series.h).
 *
 * from_arrays validates like the reader (finite numbers, x and t never
 * decreasing, at least LG_SERIES_MIN_POINTS points, x increasing somewhere)
 * and aggregates through the same bounded aggregator, so a caller holding
 * samples in memory gets exactly what reading them from a CSV would give.
 * Owns: the series it returns; on failure *out is NULL and nothing leaks.
 */
#include "series/aggregate.h"

#include <leakgate/series.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lg_series_free(lg_series *s) {
  if (!s)
    return;
  free(s->x);
  free(s->y);
  free(s->t);
  free(s->ymax);
  free(s->name);
  free(s);
}

int lg_series_from_arrays(const double *x, const double *y, const double *t,
                          size_t n, const char *metric, const char *x_name,
                          lg_series **out, lg_error *err) {
  lg_agg *a = NULL;
  lg_series *s = NULL;
  int rc = 0, secs;
  size_t i;

  *out = NULL;
  if (!x_name)
    x_name = "requests";
  if (strcmp(x_name, "requests") && strcmp(x_name, "seconds"))
    return lg_error_set(err, LG_EUSAGE,
                        "x axis must be 'requests' or 'seconds', got '%s'",
                        x_name);
  secs = strcmp(x_name, "seconds") == 0;
  if (n < LG_SERIES_MIN_POINTS)
    return lg_error_set(err, LG_EINPUT, "only %zu points (need at least %d)", n,
                        LG_SERIES_MIN_POINTS);
  for (i = 0; i < n; i++) {
    double ti = t ? t[i] : (secs ? x[i] : 0);
    if (!isfinite(x[i]) || !isfinite(y[i]) || !isfinite(ti))
      return lg_error_set(err, LG_EINPUT, "point %zu: not a finite number", i);
    if (i > 0 && x[i] < x[i - 1])
      return lg_error_set(err, LG_EINPUT,
                          "point %zu: %s decreases (%.17g after %.17g)", i,
                          x_name, x[i], x[i - 1]);
    if (i > 0 && t && t[i] < t[i - 1])
      return lg_error_set(err, LG_EINPUT,
                          "point %zu: t decreases (%.17g after %.17g)", i, t[i],
                          t[i - 1]);
  }
  if (!(x[n - 1] > x[0]))
    return lg_error_set(err, LG_EINPUT,
                        "%s never increases, so there is no slope to measure",
                        x_name);
  a = lg__agg_new();
  s = calloc(1, sizeof *s);
  if (!a || !s) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < n; i++) {
    double ti = t ? t[i] : (secs ? x[i] : NAN);
    if (lg__agg_add(a, x[i], ti, y[i]) != 0) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
  }
  if (lg__agg_finish(a, LG_AGG_AUTO, s) != 0) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  s->rows = s->rows_used = n;
  s->x_end = x[n - 1];
  s->t_end = t ? t[n - 1] : (secs ? x[n - 1] : NAN);
  s->steady_x = x[0];
  s->steady_t = t ? t[0] : (secs ? x[0] : NAN);
  snprintf(s->metric, sizeof s->metric, "%s", metric ? metric : "value");
  snprintf(s->x_name, sizeof s->x_name, "%s", x_name);
  s->x_is_seconds = secs;
  *out = s;
  s = NULL;
cleanup:
  lg__agg_free(a);
  lg_series_free(s);
  return rc;
}
