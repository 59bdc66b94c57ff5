/* reporters/html_chart.c - inline SVG line charts for the HTML report:
 * memory against requests with the fitted slope and its confidence band
 * over the analysed window, the warm-up cut, the memory-limit line and an
 * OOM marker; the same drawing serves the Massif heap curve.
 *
 * Pure SVG (no script, no external font or stylesheet): the page stays one
 * self-contained file that renders offline. Coordinates are printed with one
 * decimal; ticks are "nice" numbers (1, 2, 5 x 10^k), about five per axis.
 * Both axes start at 0: a y axis from 250 to 320 KiB makes a service's
 * start-up look like a leak, and an x axis without its 0 hides how much of
 * the run the warm-up took. Drawing order: warm-up area, band, samples,
 * then the fitted line on top (the caption promises it is visible), the
 * limit and OOM marks, and the labels last, with a halo in the page colour
 * so no line strikes through them; the warm-up label sits at the foot of
 * its line, away from the limit label at the top left.
 * Complexity O(n) in the points drawn (the chart is already downsampled).
 */
#include "html_chart.h"

#include "result/fmt.h"

#include <leakgate/units.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W 760.0
#define H 340.0
#define ML 78.0
#define MR 24.0
#define MT 22.0
#define MB 52.0

typedef struct frame {
  double x0, x1, y0, y1;
} frame;

static double px(const frame *f, double x) {
  return ML + (x - f->x0) / (f->x1 - f->x0) * (W - ML - MR);
}

static double py(const frame *f, double y) {
  return H - MB - (y - f->y0) / (f->y1 - f->y0) * (H - MT - MB);
}

