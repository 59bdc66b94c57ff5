/* runtime/gclog_jvm.c - the JVM's unified GC log (-Xlog:gc,gc+init, JDK 9
 * and later), as leakgate asks for it: a file per process with the uptime
 * and pid decorators (leakgate/runtime.h).
 *
 * Format (hotspot/share/gc/shared/gcTraceTime.cpp, JDK 9 to 21):
 *   [1.234s][4242] GC(7) Pause Young (Allocation Failure) 20M->3M(61M) 2.345ms
 *   [5.678s][4242] GC(9) Pause Full (Allocation Failure) 60M->59M(61M) 45.6ms
 *   [0.300s][4242] GC(0) Garbage Collection (Warmup) 28M(22%)->22M(18%)  (ZGC)
 *   [0.025s][4242] Heap Max Capacity: 256M     (gc+init; ZGC: "Max Capacity")
 *   [0.024s][4242] Version: 17.0.21.1+2-1-deb12u1-Debian (release)   (gc+init)
 * Decorators are any leading "[...]" groups: "N.NNNs" or "Nms" is the
 * uptime, digits alone the pid; others (level, tags, dates) are skipped,
 * so the default decorators of a log the service writes itself parse too.
 * Sizes are B, K, M or G (powers of 1024). "before->after(capacity)" is the
 * whole heap's occupancy; a full collection (Pause Full, a ZGC cycle) leaves
 * the live heap. A "GC(N)" line with "->" that does not parse is
 * LG_GC_LINE_BAD; GC(N) lines without sizes (phases, concurrent cycles)
 * are not events. */
#include <leakgate/runtime.h>

#include "runtime/rt_scan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* "N[.N]<unit>" with unit B, K, M or G. */
static bool size(rt_cur *c, double *bytes) {
  rt_cur save = *c;
  double v, mul;
  if (!lg__rt_num(c, &v) || c->p >= c->end)
    goto no;
  switch (*c->p) {
  case 'B':
    mul = 1;
    break;
  case 'K':
    mul = 1024.0;
    break;
  case 'M':
    mul = 1048576.0;
    break;
  case 'G':
    mul = 1073741824.0;
    break;
  default:
    goto no;
  }
  c->p++;
  *bytes = v * mul;
  return true;
no:
  *c = save;
  return false;
}

/* Leading "[...]" decorator groups: uptime and pid. */
static void decorators(rt_cur *c, double *uptime, long *pid) {
  while (c->p < c->end && *c->p == '[') {
    rt_cur in = {c->p + 1, c->end};
    const char *close = memchr(in.p, ']', lg__rt_left(&in));
    double v;
    long long n;
    if (!close)
      return;
    in.end = close;
    if (lg__rt_num(&in, &v) &&
        (lg__rt_lit(&in, "s") || lg__rt_lit(&in, "ms")) && in.p == close) {
      *uptime = close[-2] == 'm' ? v / 1000 : v;
    } else {
      in.p = c->p + 1;
      if (lg__rt_uint(&in, &n) && in.p == close)
        *pid = (long)n;
    }
    c->p = close + 1;
  }
  lg__rt_spaces(c);
}

/* "Heap Max Capacity: 256M" and "Version: 17.0.2+8 (release)". */
static lg_gc_line info_line(rt_cur *c, lg_gc_info *info) {
  double v;
  /* ZGC says "Max Capacity: ", the other collectors "Heap Max Capacity: ". */
  if (lg__rt_lit(c, "Heap Max Capacity: ") || lg__rt_lit(c, "Max Capacity: ")) {
    if (!size(c, &v))
      return LG_GC_LINE_BAD;
    info->max_bytes = v;
    return LG_GC_LINE_INFO;
  }
  if (lg__rt_lit(c, "Version: ")) {
    size_t n = 0;
    while (c->p + n < c->end && c->p[n] != ' ' && n + 1 < sizeof info->version)
      n++;
    if (n == 0)
      return LG_GC_LINE_BAD;
    memcpy(info->version, c->p, n);
    info->version[n] = '\0';
    return LG_GC_LINE_INFO;
  }
  return LG_GC_LINE_OTHER;
}

lg_gc_line lg_gc_parse_jvm(const char *line, size_t len, lg_gc_event *ev,
                           lg_gc_info *info) {
  rt_cur c = {line, line + len};
  double uptime = NAN, before, after, cap = NAN, pause = NAN, pct;
  const char *arrow, *kind, *sizes;
  long pid = 0;
  long long seq;
  lg_gc_line kind_of;

  decorators(&c, &uptime, &pid);
  if (!lg__rt_lit(&c, "GC(")) {
    memset(info, 0, sizeof *info);
    info->max_bytes = NAN;
    info->pid = pid;
    kind_of = info_line(&c, info);
    return kind_of;
  }
  if (!lg__rt_uint(&c, &seq) || !lg__rt_lit(&c, ") "))
    return LG_GC_LINE_OTHER;
  arrow = lg__rt_find(&c, "->");
  if (!arrow)
    return LG_GC_LINE_OTHER; /* a phase or a concurrent cycle */
  memset(ev, 0, sizeof *ev);
  ev->before_bytes = ev->after_bytes = ev->capacity_bytes = NAN;
  ev->gc_cpu_share = ev->external_bytes = NAN;
  /* The kind runs up to the space before the "before" size. */
  kind = c.p;
  for (sizes = arrow; sizes > kind && sizes[-1] != ' '; sizes--)
    ;
  if (sizes == kind)
    return LG_GC_LINE_BAD;
  c.p = sizes;
  if (!size(&c, &before))
    return LG_GC_LINE_BAD;
  if (lg__rt_lit(&c, "(")) { /* ZGC: "28M(22%)->22M(18%)" */
    if (!lg__rt_num(&c, &pct) || !lg__rt_lit(&c, "%)"))
      return LG_GC_LINE_BAD;
    if (!lg__rt_lit(&c, "->") || !size(&c, &after) || !lg__rt_lit(&c, "(") ||
        !lg__rt_num(&c, &pct) || !lg__rt_lit(&c, "%)"))
      return LG_GC_LINE_BAD;
    ev->full = true; /* a ZGC cycle marks the whole heap */
  } else {
    if (!lg__rt_lit(&c, "->") || !size(&c, &after) || !lg__rt_lit(&c, "(") ||
        !size(&c, &cap) || !lg__rt_lit(&c, ")"))
      return LG_GC_LINE_BAD;
    if (lg__rt_spaces(&c) && lg__rt_num(&c, &pause)) {
      if (!lg__rt_lit(&c, "ms"))
        return LG_GC_LINE_BAD;
      pause /= 1000;
    }
  }
  snprintf(ev->kind, sizeof ev->kind, "%.*s",
           (int)((size_t)(sizes - 1 - kind) < sizeof ev->kind
                     ? (size_t)(sizes - 1 - kind)
                     : sizeof ev->kind - 1),
           kind);
  if (strncmp(ev->kind, "Pause Full", 10) == 0)
    ev->full = true;
  ev->seq = seq;
  ev->pid = pid;
  ev->uptime_s = uptime;
  ev->before_bytes = before;
  ev->after_bytes = after;
  ev->capacity_bytes = cap;
  /* Only "Pause ..." collections stop the world; a concurrent collector's
   * summary line (ZGC, Shenandoah) has no pause of its own. */
  ev->pause_s = strncmp(ev->kind, "Pause", 5) == 0 && !isnan(pause) ? pause : 0;
  return LG_GC_LINE_EVENT;
}
