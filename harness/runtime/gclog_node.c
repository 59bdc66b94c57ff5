/* runtime/gclog_node.c - V8's --trace-gc lines, as Node prints them on
 * stdout (leakgate/runtime.h).
 *
 * Format (v8/src/heap/gc-tracer.cc, Node 12 to 22):
 *   [4483:0x14489860]       21 ms: Scavenge 3.9 (4.0) -> 3.1 (5.0) MB,
 *   1.02 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation
 *   failure;
 * the prefix is pid and isolate, then milliseconds since the isolate
 * started, the collector ("Scavenge", "Mark-Compact", "Mark-Compact
 * (reduce)", "Mark-sweep", "Minor Mark-Sweep"), used (committed) MB before
 * and after, an optional "pooled: N MB, " (V8 >= 11), then the main-thread
 * pause and the time spent in embedder callbacks. MB are MiB (V8 divides by
 * 1024 * 1024). A full mark of the heap (Mark-Compact, Mark-sweep) leaves
 * used = the live heap; a Scavenge only empties the young generation.
 * A line with the prefix that does not follow this is LG_GC_LINE_BAD.
 *
 * The preload leakgate injects through NODE_OPTIONS (runtime/inject.c)
 * writes its own lines, because NODE_OPTIONS refuses --trace-gc and V8's
 * lines leave out the ArrayBuffer memory a Buffer leak is made of:
 *   lg-node-gc 1 info PID VERSION HEAP_SIZE_LIMIT
 *   lg-node-gc 1 gc PID T_MS KIND PAUSE_MS USED TOTAL EXTERNAL LIMIT
 * T_MS is when the collection ended (ms since the process started), KIND
 * perf_hooks' NODE_PERFORMANCE_GC_* (1 minor, 4 major, 8 incremental, 16
 * weak callbacks), sizes in bytes from v8.getHeapStatistics() read right
 * after the collection is reported. */
#include <leakgate/runtime.h>

#include "runtime/rt_scan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MIB 1048576.0

/* "A (B)" in MB. */
static bool used_committed(rt_cur *c, double *used, double *committed) {
  return lg__rt_num(c, used) && lg__rt_lit(c, " (") &&
         lg__rt_num(c, committed) && lg__rt_lit(c, ")");
}

/* "[PID:0xHEX]" then spaces, "N ms: ". */
static bool prefix(rt_cur *c, long long *pid, double *ms) {
  if (!lg__rt_lit(c, "[") || !lg__rt_uint(c, pid) || !lg__rt_lit(c, ":0x"))
    return false;
  while (c->p < c->end && *c->p && strchr("0123456789abcdefABCDEF", *c->p))
    c->p++;
  if (!lg__rt_lit(c, "]") || lg__rt_spaces(c) == 0 || !lg__rt_num(c, ms) ||
      !lg__rt_lit(c, " ms: "))
    return false;
  return true;
}

static void event_init(lg_gc_event *ev) {
  memset(ev, 0, sizeof *ev);
  ev->uptime_s = ev->before_bytes = ev->after_bytes = ev->capacity_bytes = NAN;
  ev->pause_s = ev->gc_cpu_share = ev->external_bytes = NAN;
  ev->seq = -1;
}

/* " N" for each of n unsigned integers. */
static bool uints(rt_cur *c, long long *v, int n) {
  int i;
  for (i = 0; i < n; i++)
    if (!lg__rt_lit(c, " ") || !lg__rt_uint(c, &v[i]))
      return false;
  return true;
}