/* A tick step of 1, 2 or 5 x 10^k giving about `want` intervals. */
static double nice_step(double span, int want) {
  double raw = span / want, mag = pow(10, floor(log10(raw))), f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static char *short_num(char *buf, size_t cap, double v) {
  double a = fabs(v);
  if (a >= 1e9)
    snprintf(buf, cap, "%gG", v / 1e9);
  else if (a >= 1e6)
    snprintf(buf, cap, "%gM", v / 1e6);
  else if (a >= 1e3)
    snprintf(buf, cap, "%gk", v / 1e3);
  else
    snprintf(buf, cap, "%g", v);
  return buf;
}

static void widen(double *lo, double *hi, double v) {
  if (!isfinite(v))
    return;
  if (v < *lo)
    *lo = v;
  if (v > *hi)
    *hi = v;
}

static void text(lg_buf *b, double x, double y, const char *cls,
                 const char *anchor, const char *s) {
  lg__buf_appendf(b,
                  "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
                  "text-anchor=\"%s\">",
                  cls, x, y, anchor);
  lg__esc_xml(b, s, false);
  lg__buf_appends(b, "</text>\n");
}

/* Byte axis: one binary unit for all labels (that of the largest value), a
 * nice step in that unit, and as many decimals as the step needs, so ticks
 * read 40.0, 40.5, 41.0 MiB. A count axis does the same in powers of 1000
 * (1.5k goroutines, not 1.5 KiB). */
static void y_ticks(lg_buf *b, const frame *f, bool counts) {
  static const char *const bytes[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  static const char *const thousands[] = {"", "k", "M", "G", "T"};
  const char *const *units = counts ? thousands : bytes;
  double base = counts ? 1000 : 1024;
  double unit = 1, top = fmax(fabs(f->y0), fabs(f->y1)), step, v;
  char lab[64];
  int u = 0, dec;
  while (top / unit >= base && u < 4) {
    unit *= base;
    u++;
  }
  step = nice_step((f->y1 - f->y0) / unit, 5) * unit;
  dec = step / unit >= 1 ? 0 : (int)ceil(-log10(step / unit) - 1e-9);
  for (v = ceil(f->y0 / step) * step;
       v <= f->y1 + step * 1e-9 && !lg__buf_error(b); v += step) {
    lg__buf_appendf(b,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                    "y2=\"%.1f\"/>\n",
                    ML, py(f, v), W - MR, py(f, v));
    /* ceil() of a small negative gives -0: print it as 0 */
    snprintf(lab, sizeof lab, "%.*f%s%s", dec,
             fabs(v) < step * 1e-6 ? 0.0 : v / unit, counts ? "" : " ",
             units[u]);
    text(b, ML - 6, py(f, v) + 4, "tick", "end", lab);
  }
}

static void axes(lg_buf *b, const frame *f, const lg_chart_spec *s) {
  char lab[64];
  double step, v;
  lg__buf_appends(b, "<g class=\"grid\">\n");
  y_ticks(b, f, s->counts);
  step = nice_step(f->x1 - f->x0, 6);
  for (v = ceil(f->x0 / step) * step;
       v <= f->x1 + step * 1e-9 && !lg__buf_error(b); v += step) {
    lg__buf_appendf(b,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                    "y2=\"%.1f\"/>\n",
                    px(f, v), MT, px(f, v), H - MB);
    text(b, px(f, v), H - MB + 16, "tick", "middle",
         short_num(lab, sizeof lab, v));
  }
  lg__buf_appends(b, "</g>\n");
  lg__buf_appendf(b,
                  "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" "
                  "width=\"%.1f\" height=\"%.1f\"/>\n",
                  ML, MT, W - ML - MR, H - MT - MB);
  text(b, ML + (W - ML - MR) / 2, H - 12, "axis", "middle", s->x_label);
  lg__buf_appendf(b,
                  "<text class=\"axis\" transform=\"translate(16 "
                  "%.1f) rotate(-90)\" text-anchor=\"middle\">",
                  MT + (H - MT - MB) / 2);
  lg__esc_xml(b, s->y_label, false);
  lg__buf_appends(b, "</text>\n");
}

/* The analysed window: from the warm-up cut (or the first x) to the end. */
static void fit_window(const frame *f, const lg_analysis *a, double *x0,
                       double *x1) {
  *x0 = isfinite(a->warmup_x) && a->warmup_x > f->x0 && a->warmup_x < f->x1
            ? a->warmup_x
            : f->x0;
  *x1 = f->x1;
}

/* The slope's confidence band as a bow tie through the window's centre:
 * every line with a slope inside [lo, hi] through (xc, yc). Drawn under
 * the samples. */
static void band(lg_buf *b, const frame *f, const lg_chart_spec *s) {
  const lg_analysis *a = s->fit;
  double x0, x1, xc, yc;
  fit_window(f, a, &x0, &x1);
  xc = (x0 + x1) / 2;
  yc = a->intercept + a->slope * xc;
  if (isfinite(a->slope_lo) && isfinite(a->slope_hi))
    lg__buf_appendf(
        b,
        "<polygon class=\"band\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f "
        "%.1f,%.1f %.1f,%.1f %.1f,%.1f\"><title>%s of the slope</title>"
        "</polygon>\n",
        px(f, x0), py(f, yc + a->slope_lo * (x0 - xc)), px(f, xc), py(f, yc),
        px(f, x1), py(f, yc + a->slope_hi * (x1 - xc)), px(f, x1),
        py(f, yc + a->slope_lo * (x1 - xc)), px(f, xc), py(f, yc), px(f, x0),
        py(f, yc + a->slope_hi * (x0 - xc)), s->ci_label);
}

/* The fitted line, drawn over the samples. */
static void fit(lg_buf *b, const frame *f, const lg_chart_spec *s) {
  const lg_analysis *a = s->fit;
  double x0, x1;
  char sl[64], lo[32], hi[32], label[192];
  fit_window(f, a, &x0, &x1);
  snprintf(label, sizeof label, "fit %s (%s %s to %s)",
           lg__fmt_slope(sl, sizeof sl, a, a->slope), s->ci_label,
           lg__fmt_num(lo, sizeof lo, a->slope_lo),
           lg__fmt_num(hi, sizeof hi, a->slope_hi));
  lg__buf_appendf(b,
                  "<line class=\"fit\" x1=\"%.1f\" y1=\"%.1f\" "
                  "x2=\"%.1f\" y2=\"%.1f\"><title>",
                  px(f, x0), py(f, a->intercept + a->slope * x0), px(f, x1),
                  py(f, a->intercept + a->slope * x1));
  lg__esc_xml(b, label, false);
  lg__buf_appends(b, "</title></line>\n");
}

static void warmup(lg_buf *b, const frame *f, double wx) {
  lg__buf_appendf(b,
                  "<rect class=\"warmup-area\" x=\"%.1f\" y=\"%.1f\" "
                  "width=\"%.1f\" height=\"%.1f\"/>\n"
                  "<line class=\"warmup\" x1=\"%.1f\" y1=\"%.1f\" "
                  "x2=\"%.1f\" y2=\"%.1f\"/>\n",
                  ML, MT, px(f, wx) - ML, H - MT - MB, px(f, wx), MT, px(f, wx),
                  H - MB);
}

/* At the foot of the warm-up line: the y axis starts at 0, so memory is
 * rarely down there, and the limit label is at the top. */
static void warmup_label(lg_buf *b, const frame *f, double wx) {
  text(b, px(f, wx) + 4, H - MB - 6, "note warmup-label", "start",
       "warm-up cut");
}

static void samples(lg_buf *b, const frame *f, const lg_chart_spec *s) {
  size_t i;
  lg__buf_appends(b, "<polyline class=\"samples\" points=\"");
  for (i = 0; i < s->n && !lg__buf_error(b); i++)
    if (isfinite(s->x[i]) && isfinite(s->y[i]))
      lg__buf_appendf(b, "%s%.1f,%.1f", i ? " " : "", px(f, s->x[i]),
                      py(f, s->y[i]));
  lg__buf_appends(b, "\"/>\n");
}

static void limit_line(lg_buf *b, const frame *f, double limit) {
  char lab[96], by[32];
  snprintf(lab, sizeof lab, "memory limit %s",
           lg_format_bytes(by, sizeof by, limit));
  lg__buf_appendf(b,
                  "<line class=\"limit\" x1=\"%.1f\" y1=\"%.1f\" "
                  "x2=\"%.1f\" y2=\"%.1f\"/>\n",
                  ML, py(f, limit), W - MR, py(f, limit));
  /* at the left end: memory that grows is usually low there */
  text(b, ML + 6, py(f, limit) - 5, "note limit-label", "start", lab);
}

static void oom_marker(lg_buf *b, const frame *f, const lg_chart_spec *s) {
  double x = px(f, s->oom_x), y = py(f, s->y[s->n - 1]);
  char lab[96];
  lg__buf_appendf(b,
                  "<g class=\"oom\"><line x1=\"%.1f\" y1=\"%.1f\" "
                  "x2=\"%.1f\" y2=\"%.1f\"/><path d=\"M%.1f %.1fl10 "
                  "10m0 -10l-10 10\"/><title>OOM kill at %s</title>"
                  "</g>\n",
                  x, MT, x, H - MB, x - 5, y - 5,
                  short_num(lab, sizeof lab, s->oom_x));
  text(b, x - 6, H - MB - 8, "note oom-label", "end", "OOM kill");
}

int lg__html_chart(lg_buf *b, const lg_chart_spec *s) {
  frame f;
  double ylo = INFINITY, yhi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
  double pad;
  bool limit_on_chart = false, has_fit, has_warmup;
  char lab[96], by[32];
  size_t i;

  for (i = 0; i < s->n; i++) {
    widen(&xlo, &xhi, s->x[i]);
    widen(&ylo, &yhi, s->y[i]);
  }
  if (!(xhi > xlo) || !isfinite(ylo))
    return lg__buf_appends(b, "<p class=\"nochart\">Not enough points for a "
                              "chart.</p>\n");
  widen(&xlo, &xhi, s->oom_x);
  has_fit = s->fit && isfinite(s->fit->slope) && isfinite(s->fit->intercept);
  if (isfinite(s->limit) && s->limit <= yhi * 2) {
    widen(&ylo, &yhi, s->limit);
    limit_on_chart = true;
  }
  /* From 0 (see the header comment); room above the top value only. */
  widen(&xlo, &xhi, 0);
  widen(&ylo, &yhi, 0);
  pad = (yhi - ylo) * 0.06 + 1;
  f.x0 = xlo;
  f.x1 = xhi;
  f.y0 = ylo < 0 ? ylo - pad : 0;
  f.y1 = yhi + pad;

  lg__buf_appendf(b,
                  "<svg class=\"chart\" id=\"%s\" xmlns=\"http://www.w3.org/"
                  "2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                  "aria-labelledby=\"%s-title\">\n<title id=\"%s-title\">",
                  s->id, W, H, s->id, s->id);
  lg__esc_xml(b, s->title, false);
  lg__buf_appendf(b,
                  "</title>\n<defs><clipPath id=\"%s-clip\">"
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                  "height=\"%.1f\"/></clipPath></defs>\n",
                  s->id, ML, MT, W - ML - MR, H - MT - MB);
  axes(b, &f, s);
  lg__buf_appendf(b, "<g clip-path=\"url(#%s-clip)\">\n", s->id);
  has_warmup = has_fit && isfinite(s->fit->warmup_x) &&
               s->fit->warmup_x > f.x0 && s->fit->warmup_x < f.x1;
  if (has_warmup)
    warmup(b, &f, s->fit->warmup_x);
  if (has_fit)
    band(b, &f, s);
  samples(b, &f, s);
  if (has_fit)
    fit(b, &f, s);
  if (limit_on_chart)
    limit_line(b, &f, s->limit);
  if (isfinite(s->oom_x))
    oom_marker(b, &f, s);
  if (has_warmup)
    warmup_label(b, &f, s->fit->warmup_x);
  lg__buf_appends(b, "</g>\n");
  if (isfinite(s->limit) && !limit_on_chart) {
    snprintf(lab, sizeof lab, "memory limit %s is above the chart",
             lg_format_bytes(by, sizeof by, s->limit));
    text(b, W - MR - 4, MT - 6, "note", "end", lab);
  }
  lg__buf_appends(b, "</svg>\n");
  return lg__buf_error(b);
}
