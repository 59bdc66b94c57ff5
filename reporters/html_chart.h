/* reporters/html_chart.h - inline SVG charts for the HTML report. Internal. */
#ifndef LG_HTML_CHART_H
#define LG_HTML_CHART_H

#include "report_util.h"

#include <stdbool.h>

typedef struct lg_chart_spec {
  const char *id;    /* element id, unique in the page ("chart-0") */
  const char *title; /* accessible title */
  const char *x_label, *y_label;
  const double *x, *y; /* the points, x increasing */
  size_t n;
  const lg_analysis *fit; /* slope, CI, intercept, warmup_x; NULL = none */
  const char *ci_label;   /* "98% CI" */
  double limit;           /* memory limit line; NAN = none */
  double oom_x;           /* OOM marker; NAN = none */
  bool counts;            /* y counts things (goroutines), not bytes */
} lg_chart_spec;

/* Append one <svg class="chart" id=...> element (or a short note when there
 * are fewer than two usable points); returns the buffer's error. */
int lg__html_chart(lg_buf *b, const lg_chart_spec *s);

#endif