/* The preload's lines (see the top of this file). */
static lg_gc_line preload_line(rt_cur *c, lg_gc_event *ev, lg_gc_info *info) {
  long long pid, kind, v[4];
  double t, pause;
  const char *ver;
  size_t vlen;
  if (lg__rt_lit(c, "info ")) {
    memset(info, 0, sizeof *info);
    info->max_bytes = NAN;
    if (!lg__rt_uint(c, &pid) || !lg__rt_lit(c, " "))
      return LG_GC_LINE_BAD;
    for (ver = c->p; c->p < c->end && *c->p != ' '; c->p++)
      ;
    vlen = (size_t)(c->p - ver);
    if (vlen == 0 || vlen >= sizeof info->version || !uints(c, v, 1) ||
        c->p != c->end)
      return LG_GC_LINE_BAD;
    memcpy(info->version, ver, vlen);
    info->version[vlen] = '\0';
    info->pid = (long)pid;
    info->max_bytes = (double)v[0];
    return LG_GC_LINE_INFO;
  }
  if (!lg__rt_lit(c, "gc "))
    return LG_GC_LINE_BAD;
  event_init(ev);
  if (!lg__rt_uint(c, &pid) || !lg__rt_lit(c, " ") || !lg__rt_num(c, &t) ||
      !lg__rt_lit(c, " ") || !lg__rt_uint(c, &kind) || !lg__rt_lit(c, " ") ||
      !lg__rt_num(c, &pause) || !uints(c, v, 4) || c->p != c->end)
    return LG_GC_LINE_BAD;
  ev->pid = (long)pid;
  ev->uptime_s = t / 1000;
  ev->pause_s = pause / 1000;
  ev->after_bytes = (double)v[0];
  ev->capacity_bytes = (double)v[1];
  ev->external_bytes = (double)v[2];
  ev->full = kind == 4;
  snprintf(ev->kind, sizeof ev->kind, "%s",
           kind == 1    ? "minor"
           : kind == 4  ? "major"
           : kind == 8  ? "incremental"
           : kind == 16 ? "weak callbacks"
                        : "other");
  return LG_GC_LINE_EVENT;
}

lg_gc_line lg_gc_parse_node(const char *line, size_t len, lg_gc_event *ev,
                            lg_gc_info *info) {
  rt_cur c = {line, line + len};
  const char *kind, *sizes;
  double ms, b_used, b_comm, a_used, a_comm, pause, pooled;
  long long pid;
  size_t klen;

  if (lg__rt_lit(&c, "lg-node-gc 1 "))
    return preload_line(&c, ev, info);
  if (!prefix(&c, &pid, &ms))
    return LG_GC_LINE_OTHER;
  event_init(ev);
  ev->pid = (long)pid;
  ev->uptime_s = ms / 1000;
  /* The collector's name runs up to the first size: the first digit that
   * follows a space and starts "N (N) -> ". */
  kind = c.p;
  for (sizes = NULL; c.p < c.end; c.p++) {
    rt_cur t = c;
    double x, y;
    if (c.p > kind && c.p[-1] == ' ' && used_committed(&t, &x, &y) &&
        lg__rt_lit(&t, " -> ")) {
      sizes = c.p;
      break;
    }
  }
  if (!sizes || sizes - kind < 2)
    return LG_GC_LINE_BAD;
  klen = (size_t)(sizes - kind - 1);
  if (!used_committed(&c, &b_used, &b_comm) || !lg__rt_lit(&c, " -> ") ||
      !used_committed(&c, &a_used, &a_comm) || !lg__rt_lit(&c, " MB, "))
    return LG_GC_LINE_BAD;
  if (lg__rt_lit(&c, "pooled: ") &&
      (!lg__rt_num(&c, &pooled) || !lg__rt_lit(&c, " MB, ")))
    return LG_GC_LINE_BAD;
  if (!lg__rt_num(&c, &pause) || !lg__rt_lit(&c, " / "))
    return LG_GC_LINE_BAD;
  snprintf(ev->kind, sizeof ev->kind, "%.*s",
           (int)(klen < sizeof ev->kind ? klen : sizeof ev->kind - 1), kind);
  ev->before_bytes = b_used * MIB;
  ev->after_bytes = a_used * MIB;
  ev->capacity_bytes = a_comm * MIB;
  ev->pause_s = pause / 1000;
  /* Minor Mark-Sweep (V8 >= 11) marks only the young generation. */
  ev->full = (strncmp(ev->kind, "Mark-Compact", 12) == 0 ||
              strncmp(ev->kind, "Mark-sweep", 10) == 0);
  return LG_GC_LINE_EVENT;
}
