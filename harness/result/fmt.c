/* result/fmt.c - shared number formatting and UTF-8 decoding (see
 * result/fmt.h). */
#include "result/fmt.h"

#include <leakgate/units.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

char *lg__fmt_num(char *buf, size_t cap, double v) {
  double a = fabs(v);
  if (!isfinite(v))
    snprintf(buf, cap, "n/a");
  else if (a == 0)
    snprintf(buf, cap, "0");
  else if (a >= 1e12)
    snprintf(buf, cap, "%.3g", v);
  else if (a >= 100)
    snprintf(buf, cap, "%.0f", v);
  else if (a >= 10)
    snprintf(buf, cap, "%.1f", v);
  else if (a >= 1)
    snprintf(buf, cap, "%.2f", v);
  else
    snprintf(buf, cap, "%.2g", v);
  return buf;
}

const char *lg__fmt_slope_unit(const lg_analysis *a) {
  return strcmp(a->x, "seconds") == 0 ? "B/s" : "B/req";
}

const char *lg__fmt_heap_unit(const char *x) {
  if (x && strcmp(x, "seconds") == 0)
    return "B/s";
  if (x && strcmp(x, "allocated") == 0)
    return "B per allocated B";
  if (x && strcmp(x, "index") == 0)
    return "B per profile";
  return "B/request";
}

char *lg__fmt_slope(char *buf, size_t cap, const lg_analysis *a, double v) {
  char n[64];
  snprintf(buf, cap, "%s %s", lg__fmt_num(n, sizeof n, v),
           lg__fmt_slope_unit(a));
  return buf;
}

char *lg__fmt_ci_label(char *buf, size_t cap, double confidence) {
  /* Each bound is one-sided at confidence (analysis/stats.c: z of
   * confidence), so [lo, hi] is a 2c - 1 two-sided interval: 98% at the
   * default 0.99 (docs/analysis.md). */
  if (isfinite(confidence) && confidence > 0.5 && confidence < 1)
    snprintf(buf, cap, "%g%% CI", round((2 * confidence - 1) * 1e6) / 1e4);
  else
    snprintf(buf, cap, "CI");
  return buf;
}

char *lg__fmt_early_stop(char *buf, size_t cap, const lg_analysis *a) {
  char s[64];
  if (!a->early_stop)
    snprintf(buf, cap, "%s", "");
  else if (isfinite(a->decided_after_s))
    snprintf(buf, cap, "; decided after %s s of steady load (early stop)",
             lg__fmt_num(s, sizeof s, a->decided_after_s));
  else
    snprintf(buf, cap, "; undecided after %zu look%s (early stop)", a->looks,
             a->looks == 1 ? "" : "s");
  return buf;
}

char *lg__fmt_signal(char *buf, size_t cap, int sig) {
  const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;
  if (abbrev)
    snprintf(buf, cap, "SIG%s", abbrev);
  else
    snprintf(buf, cap, "signal %d", sig);
  return buf;
}

char *lg__fmt_frame(char *buf, size_t cap, const lg_frame *f) {
  const char *fn = f->function ? f->function : "??";
  if (f->file && f->line > 0)
    snprintf(buf, cap, "%s (%s:%d)", fn, f->file, f->line);
  else if (f->file)
    snprintf(buf, cap, "%s (%s)", fn, f->file);
  else if (f->object)
    snprintf(buf, cap, "%s (in %s)", fn, f->object);
  else
    snprintf(buf, cap, "%s", fn);
  return buf;
}

const char *lg__fmt_leak(lg_leak l) {
  switch (l) {
  case LG_LEAK_LEAK:
    return "leak";
  case LG_LEAK_NO_LEAK:
    return "no_leak";
  case LG_LEAK_INCONCLUSIVE:
    return "inconclusive";
  default:
    return "unknown";
  }
}

int lg__fmt_leak_parse(const char *s) {
  if (!s)
    return -1;
  if (strcmp(s, "leak") == 0)
    return LG_LEAK_LEAK;
  if (strcmp(s, "no_leak") == 0)
    return LG_LEAK_NO_LEAK;
  if (strcmp(s, "inconclusive") == 0)
    return LG_LEAK_INCONCLUSIVE;
  if (strcmp(s, "unknown") == 0)
    return LG_LEAK_UNKNOWN;
  return -1;
}

size_t lg__fmt_utf8_decode(const unsigned char *s, unsigned *cp) {
  unsigned c = s[0], v;
  size_t n, i;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, v = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, v = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, v = c & 0x07;
  else
    return 0;
  for (i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
      (n == 4 && (v < 0x10000 || v > 0x10FFFF)))
    return 0;
  *cp = v;
  return n;
}
